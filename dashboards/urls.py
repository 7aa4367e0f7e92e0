from __future__ import annotations

from django.urls import path

from dashboards import outcomes_views, views

urlpatterns = [
    path(
        "staff/dashboards/pipeline/",
        views.pipeline_dashboard,
        name="dashboards-pipeline",
    ),
    path(
        "staff/dashboards/pipeline/<slug:chart>.csv",
        views.pipeline_csv,
        name="dashboards-pipeline-csv",
    ),
    path(
        "staff/dashboards/outcomes/",
        outcomes_views.outcomes_dashboard,
        name="dashboards-outcomes",
    ),
    path(
        "staff/dashboards/outcomes/<slug:chart>.csv",
        outcomes_views.outcomes_csv,
        name="dashboards-outcomes-csv",
    ),
]
