from __future__ import annotations

from django.urls import path

from ventures import catalog_views, views

urlpatterns = [
    path("ventures/", views.venture_list, name="ventures-list"),
    # Fixed paths before the slug: services.RESERVED_SLUGS keeps slugs off them.
    path("ventures/new/", views.venture_create, name="ventures-create"),
    path(
        "ventures/data-requests/",
        views.data_requests,
        name="ventures-data-requests",
    ),
    path(
        "ventures/data-requests/<int:pk>/status/",
        views.data_request_status,
        name="ventures-data-request-status",
    ),
    path("ventures/<slug:slug>/", views.venture_detail, name="ventures-detail"),
    path("ventures/<slug:slug>/edit/", views.venture_edit, name="ventures-edit"),
    path("ventures/<slug:slug>/uses/", views.use_add, name="ventures-use-add"),
    path(
        "ventures/<slug:slug>/uses/<int:pk>/edit/",
        views.use_edit,
        name="ventures-use-edit",
    ),
    path(
        "ventures/<slug:slug>/uses/<int:pk>/remove/",
        views.use_remove,
        name="ventures-use-remove",
    ),
    path(
        "ventures/<slug:slug>/data-requests/",
        views.data_request_add,
        name="ventures-data-request-add",
    ),
    path("datasets/", catalog_views.dataset_list, name="datasets-list"),
    path("datasets/<int:pk>/", catalog_views.dataset_detail, name="datasets-detail"),
    path("catalog/sources/", catalog_views.source_list, name="catalog-sources"),
    path("catalog/import/", catalog_views.catalog_import, name="catalog-import"),
    path(
        "catalog/import/<slug:job>/",
        catalog_views.catalog_import_status,
        name="catalog-import-status",
    ),
]
