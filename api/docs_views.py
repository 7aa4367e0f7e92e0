"""The API documentation page (Swagger UI) under our strict CSP.

drf-spectacular's split view serves the Swagger UI start-up code as a
separate script (``?script``) instead of an inline one, and the sidecar
package serves Swagger UI from our static files, so the page needs no inline
script and no CDN. The page itself extends ``base.html`` like every other.
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema (YAML; ``?format=json`` for JSON)."""

    permission_classes = [AllowAny]


class DocsView(SpectacularSwaggerSplitView):
    permission_classes = [AllowAny]
    template_name = "api/docs.html"
    url_name = "api-schema"
