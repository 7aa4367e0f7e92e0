"""The outcomes dashboard's figures (reports/outcomes.py), worked out by hand
in tests/reports/outcomes_world.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reports import outcomes
from reports.open_data_return import Grouping
from reports.outcomes import OutcomesQuery
from tests.reports.outcomes_world import END, START, build_world, grow
from ventures.models import FundingEvent, FundingKind, FundingStatus

pytestmark = pytest.mark.django_db

K = FundingKind


@pytest.fixture(autouse=True)
def _base_currency(settings):
    settings.BASE_CURRENCY = "USD"


@pytest.fixture
def world(db):
    return build_world()


def query(**kwargs: object) -> OutcomesQuery:
    return OutcomesQuery(**{"date_from": START, "date_to": END, **kwargs})


def d(value: str) -> Decimal:
    return Decimal(value)


def test_investment_per_month_by_kind_verified_and_reported_apart(world):
    money = outcomes.investment(query(), FundingEvent.objects.all())
    jan, mar, jun = date(2026, 1, 1), date(2026, 3, 1), date(2026, 6, 1)
    # Not the 999 of 2025-12-31, the 50 of July, the notes or any EUR.
    assert money.verified == {
        (jan, K.GRANT): d("1000.00"),
        (jan, K.SEED): d("500.00"),
        (mar, K.GRANT): d("100.00"),
        (jun, K.CONTRACT): d("250.00"),
    }
    assert money.reported == {(mar, K.SEED): d("300.00"), (mar, K.GRANT): d("200.00")}
    assert money.kinds(FundingStatus.VERIFIED) == [K.GRANT, K.SEED, K.CONTRACT]
    assert money.kinds(FundingStatus.REPORTED) == [K.GRANT, K.SEED]


def test_investment_per_quarter(world):
    money = outcomes.investment(
        query(period=outcomes.QUARTER), FundingEvent.objects.all()
    )
    q1, q2 = date(2026, 1, 1), date(2026, 4, 1)
    assert money.verified == {
        (q1, K.GRANT): d("1100.00"),
        (q1, K.SEED): d("500.00"),
        (q2, K.CONTRACT): d("250.00"),
    }


def test_another_currency_is_summed_on_its_own(world):
    money = outcomes.investment(query(currency="EUR"), FundingEvent.objects.all())
    assert money.verified == {(date(2026, 3, 1), K.LOAN): d("600.00")}
    assert money.reported == {(date(2026, 5, 1), K.ACQUISITION): d("4000.00")}


def test_notes_without_amount_are_left_out_everywhere(world):
    # Elm's EUR note is its only April event: no April row in either currency.
    for currency in ("USD", "EUR"):
        money = outcomes.investment(
            query(currency=currency), FundingEvent.objects.all()
        )
        assert not any(start == date(2026, 4, 1) for start, _ in money.reported)
    totals = outcomes.currency_totals(query(), FundingEvent.objects.all())
    counts = {
        c.currency: (c.verified, c.verified_count, c.reported, c.reported_count)
        for c in totals.currencies
    }
    assert counts == {
        "EUR": (d("600.00"), 1, d("4000.00"), 1),
        "USD": (d("1850.00"), 4, d("500.00"), 2),
    }


def test_jobs_at_each_month_end(world):
    ends = outcomes.period_ends(query())
    assert ends == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
        date(2026, 6, 30),
    ]
    # Feb: Atlas's later-recorded 9 of 2026-02-15 wins over the 8; April: the
    # snapshot stating no jobs is skipped; June: Elm's 7 of the 30th counts.
    assert outcomes.jobs_at(ends) == [8, 12, 11, 11, 14, 21]


def test_jobs_at_each_quarter_end_and_a_cut_last_period(world):
    assert outcomes.jobs_at(outcomes.period_ends(query(period="quarter"))) == [11, 21]
    cut = query(date_to=date(2026, 6, 15))
    assert outcomes.period_ends(cut)[-1] == date(2026, 6, 15)
    assert outcomes.jobs_at(outcomes.period_ends(cut))[-1] == 14


def test_ventures_launched_in_the_range_by_status(world):
    assert outcomes.ventures_by_status(query()) == {
        "operating": 2,
        "acquired": 1,
        "closed": 1,
    }
    # Dune, launched in 2024, counts when the range reaches back to it.
    wide = query(date_from=date(2024, 1, 1))
    assert outcomes.ventures_by_status(wide)["operating"] == 3


def _board(grouping: str, sort: str) -> list[tuple[str, int, Decimal]]:
    rows = outcomes.leaderboards(query(), grouping)[sort]
    return [(r["label"], r["ventures"], r["full_verified"]) for r in rows]


def test_dataset_leaderboards(world):
    assert _board(Grouping.DATASET, "ventures") == [
        ("Bus stops", 3, d("1850.00")),
        ("Bus routes", 1, d("1500.00")),
        ("Permits", 1, d("250.00")),
        ("Street trees", 1, d("0.00")),
    ]
    assert _board(Grouping.DATASET, "full_verified") == [
        ("Bus stops", 3, d("1850.00")),
        ("Bus routes", 1, d("1500.00")),
        ("Permits", 1, d("250.00")),
        ("Street trees", 1, d("0.00")),
    ]


def test_publisher_leaderboards_count_a_venture_once(world):
    assert _board(Grouping.PUBLISHER, "full_verified") == [
        ("Transit Agency", 3, d("1850.00")),
        ("No publisher stated", 1, d("250.00")),
        ("Parks Department", 1, d("0.00")),
    ]
    by_ventures = _board(Grouping.PUBLISHER, "ventures")
    assert by_ventures[0] == ("Transit Agency", 3, d("1850.00"))
    assert sorted(by_ventures[1:]) == [
        ("No publisher stated", 1, d("250.00")),
        ("Parks Department", 1, d("0.00")),
    ]


def test_data_requests_group_near_duplicate_titles(world):
    rows = outcomes.data_requests(query())
    figures = [
        (r["key"], r["total"], r["open"], r["planned"], r["published"], r["declined"])
        for r in rows
    ]
    assert figures == [
        ("bike lanes", 3, 1, 1, 1, 0),
        ("parking meters", 2, 1, 0, 0, 1),
        ("noise levels", 1, 1, 0, 0, 0),
    ]
    assert rows[0]["title"].lower().split() == ["bike", "lanes"]
    # The 2025 request joins once the range reaches back to it.
    wide = outcomes.data_requests(query(date_from=date(2025, 1, 1)))
    assert (wide[0]["key"], wide[0]["total"], wide[0]["open"]) == ("bike lanes", 4, 2)


def test_periods_labels_and_defaults():
    q = query(date_from=date(2025, 11, 20), date_to=date(2026, 2, 3))
    assert [outcomes.period_label(s, q.period) for s in outcomes.period_starts(q)] == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    q = query(date_from=date(2025, 11, 20), period="quarter")
    assert [outcomes.period_label(s, q.period) for s in outcomes.period_starts(q)] == [
        "2025 Q4",
        "2026 Q1",
        "2026 Q2",
    ]
    assert outcomes.default_range(date(2026, 11, 22)) == (
        date(2024, 1, 1),
        date(2026, 11, 22),
    )


def test_a_query_refuses_unknown_periods_and_reversed_ranges():
    with pytest.raises(ValueError):
        query(period="week")
    with pytest.raises(ValueError):
        query(date_from=END, date_to=START)


def test_leaderboards_keep_the_top_ten_of_each_ranking(world):
    grow(12)  # 12 more datasets, each used by one venture with 10 USD verified
    boards = outcomes.leaderboards(query(), Grouping.DATASET)
    by_ventures = [(r["label"], r["ventures"]) for r in boards["ventures"]]
    assert len(by_ventures) == outcomes.TOP
    assert by_ventures[0] == ("Bus stops", 3)
    # Ties of one venture go by name, as on the report.
    assert by_ventures[1:3] == [("Bus routes", 1), ("Grown data 0", 1)]
    by_money = [(r["label"], r["full_verified"]) for r in boards["full_verified"]]
    assert len(by_money) == outcomes.TOP
    assert by_money[:4] == [
        ("Bus stops", d("1850.00")),
        ("Bus routes", d("1500.00")),
        ("Permits", d("250.00")),
        ("Grown data 0", d("10.00")),
    ]
    assert "Street trees" not in {label for label, _ in by_money}
