"""URL configuration (the roof): every app's pages, allauth, the admin."""

from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path

from hub import views
from hub.export import views as export_views

# allauth's rate limits and MFA on the admin login (its documented way: replace the view).
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]


urlpatterns = [
    path("", views.landing, name="hub-landing"),
    path("healthz/", views.health, name="hub-health"),
    path("", include("hub.core.urls")),
    path("accounts/", include("allauth.urls")),
    path("staff/export/", export_views.export_page, name="hub-export"),
    path("", include("ideas.urls")),
    path("", include("ventures.urls")),
    path("", include("catalog.urls")),
    path("", include("programs.urls")),
    path("", include("challenges.urls")),
    path("", include("reports.urls")),
    path("", include("api.urls")),
    # The catalog's models left ventures: old admin links land on their new place.
    re_path(
        r"^admin/ventures/(?P<model>catalogsource|dataset|distribution)/(?P<rest>.*)$",
        views.moved_admin,
    ),
    path("admin/", admin.site.urls),
]
