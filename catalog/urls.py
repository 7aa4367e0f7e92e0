"""The catalog pages. URL names are unchanged from when ventures served them."""

from __future__ import annotations

from django.urls import path

from catalog import views

urlpatterns = [
    path("datasets/", views.dataset_list, name="datasets-list"),
    path("datasets/<int:pk>/", views.dataset_detail, name="datasets-detail"),
    path("catalog/sources/", views.source_list, name="catalog-sources"),
    path("catalog/import/", views.catalog_import, name="catalog-import"),
    path(
        "catalog/import/<slug:job>/",
        views.catalog_import_status,
        name="catalog-import-status",
    ),
]
