from __future__ import annotations

from django.urls import path

from ventures import views

urlpatterns = [
    path("ventures/", views.venture_list, name="ventures-list"),
    path("ventures/<slug:slug>/", views.venture_detail, name="ventures-detail"),
]
