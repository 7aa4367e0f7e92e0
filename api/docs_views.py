"""The API documentation page (Swagger UI) under our strict CSP.

drf-spectacular's split view serves the Swagger UI start-up code as a
separate script (``?script``) instead of an inline one, and the sidecar
package serves Swagger UI from our static files, so the page needs no inline
script and no CDN. The page itself extends ``base.html`` like every other.

The schema view also runs ``add_query_errors``: drf-spectacular documents what
a view returns when all goes well, and the query string can also be refused.
The hook adds, to every GET with query parameters, the 400 that names each
bad parameter (``api.filters``, ``api.pagination``), and to every paginated
list the 404 of a page past the last, so the schema describes what the
endpoints really return (Schemathesis checks it, tests/api/test_schemathesis.py).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

PARAMETER_ERRORS = {
    "type": "object",
    "description": "Each refused query parameter with its messages.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}


def _json(name: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
        },
    }


def add_query_errors(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular's POSTPROCESSING_HOOKS signature; see the module."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ParameterErrors"] = PARAMETER_ERRORS
    schemas["Detail"] = DETAIL
    for item in result.get("paths", {}).values():
        operation = item.get("get")
        if operation is None:
            continue
        query = {
            p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
        }
        responses = operation["responses"]
        if query:
            responses.setdefault(
                "400", _json("ParameterErrors", "A query parameter is refused.")
            )
        if "page" in query:
            responses.setdefault("404", _json("Detail", "No such page."))
    return result


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema (YAML; ``?format=json`` for JSON)."""

    permission_classes = [AllowAny]
    # Kept beside the schema rather than in settings: the default enum hook,
    # then the error answers of the query string (add_query_errors).
    custom_settings = {
        "POSTPROCESSING_HOOKS": [
            "drf_spectacular.hooks.postprocess_schema_enums",
            "api.docs_views.add_query_errors",
        ]
    }


class DocsView(SpectacularSwaggerSplitView):
    permission_classes = [AllowAny]
    template_name = "api/docs.html"
    url_name = "api-schema"
