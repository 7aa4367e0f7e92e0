"""The outcomes dashboard page and its CSV downloads (reports/outcomes_views.py):
the charts, their tables, the filters, bad input and who may see it."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from reports.outcomes_views import CHARTS
from tests.reports.outcomes_world import RANGE, build_world

pytestmark = pytest.mark.django_db

URL = reverse("dashboards-outcomes")


@pytest.fixture(autouse=True)
def _base_currency(settings):
    settings.BASE_CURRENCY = "USD"


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def staff(client_for):
    return client_for("staff")


def page(client: Any, **params: str) -> Any:
    response = client.get(URL, {**RANGE, **params})
    assert response.status_code == 200
    return response


def table(response: Any, slug: str) -> list[list[str]]:
    """A chart's table as the page shows it (header then rows, as strings)."""
    chart = response.context["charts"][slug.replace("-", "_")]
    header, rows = chart.table()
    return [header, *[[str(cell) for cell in row] for row in rows]]


def csv_rows(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_page_draws_every_chart_with_its_table_and_download(world, staff):
    response = page(staff)
    html = response.content.decode()
    for slug in CHARTS:
        assert f'id="chart-{slug}"' in html
        assert f'data-chart="chart-data-{slug}"' in html
        assert reverse("dashboards-outcomes-csv", args=[slug]) in html
    assert "js/charts.js" in html
    assert html.count("<h1") == 1


def test_investment_charts_per_month_in_the_chosen_currency(world, staff):
    response = page(staff)
    assert table(response, "investment-verified") == [
        ["Month", "Grant", "Seed round", "Procurement contract"],
        ["2026-01", "1000.00", "500.00", "0.00"],
        ["2026-02", "0.00", "0.00", "0.00"],
        ["2026-03", "100.00", "0.00", "0.00"],
        ["2026-04", "0.00", "0.00", "0.00"],
        ["2026-05", "0.00", "0.00", "0.00"],
        ["2026-06", "0.00", "0.00", "250.00"],
    ]
    reported = table(response, "investment-reported")
    assert reported[0] == ["Month", "Grant", "Seed round"]
    assert reported[3] == ["2026-03", "200.00", "300.00"]
    html = response.content.decode()
    # The 2 EUR events with an amount are named as left out, not mixed in.
    assert "2 funding events in other currencies (EUR) are left out" in html
    assert "1850.00" in html  # the USD verified total of the range


def test_the_currency_and_period_selectors(world, staff):
    eur = page(staff, currency="EUR")
    assert table(eur, "investment-verified")[3] == ["2026-03", "600.00"]
    assert table(eur, "investment-reported")[5] == ["2026-05", "4000.00"]
    assert "6 funding events in other currencies (USD)" in eur.content.decode()
    quarters = page(staff, period="quarter")
    assert table(quarters, "investment-verified")[1:] == [
        ["2026 Q1", "1100.00", "500.00", "0.00"],
        ["2026 Q2", "0.00", "0.00", "250.00"],
    ]
    assert table(quarters, "jobs")[1:] == [["2026 Q1", "11"], ["2026 Q2", "21"]]


def test_jobs_ventures_leaderboards_and_requests(world, staff):
    response = page(staff)
    assert [row[1] for row in table(response, "jobs")[1:]] == [
        "8",
        "12",
        "11",
        "11",
        "14",
        "21",
    ]
    assert table(response, "ventures")[1:] == [
        ["Operating", "2"],
        ["Acquired", "1"],
        ["Closed", "1"],
    ]
    assert table(response, "datasets-by-investment")[1:] == [
        ["Bus stops", "1850.00"],
        ["Bus routes", "1500.00"],
        ["Permits", "250.00"],
        ["Street trees", "0.00"],
    ]
    assert table(response, "publishers-by-ventures")[1] == ["Transit Agency", "3"]
    requests = table(response, "data-requests")
    assert requests[0] == [
        "Dataset asked for",
        "Open",
        "Planned",
        "Published",
        "Declined",
    ]
    assert [row[1:] for row in requests[1:]] == [
        ["1", "1", "1", "0"],
        ["1", "0", "0", "1"],
        ["1", "0", "0", "0"],
    ]


def test_the_date_range_applies_to_every_chart(world, staff):
    response = page(staff, date_from="2026-04-01", date_to="2026-05-31")
    assert [row[0] for row in table(response, "jobs")[1:]] == ["2026-04", "2026-05"]
    assert table(response, "investment-verified") == [
        ["Month"],
        ["2026-04"],
        ["2026-05"],
    ]
    assert table(response, "ventures")[1:] == [
        ["Operating", "1"],
        ["Acquired", "0"],
        ["Closed", "0"],
    ]
    # No USD funding is dated in April or May: every dataset has 0.
    assert {row[1] for row in table(response, "datasets-by-investment")[1:]} == {"0.00"}
    assert [row[0].lower().split() for row in table(response, "data-requests")[1:]] == [
        ["bike", "lanes"],
        ["parking", "meters"],
    ]


@pytest.mark.parametrize("slug", list(CHARTS))
def test_each_csv_equals_its_table(world, staff, slug):
    params = {**RANGE, "currency": "USD", "period": "month"}
    shown = table(page(staff), slug)
    response = staff.get(reverse("dashboards-outcomes-csv", args=[slug]), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert (
        f"outcomes-{slug}-USD-2026-01-01-2026-06-30.csv"
        in (response["Content-Disposition"])
    )
    assert csv_rows(response) == shown


def test_the_page_links_each_csv_with_the_filters(world, staff):
    response = page(staff, currency="EUR", period="quarter")
    chart = response.context["charts"]["jobs"]
    expected = urlencode({**RANGE, "currency": "EUR", "period": "quarter"})
    assert chart.csv_url == reverse("dashboards-outcomes-csv", args=["jobs"]) + (
        "?" + expected
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-13-01"}, "Enter a valid date."),
        (
            {"date_from": "2026-06-01", "date_to": "2026-01-01"},
            "The end date is before the start date.",
        ),
        ({"currency": "XYZ"}, "No funding is recorded in XYZ"),
        ({"period": "week"}, "Group by month or by quarter."),
        (
            {"date_from": "2000-01-01", "date_to": "2026-01-01"},
            "The range is too long to chart",
        ),
    ],
)
def test_bad_input_gets_a_clear_error_not_a_crash(world, staff, params, message):
    response = staff.get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert response.context["query"] is None
    assert 'id="chart-' not in html
    for key, value in params.items():
        assert f'value="{value}"' in html or key in ("currency", "period")
    csv_response = staff.get(reverse("dashboards-outcomes-csv", args=["jobs"]), params)
    assert csv_response.status_code == 400
    assert message in csv_response.content.decode()


def test_a_long_range_is_fine_by_quarter(world, staff):
    response = staff.get(
        URL, {"date_from": "2000-01-01", "date_to": "2026-01-01", "period": "quarter"}
    )
    assert response.context["query"] is not None
    # The header, then 2000 Q1 to 2026 Q1.
    assert len(table(response, "jobs")) == 1 + 26 * 4 + 1


def test_without_filters_the_last_three_years_by_month_in_the_base_currency(
    world, staff
):
    response = staff.get(URL)
    query = response.context["query"]
    assert (query.currency, query.period) == ("USD", "month")
    assert query.date_from.month == query.date_from.day == 1
    assert query.date_to.year - query.date_from.year == 2


def test_an_unknown_chart_is_404(world, staff):
    assert staff.get("/staff/dashboards/outcomes/nothing.csv").status_code == 404


@pytest.mark.parametrize("persona", ["outsider", "owner", "reviewer"])
def test_only_staff_see_it(client_for, persona):
    client = client_for(persona)
    assert client.get(URL).status_code == 403
    assert client.get(
        reverse("dashboards-outcomes-csv", args=["jobs"])
    ).status_code == (403)


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
