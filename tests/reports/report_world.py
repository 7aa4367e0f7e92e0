"""A small world for the open-data return report, with figures worked out by hand.

Catalogs: "City portal" holds Bus stops (Transit Agency), Street trees (Parks
Department, withdrawn) and Unused data (Parks Department, no venture uses it);
"State portal" holds Bus routes (Transit Agency).

Range used by the tests: 2026-01-01 to 2026-06-30, in USD.

* Atlas uses Bus stops, Bus routes and Street trees (N = 3, two publishers).
  Funding: 1000 USD verified on 2026-02-01, 300 USD reported on 2026-03-01,
  600 EUR verified on 2026-04-01, 1000 USD verified on 2025-06-01 (before the
  range), a note without an amount on 2026-03-15. Snapshots: 6 jobs on
  2025-12-31, 10 on 2026-05-01, 30 on 2026-08-01 (after the range).
  In range: verified 1000, reported 300, jobs 10.
* Birch uses Bus stops (N = 1). Funding: 200 USD reported on 2026-03-10,
  100 USD verified on 2026-03-11. Snapshots: 4 jobs on 2025-01-01 (before the
  range, still the latest one stating jobs), one without jobs on 2026-06-15.
  In range: verified 100, reported 200, jobs 4.
* Cedar uses Street trees (N = 1). Funding: 50 USD verified on 2026-07-15
  (after the range). No snapshot. In range: nothing.
* Zenith uses no dataset: 5000 USD verified on 2026-02-02, never counted.

Left out of the USD report in range: Atlas's 600 EUR (1 event).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from catalog.models import CatalogSource, Dataset
from tests.support.builders import make_venture
from ventures.models import (
    DatasetUse,
    FundingEvent,
    FundingKind,
    FundingStatus,
    ImpactSnapshot,
    Venture,
)

START = date(2026, 1, 1)
END = date(2026, 6, 30)
RANGE = {"date_from": "2026-01-01", "date_to": "2026-06-30"}
VERIFIED = FundingStatus.VERIFIED
REPORTED = FundingStatus.REPORTED


@dataclass
class World:
    city: CatalogSource
    state: CatalogSource
    stops: Dataset
    routes: Dataset
    trees: Dataset
    unused: Dataset
    atlas: Venture
    birch: Venture
    cedar: Venture


def dataset(source: CatalogSource, title: str, publisher: str, **kw: object) -> Dataset:
    return Dataset.objects.create(
        source=source,
        identifier=title.lower().replace(" ", "-"),
        title=title,
        publisher=publisher,
        content_hash="x",
        **kw,
    )


def fund(
    venture: Venture,
    amount: str | None,
    currency: str,
    on: date,
    status: str = VERIFIED,
    kind: str = FundingKind.GRANT,
) -> FundingEvent:
    return FundingEvent.objects.create(
        venture=venture,
        kind=kind,
        amount=None if amount is None else Decimal(amount),
        currency=currency,
        date=on,
        status=status,
    )


def snapshot(venture: Venture, on: date, jobs: int | None) -> ImpactSnapshot:
    return ImpactSnapshot.objects.create(venture=venture, date=on, full_time_jobs=jobs)


def use(venture: Venture, *datasets: Dataset) -> None:
    for d in datasets:
        DatasetUse.objects.create(venture=venture, dataset=d)


def build_world() -> World:
    city = CatalogSource.objects.create(name="City portal")
    state = CatalogSource.objects.create(name="State portal")
    stops = dataset(city, "Bus stops", "Transit Agency")
    routes = dataset(state, "Bus routes", "Transit Agency")
    trees = dataset(city, "Street trees", "Parks Department", withdrawn=True)
    unused = dataset(city, "Unused data", "Parks Department")

    atlas = make_venture(name="Atlas")
    use(atlas, stops, routes, trees)
    fund(atlas, "1000", "USD", date(2026, 2, 1))
    fund(atlas, "300", "USD", date(2026, 3, 1), REPORTED)
    fund(atlas, "600", "EUR", date(2026, 4, 1))
    fund(atlas, "1000", "USD", date(2025, 6, 1))
    fund(atlas, None, "USD", date(2026, 3, 15), REPORTED)
    snapshot(atlas, date(2025, 12, 31), 6)
    snapshot(atlas, date(2026, 5, 1), 10)
    snapshot(atlas, date(2026, 8, 1), 30)

    birch = make_venture(name="Birch")
    use(birch, stops)
    fund(birch, "200", "USD", date(2026, 3, 10), REPORTED)
    fund(birch, "100", "USD", date(2026, 3, 11))
    snapshot(birch, date(2025, 1, 1), 4)
    snapshot(birch, date(2026, 6, 15), None)

    cedar = make_venture(name="Cedar")
    use(cedar, trees)
    fund(cedar, "50", "USD", date(2026, 7, 15))

    zenith = make_venture(name="Zenith")
    fund(zenith, "5000", "USD", date(2026, 2, 2))

    return World(city, state, stops, routes, trees, unused, atlas, birch, cedar)


def grow(extra_ventures: int, world: World) -> None:
    """More ventures like Atlas (3 datasets, funding, snapshots), for query counts."""
    for n in range(extra_ventures):
        venture = make_venture(name=f"Grown {n}")
        own = dataset(world.state, f"Grown set {n}", f"Publisher {n % 4}")
        use(venture, world.stops, world.trees, own)
        fund(venture, "10", "USD", date(2026, 2, 1))
        fund(venture, "20", "USD", date(2026, 2, 2), REPORTED)
        fund(venture, "30", "EUR", date(2026, 2, 3))
        snapshot(venture, date(2026, 1, 1), 2)
        snapshot(venture, date(2026, 3, 1), 3)
