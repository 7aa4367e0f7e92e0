"""The reports' pages. URL names are the ones the dashboards, the programs
and the ventures app served them under."""

from __future__ import annotations

from django.urls import path

from reports import open_data_return_views, outcomes_views, scorecard_views, views

urlpatterns = [
    path(
        "staff/scorecards/",
        scorecard_views.scorecard_list,
        name="programs-scorecards",
    ),
    path(
        "programs/<slug:slug>/scorecard/",
        scorecard_views.scorecard_detail,
        name="programs-scorecard",
    ),
    path(
        "programs/<slug:slug>/scorecard/targets/",
        scorecard_views.scorecard_targets,
        name="programs-scorecard-targets",
    ),
    path(
        "report/open-data-return/",
        open_data_return_views.open_data_return,
        name="report-open-data-return",
    ),
    path(
        "report/open-data-return/csv/",
        open_data_return_views.open_data_return_csv,
        name="report-open-data-return-csv",
    ),
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
