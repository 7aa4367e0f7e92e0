"""The floor's pages: the profile, staff's people page, the notifications."""

from __future__ import annotations

from django.urls import path

from hub.core import views, views_notifications

urlpatterns = [
    path("accounts/profile/", views.profile, name="hub-profile"),
    path("people/", views.people, name="hub-people"),
    path("people/<int:pk>/role/", views.people_role, name="hub-people-role"),
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
]
