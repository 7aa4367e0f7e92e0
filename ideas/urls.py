from __future__ import annotations

from django.urls import path

from ideas import plan_views, views

urlpatterns = [
    path("ideas/", views.idea_list, name="ideas-list"),
    path("ideas/mine/", views.idea_mine, name="ideas-mine"),
    path("ideas/new/", views.idea_create, name="ideas-create"),
    path("ideas/<int:pk>/", views.idea_detail, name="ideas-detail"),
    path("ideas/<int:pk>/edit/", views.idea_edit, name="ideas-edit"),
    path("ideas/<int:pk>/move/", views.idea_move, name="ideas-move"),
    path("ideas/<int:pk>/team/", views.team_add, name="ideas-team-add"),
    path(
        "ideas/<int:pk>/team/<int:member_pk>/remove/",
        views.team_remove,
        name="ideas-team-remove",
    ),
    path("ideas/<int:pk>/comments/", views.comment_add, name="ideas-comment-add"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="ideas-comment-edit"),
    path(
        "comments/<int:pk>/remove/", views.comment_remove, name="ideas-comment-remove"
    ),
    path("pipeline/", views.pipeline_board, name="ideas-board"),
    path("ideas/<int:pk>/plan/", plan_views.plan_detail, name="ideas-plan"),
    path(
        "ideas/<int:pk>/plan/preview/",
        plan_views.plan_preview,
        name="ideas-plan-preview",
    ),
    path(
        "ideas/<int:pk>/plan/versions/",
        plan_views.plan_versions,
        name="ideas-plan-versions",
    ),
    path(
        "ideas/<int:pk>/plan/versions/<int:number>/",
        plan_views.plan_version,
        name="ideas-plan-version",
    ),
]
