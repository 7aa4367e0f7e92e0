"""A URLconf for tests/hub/test_permissions.py: views that raise each refusal,
beside the project's own pages (the error templates link to them)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from hub.core.permissions import Forbidden, Hidden, Refused

REFUSALS = {
    "hidden": Hidden("A secret name"),
    "forbidden": Forbidden("Only the owner can do this."),
    "forbidden-bare": Forbidden(),
    "refused": Refused("That date is in the past."),
}


def refusing_view(request: HttpRequest, kind: str) -> HttpResponse:
    raise REFUSALS[kind]


urlpatterns = [
    path("refused/<str:kind>/", refusing_view),
    path("", include("hub.urls")),
]
