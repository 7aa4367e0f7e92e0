"""URLs of the programs app."""

from __future__ import annotations

from django.urls import path

from programs import views

urlpatterns = [
    path("programs/", views.program_list, name="programs-list"),
    path("programs/new/", views.program_create, name="programs-create"),
    path("programs/<slug:slug>/", views.program_detail, name="programs-detail"),
    path("programs/<slug:slug>/edit/", views.program_edit, name="programs-edit"),
    path(
        "programs/<slug:slug>/cohorts/new/",
        views.cohort_add,
        name="programs-cohort-add",
    ),
    path(
        "programs/<slug:slug>/cohorts/<int:pk>/edit/",
        views.cohort_edit,
        name="programs-cohort-edit",
    ),
    path("programs/<slug:slug>/members/", views.member_list, name="programs-members"),
    path(
        "programs/<slug:slug>/members/<int:pk>/",
        views.member_change,
        name="programs-member-change",
    ),
    path(
        "programs/<slug:slug>/members/<int:pk>/remove/",
        views.member_remove,
        name="programs-member-remove",
    ),
    path(
        "programs/<slug:slug>/invitations/",
        views.invitation_list,
        name="programs-invitations",
    ),
    path(
        "programs/<slug:slug>/invitations/new/",
        views.invite,
        name="programs-invite",
    ),
    path(
        "programs/<slug:slug>/invitations/<int:pk>/resend/",
        views.invitation_resend,
        name="programs-invitation-resend",
    ),
    path(
        "programs/<slug:slug>/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="programs-invitation-revoke",
    ),
    path("invitations/<str:token>/", views.invitation_open, name="invitations-open"),
]
