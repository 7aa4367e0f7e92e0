"""Turn the refusals of service functions into API answers.

Services raise ``NotAllowed`` (403), ``ServiceError`` (400) or Django's
``ValidationError`` (400, with field messages when it has them); DRF's own
handler does the rest (404, 401, 403, its validation errors).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ventures.services import NotAllowed, ServiceError


def as_api_exception(exc: Exception) -> Exception:
    """The DRF exception that answers ``exc``; ``exc`` itself when none does."""
    if isinstance(exc, NotAllowed):
        return exceptions.PermissionDenied(str(exc))
    if isinstance(exc, ServiceError):
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
