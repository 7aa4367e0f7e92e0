"""Open-data return report benchmark: the report's one grouped query
(``reports.open_data_return.report_rows``) against a floor that only reads the rows the
figures come from (every dataset use, funding event and impact snapshot, with
no arithmetic at all).

It migrates a fresh SQLite database in a temporary directory (or the empty
database ``DATABASE_URL`` names, if set),
loads ``--ventures`` ventures using 3 of ``--ventures // 4`` datasets each, with
10 funding events (two currencies, both statuses) and 4 impact snapshots each,
then times, per grouping, the report over a one-year range and the floor, best
of three. It prints both and the report/floor ratio.

    python bench/open_data_return.py                   # 2,000 ventures
    python bench/open_data_return.py --ventures 500    # a quicker run

The machine is shared and noisy: compare ratios, not absolute numbers.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(tmp: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    os.environ["DEBUG"] = "true"
    os.environ.setdefault("SQLITE_PATH", str(Path(tmp) / "bench.sqlite3"))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def load(ventures: int) -> None:
    from catalog.models import CatalogSource, Dataset
    from ventures.models import DatasetUse, FundingEvent, ImpactSnapshot, Venture

    rnd = random.Random(1)
    sources = [CatalogSource.objects.create(name=f"Bench portal {n}") for n in range(3)]
    datasets = Dataset.objects.bulk_create(
        Dataset(
            source=sources[n % 3],
            identifier=f"bench-{n}",
            title=f"Bench dataset {n}",
            publisher=f"Department {n % 30}",
            content_hash="x",
        )
        for n in range(max(ventures // 4, 3))
    )
    made = Venture.objects.bulk_create(
        Venture(name=f"Bench venture {n}", slug=f"bench-venture-{n}")
        for n in range(ventures)
    )
    DatasetUse.objects.bulk_create(
        DatasetUse(venture=v, dataset=d) for v in made for d in rnd.sample(datasets, 3)
    )
    start = date(2024, 1, 1)
    FundingEvent.objects.bulk_create(
        FundingEvent(
            venture=v,
            kind="grant",
            amount=Decimal(rnd.randint(1, 10**6)),
            currency=rnd.choice(["USD", "EUR"]),
            date=start + timedelta(days=rnd.randint(0, 900)),
            status=rnd.choice(["verified", "reported"]),
        )
        for v in made
        for _ in range(10)
    )
    ImpactSnapshot.objects.bulk_create(
        ImpactSnapshot(
            venture=v,
            date=start + timedelta(days=rnd.randint(0, 900)),
            full_time_jobs=rnd.randint(0, 50),
        )
        for v in made
        for _ in range(4)
    )


def best_of(runs: int, step: object) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        step()  # type: ignore[operator]
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ventures", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        setup(tmp)
        load(args.ventures)
        from reports.open_data_return import Grouping, ReportQuery, report_rows
        from ventures.models import DatasetUse, FundingEvent, ImpactSnapshot

        def floor() -> None:
            list(DatasetUse.objects.values_list("venture_id", "dataset_id"))
            list(FundingEvent.objects.values_list("venture_id", "amount", "status"))
            list(ImpactSnapshot.objects.values_list("venture_id", "full_time_jobs"))

        floor_time = best_of(3, floor)
        print(f"{args.ventures} ventures, {args.ventures * 3} dataset uses")
        print(f"floor (read the rows): {floor_time:.3f} s")
        for grouping in Grouping:
            query = ReportQuery(
                grouping=grouping, date_from=date(2024, 6, 1), date_to=date(2025, 6, 1)
            )
            took = best_of(3, lambda q=query: list(report_rows(q)))
            print(
                f"report per {grouping.value}: {took:.3f} s, "
                f"{took / floor_time:.1f}x the floor"
            )


if __name__ == "__main__":
    main()
