"""The pipeline dashboard: its figures (computed by hand on a small fixture),
its filters, its CSVs and its query budget."""

from __future__ import annotations

import csv
import io

import pytest

from reports.charts import Chart, Series, chart_csv_response
from tests.reports.fixtures import build_pipeline, many_ideas

URL = "/staff/dashboards/pipeline/"


@pytest.fixture
def pipeline(people, make_idea):
    return build_pipeline(make_idea, people["owner"])


def _charts(response) -> dict[str, Chart]:
    return {chart.slug: chart for chart in response.context["charts"]}


def _table(chart: Chart) -> dict[str, list]:
    header, rows = chart.table()
    return {row[0]: row[1:] for row in rows}


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_it_counts_ideas_in_each_stage_now(pipeline, client_for):
    charts = _charts(client_for("staff").get(URL))
    stages = _table(charts["stages"])
    assert stages["Draft"] == [1]
    assert stages["Proposed"] == [0]
    assert stages["Screening"] == [1]
    assert stages["Business planning"] == [1]
    assert stages["Declined"] == [2]
    assert stages["Launched"] == [0]


def test_it_computes_stage_to_stage_conversion(pipeline, client_for):
    conversion = charts_rows(client_for("staff").get(URL), "conversion")
    # reached: draft 5, proposed 4, screening 3, planning 1, pilot 0, launched 0
    assert conversion == [
        ["Draft → Proposed (4 of 5)", 80.0],
        ["Proposed → Screening (3 of 4)", 75.0],
        ["Screening → Business planning (1 of 3)", 33.3],
        ["Business planning → Pilot (0 of 1)", 0.0],
        ["Pilot → Launched (0 of 0)", None],
    ]


def charts_rows(response, slug: str) -> list[list]:
    return _charts(response)[slug].table()[1]


def test_it_computes_median_and_p90_time_in_each_stage(pipeline, client_for):
    rows = charts_rows(client_for("staff").get(URL), "time-in-stage")
    assert rows == [
        ["Draft (4 stays)", 3.0, 6.8],
        ["Proposed (4 stays)", 4.0, 19.0],
        ["Screening (2 stays)", 17.0, 22.6],
    ]


def test_it_counts_ideas_entering_and_leaving_per_month(pipeline, client_for):
    chart = _charts(client_for("staff").get(URL))["flows"]
    header, rows = chart.table()
    assert header == [
        "Month",
        "Created",
        "Submitted",
        "Launched",
        "Declined",
        "Withdrawn",
    ]
    assert rows == [
        ["2026-01", 2, 2, 0, 0, 0],
        ["2026-02", 2, 2, 0, 1, 0],
        ["2026-03", 1, 0, 0, 1, 0],
    ]


def test_it_groups_ideas_by_challenge_program_and_tag(pipeline, client_for):
    charts = _charts(client_for("staff").get(URL))
    assert _table(charts["by-challenge"]) == {
        "No challenge": [3],
        "=cmd|' /C calc'!A0": [2],
    }
    assert _table(charts["by-program"]) == {"No program": [4], "Smart Streets": [1]}
    assert _table(charts["by-tag"]) == {
        "mobility": [2],
        "No tag": [2],
        "=SUM(1+1)": [1],
        "data": [1],
    }


def test_it_folds_groups_past_the_top_ones_into_other(people, make_idea, client_for):
    many_ideas(make_idea, people["owner"], 24)  # tags tag0 … tag11, two ideas each
    rows = charts_rows(client_for("staff").get(URL), "by-tag")
    assert len(rows) == 9
    assert rows[-1] == ["Other (4 more)", 8]
    assert sum(row[1] for row in rows) == 24


def test_it_shows_the_declined_with_feedback_share(pipeline, client_for):
    rows = charts_rows(client_for("staff").get(URL), "declined-feedback")
    assert rows == [
        ["With written feedback (50.0%)", 1],
        ["Without feedback (50.0%)", 1],
    ]


def test_it_lists_the_oldest_ideas_waiting_in_each_stage(pipeline, client_for):
    response = client_for("staff").get(URL)
    oldest = {
        g["stage"].value: [i.title for i in g["ideas"]]
        for g in response.context["oldest"]
    }
    assert oldest == {
        "draft": ["Idea E"],
        "proposed": [],
        "screening": ["Idea C"],
        "planning": ["Idea A"],
        "pilot": [],
    }
    assert f'href="/ideas/{pipeline["ideas"]["A"].pk}/"' in response.content.decode()


# Filters ---------------------------------------------------------------------


def test_the_program_filter_narrows_every_chart(pipeline, client_for):
    response = client_for("staff").get(URL, {"program": "smart-streets"})
    charts = _charts(response)
    assert sum(v[0] for v in _table(charts["stages"]).values()) == 1
    assert _table(charts["by-program"]) == {"Smart Streets": [1]}
    assert charts_rows(response, "time-in-stage") == [
        ["Draft (1 stays)", 1.0, 1.0],
        ["Proposed (1 stays)", 5.0, 5.0],
    ]
    assert charts["flows"].table()[1] == [["2026-02", 1, 1, 0, 0, 0]]
    assert charts_rows(response, "declined-feedback") == [
        ["With written feedback (0%)", 0],
        ["Without feedback (0%)", 0],
    ]


def test_the_challenge_and_tag_filters_narrow_the_charts(pipeline, client_for):
    staff = client_for("staff")
    response = staff.get(URL, {"challenge": "mobility"})
    charts = _charts(response)
    assert _table(charts["stages"])["Declined"] == [1]
    assert _table(charts["stages"])["Business planning"] == [1]
    # Ideas A and B only: the stages they reached, not the whole hub's.
    assert charts_rows(response, "conversion") == [
        ["Draft → Proposed (2 of 2)", 100.0],
        ["Proposed → Screening (2 of 2)", 100.0],
        ["Screening → Business planning (1 of 2)", 50.0],
        ["Business planning → Pilot (0 of 1)", 0.0],
        ["Pilot → Launched (0 of 0)", None],
    ]
    charts = _charts(staff.get(URL, {"tag": "data"}))
    assert sum(v[0] for v in _table(charts["stages"]).values()) == 1


def test_the_date_range_selects_ideas_created_in_it(pipeline, client_for):
    response = client_for("staff").get(
        URL, {"date_from": "2026-02-01", "date_to": "2026-02-28"}
    )
    charts = _charts(response)
    stages = _table(charts["stages"])
    assert (stages["Screening"], stages["Declined"], stages["Draft"]) == ([1], [1], [0])
    # The monthly chart counts February's events of all ideas: B's decline too.
    assert charts["flows"].table()[1] == [["2026-02", 2, 2, 0, 1, 0]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "not-a-date"}, "date_from"),
        ({"date_to": "9999-12-31"}, "date_to"),
        ({"date_from": "0001-01-01"}, "date_from"),
        ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "date_to"),
        ({"program": "no-such-program"}, "program"),
        ({"challenge": "nope"}, "challenge"),
        ({"tag": "<script>"}, "tag"),
    ],
)
def test_bad_filters_give_form_errors_not_a_500(pipeline, client_for, params, field):
    response = client_for("staff").get(URL, params)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert response.context["charts"] == []
    assert 'role="alert"' in response.content.decode()
    csv_response = client_for("staff").get(URL + "stages.csv", params)
    assert csv_response.status_code == 400
    assert "not valid" in csv_response.content.decode()


# CSV -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug",
    ["stages", "conversion", "time-in-stage", "flows", "by-challenge", "by-program",
     "by-tag", "declined-feedback"],
)  # fmt: skip
def test_each_csv_equals_the_charts_table(pipeline, client_for, slug):
    staff = client_for("staff")
    page_chart = _charts(staff.get(URL, {"date_from": "2026-01-01"}))[slug]
    assert page_chart.csv_url == f"{URL}{slug}.csv?date_from=2026-01-01"
    response = staff.get(page_chart.csv_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="pipeline-{slug}.csv"' in response["Content-Disposition"]
    header, rows = page_chart.table()
    expected = [header, *rows]
    got = _csv(response)
    assert len(got) == len(expected)
    for got_row, row in zip(got, expected, strict=True):
        cells = ["" if v is None else str(v) for v in row]
        cells = ["'" + c if c.startswith(("=", "+", "-", "@")) else c for c in cells]
        assert got_row == cells


def test_csvs_neutralize_spreadsheet_formulas(pipeline, client_for):
    staff = client_for("staff")
    challenges = _csv(staff.get(URL + "by-challenge.csv"))
    assert ["'=cmd|' /C calc'!A0", "2"] in challenges
    tags = _csv(staff.get(URL + "by-tag.csv"))
    assert ["'=SUM(1+1)", "1"] in tags


def test_an_unknown_chart_csv_is_a_404(client_for, people):
    assert client_for("staff").get(URL + "nope.csv").status_code == 404


def test_chart_csv_response_writes_the_table():
    chart = Chart(
        slug="x", title="X", kind="stacked-bar", labels=["a", "@b"],
        series=[Series("One", [1, 2.5]), Series("-Two", [None, 3])], x_label="Thing",
    )  # fmt: skip
    assert _csv(chart_csv_response(chart, "x.csv")) == [
        ["Thing", "One", "'-Two"],
        ["a", "1", ""],
        ["'@b", "2.5", "3"],
    ]
    with pytest.raises(ValueError):
        Chart(slug="y", title="Y", kind="pie", labels=[])


# The page --------------------------------------------------------------------


def test_each_chart_has_a_canvas_a_data_block_a_table_and_a_csv_link(
    pipeline, client_for
):
    html = client_for("staff").get(URL).content.decode()
    assert html.count('<canvas role="img"') == 8
    assert html.count('type="application/json"') == 8
    assert html.count("<caption>") == 9  # eight charts and the follow-up list
    assert html.count("Download CSV") == 8
    assert 'src="/static/js/charts.js"' in html
    assert "<script>" not in html  # no inline executable script
    assert 'href="/staff/dashboards/pipeline/stages.csv"' in html


def test_the_strict_csp_still_applies(pipeline, client_for):
    response = client_for("staff").get(URL)
    policy = response.headers.get("Content-Security-Policy", "")
    assert "script-src" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_an_empty_hub_shows_empty_charts_without_canvases(people, client_for):
    response = client_for("staff").get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No data for these filters." in html
    assert "<canvas" not in html


def test_staff_see_the_dashboards_link_in_the_nav(people, client_for):
    staff_html = client_for("staff").get("/").content.decode()
    assert f'href="{URL}"' in staff_html
    reviewer_html = client_for("reviewer").get("/").content.decode()
    assert f'href="{URL}"' not in reviewer_html


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("outsider", 403), ("owner", 403), ("reviewer", 403),
     ("staff", 200)],
)  # fmt: skip
def test_only_staff_may_open_the_dashboard_and_its_csvs(
    people, client_for, persona, status
):
    client = client_for(persona)
    for url in (URL, URL + "stages.csv"):
        response = client.get(url)
        assert response.status_code == status
        if status == 302:
            assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("size", [5, 40])
def test_the_dashboard_runs_a_constant_number_of_queries(
    size, people, make_idea, client_for, django_assert_num_queries
):
    many_ideas(make_idea, people["owner"], size)
    client = client_for("staff")
    # session, user, the bell's unread count; stage counts now and reached
    # (one aggregate); time in stage (one raw SQL with percentiles); ideas
    # created per month; submissions and exits per month; by challenge; by
    # program; by tag; declines with feedback; the oldest ideas (+owner); the
    # filter form's programs, challenges and tags; the data version the figures
    # are cached under (reports/figures.py)
    with django_assert_num_queries(17):
        response = client.get(URL, {"date_from": "2025-01-01", "tag": "tag1"})
    assert response.status_code == 200
    stages = _table(_charts(response)["stages"])
    assert stages["Screening"] == [len(range(1, size, 12))]
    # Again: the figures come from the cache (session, user, bell, the tag the
    # filter names, the form's three choice lists, the data version).
    with django_assert_num_queries(8):
        again = client.get(URL, {"date_from": "2025-01-01", "tag": "tag1"})
    assert _table(_charts(again)["stages"]) == stages


def test_percentiles_are_computed_by_the_database(pipeline, people):
    """One statement per backend: percentile_cont on PostgreSQL, ROW_NUMBER()
    with interpolation on SQLite; both give the figures above."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ideas.models import Idea
    from reports.pipeline import stage_durations

    with CaptureQueriesContext(connection) as captured:
        durations = stage_durations(Idea.objects.all())
    assert len(captured) == 1
    sql = captured[0]["sql"]
    if connection.vendor == "postgresql":
        assert "percentile_cont(0.5)" in sql
    else:
        assert "ROW_NUMBER()" in sql
    day = 86_400
    assert {
        k: (n, round(p50 / day, 3), round(p90 / day, 3))
        for k, (n, p50, p90) in durations.items()
    } == {
        "draft": (4, 3.0, 6.8),
        "proposed": (4, 4.0, 19.0),
        "screening": (2, 17.0, 22.6),
    }
