from __future__ import annotations

from django.urls import path

from ventures import views
from ventures.funding import views as funding_views

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
    path(
        "ventures/funding/verify/",
        funding_views.verify_queue,
        name="funding-verify-queue",
    ),
    path(
        "ventures/funding/rates/",
        funding_views.exchange_rates,
        name="funding-rates",
    ),
    path("ventures/<slug:slug>/", views.venture_detail, name="ventures-detail"),
    path(
        "ventures/<slug:slug>/funding/new/",
        funding_views.funding_add,
        name="ventures-funding-add",
    ),
    path(
        "ventures/<slug:slug>/funding/<int:pk>/edit/",
        funding_views.funding_edit,
        name="ventures-funding-edit",
    ),
    path(
        "ventures/<slug:slug>/funding/<int:pk>/delete/",
        funding_views.funding_delete,
        name="ventures-funding-delete",
    ),
    path(
        "ventures/<slug:slug>/funding/<int:pk>/verify/",
        funding_views.funding_verify,
        name="ventures-funding-verify",
    ),
    path(
        "ventures/<slug:slug>/impact/new/",
        funding_views.impact_add,
        name="ventures-funding-impact-add",
    ),
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
]
