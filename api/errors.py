"""The API answers a refusal (:mod:`hub.core.permissions`) in one place.

``Hidden`` is 404 and ``Forbidden`` 403 (with its message when it has one);
any other ``Refused`` is 400 with the message under ``non_field_errors``, and
Django's ``ValidationError`` is 400 with field messages when it has them. DRF's
own handler does the rest (404, 401, 403, its validation errors) and writes the
body, so answers keep DRF's ``{"detail": ...}`` and field-error shapes.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from hub.core.permissions import Forbidden, Hidden, Refused


def as_api_exception(exc: Exception) -> Exception:
    """The DRF exception that answers ``exc``; ``exc`` itself when none does."""
    if isinstance(exc, Hidden):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, Forbidden):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, Refused):
        return exceptions.ValidationError({"non_field_errors": [str(exc)]})
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                ("non_field_errors" if field == "__all__" else field): messages
                for field, messages in exc.message_dict.items()
            }
            return exceptions.ValidationError(detail)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    return drf_exception_handler(as_api_exception(exc), context)
