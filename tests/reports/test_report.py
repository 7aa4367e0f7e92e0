"""The open-data return report's figures (reports/open_data_return.py), worked out by hand
in tests/ventures/report_world.py, for both attribution rules and all three
groupings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from catalog.models import Dataset
from reports.open_data_return import (
    Grouping,
    ReportQuery,
    currency_options,
    left_out,
    present,
    report_rows,
)
from tests.reports.report_world import END, START, build_world, fund, use

pytestmark = pytest.mark.django_db

COLUMNS = (
    "ventures",
    "full_verified",
    "full_reported",
    "full_jobs",
    "split_verified",
    "split_reported",
    "split_jobs",
)


@pytest.fixture(autouse=True)
def _base_currency(settings):
    settings.BASE_CURRENCY = "USD"


@pytest.fixture
def world(db):
    return build_world()


def table(**kwargs: object) -> dict[str, tuple[object, ...]]:
    """The report as {name: (ventures, full V, full R, full jobs, split V,
    split R, split jobs)}, rounded as displayed."""
    rows = report_rows(ReportQuery(**kwargs))
    return {row["name"]: tuple(present(row)[key] for key in COLUMNS) for row in rows}


def d(value: str) -> Decimal:
    return Decimal(value)


def test_per_dataset_under_both_rules(world):
    assert table(date_from=START, date_to=END) == {
        # Atlas (1000 V, 300 R, 10 jobs, 3 datasets) and Birch (100, 200, 4, 1).
        "Bus stops": (2, d("1100.00"), d("500.00"), 14, d("433.33"), d("300.00"), d("7.3")),
        # Atlas alone: whole amounts, or a third of them.
        "Bus routes": (1, d("1000.00"), d("300.00"), 10, d("333.33"), d("100.00"), d("3.3")),
        # Atlas and Cedar (nothing in range); withdrawn but still counted.
        "Street trees": (2, d("1000.00"), d("300.00"), 10, d("333.33"), d("100.00"), d("3.3")),
    }  # fmt: skip


def test_per_publisher_credits_a_venture_once_and_sums_its_shares(world):
    assert table(grouping=Grouping.PUBLISHER, date_from=START, date_to=END) == {
        # Atlas uses 2 Transit datasets: credited once (1000 + Birch's 100),
        # and 2/3 of it under the split (666.67 + 100).
        "Transit Agency": (2, d("1100.00"), d("500.00"), 14, d("766.67"), d("400.00"), d("10.7")),
        "Parks Department": (2, d("1000.00"), d("300.00"), 10, d("333.33"), d("100.00"), d("3.3")),
    }  # fmt: skip


def test_per_source_credits_a_venture_once_and_sums_its_shares(world):
    assert table(grouping=Grouping.SOURCE, date_from=START, date_to=END) == {
        # Bus stops and Street trees: Atlas (2 of its 3), Birch and Cedar.
        "City portal": (3, d("1100.00"), d("500.00"), 14, d("766.67"), d("400.00"), d("10.7")),
        "State portal": (1, d("1000.00"), d("300.00"), 10, d("333.33"), d("100.00"), d("3.3")),
    }  # fmt: skip


def test_group_rows_count_datasets_and_withdrawn_ones(world):
    rows = {
        row["name"]: (row["datasets"], row["withdrawn_datasets"])
        for row in report_rows(ReportQuery(grouping=Grouping.SOURCE))
    }
    # Unused data is in the City portal but no venture uses it: not counted.
    assert rows == {"City portal": (2, 1), "State portal": (1, 0)}
    by_dataset = {r["name"]: r["withdrawn"] for r in report_rows(ReportQuery())}
    assert by_dataset == {"Bus stops": False, "Bus routes": False, "Street trees": True}


def test_another_currency_is_reported_on_its_own(world):
    assert table(currency="EUR", date_from=START, date_to=END) == {
        "Bus stops": (2, d("600.00"), d("0.00"), 14, d("200.00"), d("0.00"), d("7.3")),
        "Bus routes": (1, d("600.00"), d("0.00"), 10, d("200.00"), d("0.00"), d("3.3")),
        "Street trees": (2, d("600.00"), d("0.00"), 10, d("200.00"), d("0.00"), d("3.3")),
    }  # fmt: skip


def test_without_dates_every_event_and_the_latest_snapshot_count(world):
    rows = table()
    # Atlas: 2000 V (2025 and 2026), 300 R, 30 jobs (2026-08-01); Birch 100,
    # 200, 4; Cedar 50 V.
    assert rows["Bus stops"] == (
        2, d("2100.00"), d("500.00"), 34, d("766.67"), d("300.00"), d("14.0"),
    )  # fmt: skip
    assert rows["Street trees"] == (
        2, d("2050.00"), d("300.00"), 30, d("716.67"), d("100.00"), d("10.0"),
    )  # fmt: skip


def test_jobs_come_from_the_latest_snapshot_on_or_before_the_end(world):
    # Before Atlas's 2026-05-01 snapshot: its 2025-12-31 one (6 jobs) counts.
    rows = table(date_to=date(2026, 4, 30))
    assert rows["Bus routes"][3] == 6
    # From a start date on: Atlas's February events drop out, jobs unchanged.
    rows = table(date_from=date(2026, 3, 1), date_to=END)
    assert rows["Bus routes"][1:4] == (d("0.00"), d("300.00"), 10)
    assert rows["Bus stops"][1:4] == (d("100.00"), d("500.00"), 14)


def test_split_shares_add_up_to_the_ventures_amounts(world):
    rows = list(report_rows(ReportQuery(date_from=START, date_to=END)))
    # Atlas 1000 + Birch 100 verified; each venture's shares sum to its total.
    total = sum(Decimal(row["split_verified"]) for row in rows)
    assert abs(total - Decimal("1100")) < Decimal("0.000001")
    assert sum(Decimal(row["split_jobs"]) for row in rows) == pytest.approx(14)


def test_a_publisher_left_blank_is_its_own_group(world):
    blank = Dataset.objects.create(
        source=world.city, identifier="blank", title="No one's", content_hash="x"
    )
    use(world.birch, blank)
    rows = {r["name"]: r for r in report_rows(ReportQuery(grouping="publisher"))}
    assert rows[""]["ventures"] == 1
    # Birch now uses 2 datasets: half of its 100 verified goes to each.
    assert present(rows[""])["split_verified"] == d("50.00")


def test_currency_options_and_what_is_left_out(world, settings):
    fund(world.cedar, "5", "GBP", date(2026, 2, 1))
    assert currency_options() == ["EUR", "GBP", "USD"]
    settings.BASE_CURRENCY = "CAD"
    assert currency_options() == ["CAD", "EUR", "GBP", "USD"]
    in_range = ReportQuery(currency="USD", date_from=START, date_to=END)
    # Atlas's 600 EUR and Cedar's 5 GBP; Zenith uses no dataset.
    assert left_out(in_range) == {"EUR": 1, "GBP": 1}
    # In EUR: Atlas 1000 and 300, Birch 200 and 100 (the note has no amount).
    assert left_out(ReportQuery(currency="EUR", date_from=START, date_to=END)) == {
        "GBP": 1,
        "USD": 4,
    }


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("split_verified", False, ["Bus routes", "Street trees", "Bus stops"]),
        ("ventures", True, ["Bus stops", "Street trees", "Bus routes"]),
        ("full_jobs", True, ["Bus stops", "Bus routes", "Street trees"]),
        ("name", True, ["Street trees", "Bus stops", "Bus routes"]),
        ("name", False, ["Bus routes", "Bus stops", "Street trees"]),
    ],
)
def test_rows_sort_by_any_column_ties_by_name(world, sort, descending, expected):
    query = ReportQuery(date_from=START, date_to=END, sort=sort, descending=descending)
    assert [row["name"] for row in report_rows(query)] == expected


def test_unknown_sort_keys_and_groupings_are_refused():
    with pytest.raises(ValueError, match="sort"):
        ReportQuery(sort="id; drop table")
    with pytest.raises(ValueError, match="grouping"):
        ReportQuery(grouping="venture")


@pytest.mark.parametrize("grouping", list(Grouping))
def test_the_rows_are_one_query(world, grouping, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = list(report_rows(ReportQuery(grouping=grouping)))
    assert rows
