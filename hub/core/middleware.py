"""Pages answer a refusal (:mod:`hub.core.permissions`) in one place."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.log import log_response

from hub.core.permissions import Forbidden, Hidden, Refused


def refusal_page(request: HttpRequest, refusal: Refused) -> HttpResponse:
    """The page that answers ``refusal``.

    ``Hidden``: the project's 404 page, exactly as for a missing id, so
    existence does not leak. ``Forbidden``: the 403 page, showing the message.
    Any other refusal: 400 with the message (``hub/refused.html``).
    """
    if isinstance(refusal, Hidden):
        return response_for_exception(request, Http404(*refusal.args))
    if isinstance(refusal, Forbidden):
        return response_for_exception(request, PermissionDenied(*refusal.args))
    response = render(
        request, "hub/refused.html", {"exception": str(refusal)}, status=400
    )
    log_response(
        "Bad request (refused): %s", request.path, response=response, request=request
    )
    return response


class RefusalMiddleware:
    """Turns a :class:`Refused` that escapes a view into its page (404, 403 or
    400). Views still catch the refusals they answer on the form itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if not isinstance(exception, Refused):
            return None
        return refusal_page(request, exception)
