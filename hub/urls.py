"""URL configuration: the hub's pages, allauth, the admin."""

from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from hub import views, views_notifications
from hub.export import views as export_views

admin.site.login = secure_admin_login(admin.site.login)  # allauth's rate limits and MFA

urlpatterns = [
    path("", views.landing, name="hub-landing"),
    path("healthz/", views.health, name="hub-health"),
    path("accounts/profile/", views.profile, name="hub-profile"),
    path("accounts/", include("allauth.urls")),
    path("people/", views.people, name="hub-people"),
    path("people/<int:pk>/role/", views.people_role, name="hub-people-role"),
    path("staff/export/", export_views.export_page, name="hub-export"),
    path(
        "notifications/",
        views_notifications.notification_list,
        name="hub-notifications",
    ),
    path(
        "notifications/badge/",
        views_notifications.notification_badge,
        name="hub-notifications-badge",
    ),
    path(
        "notifications/read/",
        views_notifications.notification_read_all,
        name="hub-notifications-read-all",
    ),
    path(
        "notifications/<int:pk>/open/",
        views_notifications.notification_open,
        name="hub-notifications-open",
    ),
    path("", include("ideas.urls")),
    path("", include("ventures.urls")),
    path("", include("programs.urls")),
    path("", include("challenges.urls")),
    path("", include("dashboards.urls")),
    path("", include("api.urls")),
    path("admin/", admin.site.urls),
]
