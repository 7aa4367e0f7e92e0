"""The staff figures are cached (reports/figures.py) but never stale: each page
shows a change made through the services, the ORM or a bulk update on the very
next request."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from ideas import services
from ideas.models import Idea
from ideas.stages import Stage
from tests.reports.fixtures import build_pipeline
from tests.reports.outcomes_world import RANGE, build_world, fund, use
from tests.support.builders import make_dataset
from ventures.models import FundingKind, FundingStatus

PIPELINE = "/staff/dashboards/pipeline/"


@pytest.fixture(autouse=True)
def _base_currency(settings):
    settings.BASE_CURRENCY = "USD"


def _stages(response) -> dict[str, list]:
    chart = next(c for c in response.context["charts"] if c.slug == "stages")
    return {row[0]: row[1:] for row in chart.table()[1]}


def test_the_pipeline_dashboard_shows_a_move_on_the_next_request(
    people, make_idea, client_for
):
    ideas = build_pipeline(make_idea, people["owner"])["ideas"]
    staff = client_for("staff")
    assert _stages(staff.get(PIPELINE))["Business planning"] == [1]
    assert _stages(staff.get(PIPELINE))["Business planning"] == [1]  # cached
    services.move_idea(ideas["C"], Stage.PLANNING, actor=people["staff"], note="Go")
    assert _stages(staff.get(PIPELINE))["Business planning"] == [2]
    # A bulk update, which sends no signal, is seen too.
    Idea.objects.filter(pk=ideas["E"].pk).update(stage=Stage.PLANNING)
    assert _stages(staff.get(PIPELINE))["Business planning"] == [3]


def test_the_outcomes_dashboard_shows_new_funding_on_the_next_request(client_for):
    world = build_world()
    staff = client_for("staff")
    url = reverse("dashboards-outcomes")

    def verified_total() -> float:
        chart = staff.get(url, RANGE).context["charts"]["investment_verified"]
        return sum(float(v) for series in chart.series for v in series.values)

    before = verified_total()
    assert verified_total() == before  # cached
    fund(
        world.atlas,
        FundingKind.GRANT,
        "1234.00",
        "USD",
        date.fromisoformat(RANGE["date_to"]),
        FundingStatus.VERIFIED,
    )
    assert verified_total() == before + 1234


def test_the_report_shows_a_new_dataset_use_on_the_next_request(client_for):
    world = build_world()
    client = client_for("anonymous")
    url = reverse("report-open-data-return")

    def names() -> set[str]:
        return {row["label"] for row in client.get(url).context["rows"]}

    first = names()
    assert names() == first  # cached
    fresh = make_dataset("Parking meters", publisher="Transit Agency")
    use(world.atlas, fresh)
    assert names() == first | {"Parking meters"}
