"""The REST endpoints of /api/v1/: resources, exports and the schema.

Covered by tests/api (the access matrix's URL check,
tests/hub/test_access_matrix.py, leaves this module to them).
"""

from __future__ import annotations

from django.urls import path, register_converter
from rest_framework.routers import DefaultRouter

from api import docs_views, views
from api.exports import EXPORTS, export_view


class ExportFormat:
    regex = "csv|json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormat, "exportformat")

router = DefaultRouter()
router.register("datasets", views.DatasetViewSet, basename="api-datasets")
router.register(
    "catalog-sources", views.CatalogSourceViewSet, basename="api-catalog-sources"
)
router.register("ventures", views.VentureViewSet, basename="api-ventures")
router.register("dataset-uses", views.DatasetUseViewSet, basename="api-dataset-uses")
router.register(
    "funding-events", views.FundingEventViewSet, basename="api-funding-events"
)
router.register(
    "impact-snapshots", views.ImpactSnapshotViewSet, basename="api-impact-snapshots"
)

urlpatterns = [
    path("schema/", docs_views.SchemaView.as_view(), name="api-schema"),
    *[
        path(
            f"exports/{name}.<exportformat:fmt>",
            export_view(name),
            name=f"api-export-{name}",
        )
        for name in EXPORTS
    ],
    *router.urls,
]
