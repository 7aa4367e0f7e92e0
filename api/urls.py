"""URLs of the api app: the REST API under /api/v1/ (``api.v1_urls``), its
documentation page and the profile's API token page."""

from __future__ import annotations

from django.urls import include, path

from api import docs_views, token_views

urlpatterns = [
    path("api/v1/", include("api.v1_urls")),
    path("api/docs/", docs_views.DocsView.as_view(), name="api-docs"),
    path("accounts/api-token/", token_views.api_token, name="api-token"),
]
