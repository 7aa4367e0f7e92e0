"""A small world for the outcomes dashboard, with its figures worked out by hand.

Range used by the tests: 2026-01-01 to 2026-06-30, by month, in USD.

Ventures (launch date, status): Atlas (2026-01-15, operating), Birch
(2026-02-01, acquired), Cedar (2026-03-01, closed), Elm (2026-04-10,
operating), Dune (2024-05-01, operating: launched before the range).
In range by status: operating 2, acquired 1, closed 1.

Datasets: Bus stops and Bus routes (Transit Agency), Street trees (Parks
Department), Permits (no publisher stated). Atlas uses Bus stops and Bus
routes, Birch Bus stops, Cedar Street trees, Elm Bus stops and Permits.

Funding (kind amount currency date status):

* Atlas: grant 1000 USD 2026-01-20 verified; seed 500 USD 2026-01-25 verified;
  seed 300 USD 2026-03-01 reported; loan 600 EUR 2026-03-05 verified; a grant
  note without amount 2026-02-10 (left out); grant 999 USD 2025-12-31 verified
  (before the range).
* Birch: grant 200 USD 2026-03-10 reported; grant 100 USD 2026-03-11 verified;
  acquisition 4000 EUR 2026-05-20 reported.
* Cedar: prize 50 USD 2026-07-01 verified (after the range).
* Elm: contract 250 USD 2026-06-30 verified (the range's last day); an EUR
  note without amount 2026-04-01.

USD verified per month: 2026-01 grant 1000 + seed 500; 2026-03 grant 100;
2026-06 contract 250. USD reported: 2026-03 seed 300, grant 200. EUR verified:
2026-03 loan 600; EUR reported: 2026-05 acquisition 4000. Per quarter (USD
verified): Q1 grant 1100, seed 500; Q2 contract 250. In range, with an amount:
USD 4 verified (1850) and 2 reported (500); EUR 1 verified (600) and 1
reported (4000).

Snapshots (jobs): Atlas 5 on 2025-12-01, 8 then 9 (recorded later) on
2026-02-15, none stated on 2026-04-30 (skipped), 12 on 2026-05-10; Birch 3 on
2026-01-31, 2 on 2026-03-31; Elm 7 on 2026-06-30, 100 on 2026-07-05.
Jobs at month ends: Jan 8 (5+3), Feb 12 (9+3), Mar 11 (9+2), Apr 11, May 14
(12+2), Jun 21 (12+2+7). At quarter ends: 11, 21. With the range ending
2026-06-15, June's figure is 14.

Leaderboard in USD (full credit; verified per venture in range: Atlas 1500,
Birch 100, Cedar 0, Elm 250): Bus stops 3 ventures, 1850; Bus routes 1, 1500;
Permits 1, 250; Street trees 1, 0. Publishers: Transit Agency 3, 1850 (Atlas
once); no publisher 1, 250; Parks Department 1, 0.

Data requests in range: "Bike lanes" (open), "bike lanes " (planned),
"Bike  Lanes" (published) → one title, 3 asked; "Parking meters" open and
declined → 2; "Noise levels" open → 1. A "Bike lanes" request of 2025-12-01 is
before the range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from catalog.models import Dataset
from tests.reports import report_world
from tests.reports.report_world import snapshot, use
from tests.support.builders import make_dataset, make_venture
from ventures.models import (
    DataRequest,
    FundingEvent,
    FundingKind,
    FundingStatus,
    RequestStatus,
    Venture,
    VentureStatus,
)

START = date(2026, 1, 1)
END = date(2026, 6, 30)
RANGE = {"date_from": "2026-01-01", "date_to": "2026-06-30"}
V = FundingStatus.VERIFIED
R = FundingStatus.REPORTED


@dataclass
class World:
    atlas: Venture
    birch: Venture
    cedar: Venture
    elm: Venture
    stops: Dataset


def fund(
    venture: Venture,
    kind: str,
    amount: str | None,
    currency: str,
    on: date,
    status: str,
) -> FundingEvent:
    return report_world.fund(venture, amount, currency, on, status, kind=kind)


def ask(title: str, status: str, on: date) -> DataRequest:
    return DataRequest.objects.create(
        title=title,
        status=status,
        created_at=datetime(on.year, on.month, on.day, 12, tzinfo=UTC),
    )


def build_world() -> World:
    stops = make_dataset("Bus stops", publisher="Transit Agency")
    routes = make_dataset("Bus routes", publisher="Transit Agency")
    trees = make_dataset("Street trees", publisher="Parks Department")
    permits = make_dataset("Permits", publisher="")

    atlas = make_venture(name="Atlas", launched_on=date(2026, 1, 15))
    birch = make_venture(
        name="Birch", launched_on=date(2026, 2, 1), status=VentureStatus.ACQUIRED
    )
    cedar = make_venture(
        name="Cedar", launched_on=date(2026, 3, 1), status=VentureStatus.CLOSED
    )
    elm = make_venture(name="Elm", launched_on=date(2026, 4, 10))
    make_venture(name="Dune", launched_on=date(2024, 5, 1))
    use(atlas, stops, routes)
    use(birch, stops)
    use(cedar, trees)
    use(elm, stops, permits)

    k = FundingKind
    fund(atlas, k.GRANT, "1000", "USD", date(2026, 1, 20), V)
    fund(atlas, k.SEED, "500", "USD", date(2026, 1, 25), V)
    fund(atlas, k.SEED, "300", "USD", date(2026, 3, 1), R)
    fund(atlas, k.LOAN, "600", "EUR", date(2026, 3, 5), V)
    fund(atlas, k.GRANT, None, "USD", date(2026, 2, 10), R)
    fund(atlas, k.GRANT, "999", "USD", date(2025, 12, 31), V)
    fund(birch, k.GRANT, "200", "USD", date(2026, 3, 10), R)
    fund(birch, k.GRANT, "100", "USD", date(2026, 3, 11), V)
    fund(birch, k.ACQUISITION, "4000", "EUR", date(2026, 5, 20), R)
    fund(cedar, k.PRIZE, "50", "USD", date(2026, 7, 1), V)
    fund(elm, k.CONTRACT, "250", "USD", date(2026, 6, 30), V)
    fund(elm, k.OTHER, None, "EUR", date(2026, 4, 1), R)

    snapshot(atlas, date(2025, 12, 1), 5)
    snapshot(atlas, date(2026, 2, 15), 8)
    snapshot(atlas, date(2026, 2, 15), 9)
    snapshot(atlas, date(2026, 4, 30), None)
    snapshot(atlas, date(2026, 5, 10), 12)
    snapshot(birch, date(2026, 1, 31), 3)
    snapshot(birch, date(2026, 3, 31), 2)
    snapshot(elm, date(2026, 6, 30), 7)
    snapshot(elm, date(2026, 7, 5), 100)

    ask("Bike lanes", RequestStatus.OPEN, date(2026, 2, 1))
    ask("bike lanes ", RequestStatus.PLANNED, date(2026, 3, 1))
    ask("Bike  Lanes", RequestStatus.PUBLISHED, date(2026, 4, 1))
    ask("Parking meters", RequestStatus.OPEN, date(2026, 2, 1))
    ask("Parking meters", RequestStatus.DECLINED, date(2026, 5, 1))
    ask("Noise levels", RequestStatus.OPEN, date(2026, 1, 10))
    ask("Bike lanes", RequestStatus.OPEN, date(2025, 12, 1))
    return World(atlas, birch, cedar, elm, stops)


def grow(n: int) -> None:
    """``n`` more ventures, each with funding in two currencies, snapshots, a
    dataset use and a data request, for the query-count tests."""
    for i in range(n):
        venture = make_venture(name=f"Grown {i}", launched_on=date(2026, 2, 1))
        use(venture, make_dataset(f"Grown data {i}", publisher=f"Publisher {i % 3}"))
        fund(venture, FundingKind.SEED, "10", "USD", date(2026, 2, 1), V)
        fund(venture, FundingKind.GRANT, "20", "EUR", date(2026, 4, 1), R)
        snapshot(venture, date(2026, 1, 5), 1)
        snapshot(venture, date(2026, 5, 5), 2)
        ask(f"Grown request {i % 4}", RequestStatus.OPEN, date(2026, 3, 3))
