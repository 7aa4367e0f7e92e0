"""The open-data return report: what the ventures that build on the city's
open data went on to attract, per dataset, per publisher and per catalog source.

The rules (the page and docs/features/open-data-return.md say the same):

* **Investment.** A venture's investment is the sum of its funding events dated
  within the range (both ends included; either end may be left open), with
  verified and reported amounts summed apart. An event with no amount (a note)
  is left out. Only events in the chosen currency are summed: amounts are never
  converted or mixed across currencies, and the page says how many events in
  other currencies were left out. Reported (unverified) funding is private to
  a venture's team and staff, so the page shows the reported totals to staff
  only (``ventures.see_reported_totals``).
* **Jobs.** A venture's jobs are the full-time jobs of its latest impact
  snapshot dated on or before the end of the range (any date when the range is
  open at the end). Snapshots that do not state jobs are skipped; a venture
  with none counts 0.
* **Ventures.** The number of distinct ventures that list the dataset (or a
  dataset of the publisher or source), whatever the range.
* **Full credit.** Every dataset a venture uses gets the venture's whole
  amounts and jobs. A publisher or catalog-source row counts each venture once,
  however many of the group's datasets it uses.
* **Equal split.** A venture using N datasets gives each of them amount/N and
  jobs/N. A publisher or catalog-source row sums the shares of its datasets (a
  venture using 2 of its 3 datasets from one publisher gives that publisher
  2/3).
* Withdrawn datasets still count (their links stay); they are marked.

Everything is computed by the database. Each venture's totals, jobs and number
of datasets are worked out once, then joined to the venture's datasets and
summed per group: the rows are one query (a page of them too, with LIMIT and
OFFSET), the number of rows one more; the currency choices and the events
left out are one query each. Shares keep full precision; rounding happens
only for display (:func:`present`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any, overload

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, TextChoices
from django.utils.translation import gettext_lazy as _

from catalog.models import CatalogSource, Dataset
from reports.figures import cached
from ventures.models import DatasetUse, FundingEvent, FundingStatus, ImpactSnapshot

CENTS = Decimal("0.01")
TENTHS = Decimal("0.1")


class Grouping(TextChoices):
    DATASET = "dataset", _("Dataset")
    PUBLISHER = "publisher", _("Publisher")
    SOURCE = "source", _("Catalog source")


#: The sortable columns (the whitelist for ``?sort=``), in table order.
NUMERIC_COLUMNS = (
    "ventures",
    "full_verified",
    "full_reported",
    "full_jobs",
    "split_verified",
    "split_reported",
    "split_jobs",
)
SORT_KEYS = ("name", *NUMERIC_COLUMNS)


@dataclass(frozen=True)
class ReportQuery:
    """What the report is asked for; the view validates the query string into it."""

    grouping: str = Grouping.DATASET
    date_from: date | None = None
    date_to: date | None = None
    currency: str = field(default_factory=lambda: settings.BASE_CURRENCY)
    sort: str = "full_verified"
    descending: bool = True

    def __post_init__(self) -> None:
        if self.grouping not in Grouping.values:
            raise ValueError(f"unknown grouping {self.grouping!r}")
        if self.sort not in SORT_KEYS:
            raise ValueError(f"unknown sort key {self.sort!r}")


# The report in SQL. Each venture's figures and equal shares are worked out once
# (``per_venture``), then joined to its (group, venture) pairs: ``k`` is how
# many of the group's datasets the venture uses, so the equal split gives the
# group the share (amount / N) times k. A correlated subquery per dataset use would work the
# venture's figures out again for each of its uses. Only table names, vendor
# casts and whitelisted sort columns are formatted in; values are parameters.

_PAIRS = {
    Grouping.DATASET: """
        SELECT u.dataset_id AS gkey, u.venture_id, 1 AS k FROM {use} u
    """,
    Grouping.PUBLISHER: """
        SELECT d.publisher AS gkey, u.venture_id, COUNT(*) AS k
        FROM {use} u JOIN {dataset} d ON d.id = u.dataset_id
        GROUP BY d.publisher, u.venture_id
    """,
    Grouping.SOURCE: """
        SELECT d.source_id AS gkey, u.venture_id, COUNT(*) AS k
        FROM {use} u JOIN {dataset} d ON d.id = u.dataset_id
        GROUP BY d.source_id, u.venture_id
    """,
}

#: Per group: the label columns (and, for publishers and sources, the count of
#: datasets and of withdrawn ones), joined on ``gkey`` as ``g``.
_LABELS = {
    Grouping.DATASET: (
        """SELECT d.id AS gkey, d.title AS name, d.publisher AS publisher,
                  s.name AS source, d.withdrawn AS withdrawn
           FROM {dataset} d JOIN {source} s ON s.id = d.source_id""",
        ("publisher", "source", "withdrawn"),
    ),
    Grouping.PUBLISHER: (
        """SELECT d.publisher AS gkey, d.publisher AS name,
                  COUNT(DISTINCT d.id) AS datasets,
                  COUNT(DISTINCT CASE WHEN d.withdrawn THEN d.id END)
                      AS withdrawn_datasets
           FROM {dataset} d WHERE d.id IN (SELECT dataset_id FROM {use})
           GROUP BY d.publisher""",
        ("datasets", "withdrawn_datasets"),
    ),
    Grouping.SOURCE: (
        """SELECT s.id AS gkey, s.name AS name,
                  COUNT(DISTINCT d.id) AS datasets,
                  COUNT(DISTINCT CASE WHEN d.withdrawn THEN d.id END)
                      AS withdrawn_datasets
           FROM {dataset} d JOIN {source} s ON s.id = d.source_id
           WHERE d.id IN (SELECT dataset_id FROM {use})
           GROUP BY s.id, s.name""",
        ("datasets", "withdrawn_datasets"),
    ),
}

_REPORT_SQL = """
    WITH funds AS (
        SELECT venture_id,
               SUM(CASE WHEN status = %s THEN amount ELSE 0 END) AS verified,
               SUM(CASE WHEN status = %s THEN amount ELSE 0 END) AS reported
        FROM {event}
        WHERE currency = %s AND amount IS NOT NULL {event_range}
        GROUP BY venture_id
    ),
    jobs AS (
        SELECT venture_id, full_time_jobs AS jobs FROM (
            SELECT venture_id, full_time_jobs,
                   ROW_NUMBER() OVER (
                       PARTITION BY venture_id ORDER BY date DESC, id DESC
                   ) AS latest
            FROM {snapshot}
            WHERE full_time_jobs IS NOT NULL {snapshot_range}
        ) ranked WHERE latest = 1
    ),
    per_venture AS {materialized}(
        SELECT c.venture_id,
               f.verified, f.reported, j.jobs,
               CAST(f.verified AS {exact}) / c.n AS verified_share,
               CAST(f.reported AS {exact}) / c.n AS reported_share,
               CAST(j.jobs AS {exact}) / c.n AS jobs_share
        FROM (
            SELECT venture_id, COUNT(*) AS n FROM {use} GROUP BY venture_id
        ) c
        LEFT JOIN funds f ON f.venture_id = c.venture_id
        LEFT JOIN jobs j ON j.venture_id = c.venture_id
    ),
    pairs AS ({pairs}),
    figures AS (
        SELECT p.gkey,
               COUNT(*) AS ventures,
               COALESCE(SUM(v.verified), 0) AS full_verified,
               COALESCE(SUM(v.reported), 0) AS full_reported,
               COALESCE(SUM(v.jobs), 0) AS full_jobs,
               COALESCE(SUM(v.verified_share{times_k}), 0) AS split_verified,
               COALESCE(SUM(v.reported_share{times_k}), 0) AS split_reported,
               COALESCE(SUM(v.jobs_share{times_k}), 0) AS split_jobs
        FROM pairs p JOIN per_venture v ON v.venture_id = p.venture_id
        GROUP BY p.gkey
    )
    SELECT g.gkey AS key, g.name, {label_columns}, figures.ventures,
           figures.full_verified, figures.full_reported, figures.full_jobs,
           figures.split_verified, figures.split_reported, figures.split_jobs
    FROM figures JOIN ({labels}) g ON g.gkey = figures.gkey
"""  # noqa: S608

#: Columns converted to exact decimals (SQLite hands sums of decimals back as
#: floats; PostgreSQL as ``Decimal`` already).
_DECIMAL_COLUMNS = (
    "full_verified",
    "full_reported",
    "split_verified",
    "split_reported",
    "split_jobs",
)
#: Django's own conversion of SQLite floats to decimals (15 significant digits).
_FROM_FLOAT = Context(prec=15).create_decimal_from_float


def _tables() -> dict[str, str]:
    return {
        "use": DatasetUse._meta.db_table,
        "dataset": Dataset._meta.db_table,
        "source": CatalogSource._meta.db_table,
        "event": FundingEvent._meta.db_table,
        "snapshot": ImpactSnapshot._meta.db_table,
    }


def _report_sql(query: ReportQuery) -> tuple[str, list[Any]]:
    """The report's rows, unsorted, as SQL and its parameters."""
    tables = _tables()
    params: list[Any] = [
        FundingStatus.VERIFIED,
        FundingStatus.REPORTED,
        query.currency,
    ]
    event_range = ""
    if query.date_from:
        event_range += " AND date >= %s"
        params.append(query.date_from)
    if query.date_to:
        event_range += " AND date <= %s"
        params.append(query.date_to)
    snapshot_range = ""
    if query.date_to:
        snapshot_range = " AND date <= %s"
        params.append(query.date_to)
    labels, label_columns = _LABELS[Grouping(query.grouping)]
    # Divide exactly: SQLite keeps integral NUMERIC values as integers (and
    # divides them as integers), so it gets REAL, as it stores decimals anyway.
    sql = _REPORT_SQL.format(
        pairs=_PAIRS[Grouping(query.grouping)].format(**tables),
        labels=labels.format(**tables),
        label_columns=", ".join(f"g.{column}" for column in label_columns),
        event_range=event_range,
        snapshot_range=snapshot_range,
        exact="REAL" if connection.vendor == "sqlite" else "numeric",
        # A venture uses a dataset once: k is 1 there.
        materialized="MATERIALIZED " if connection.vendor == "postgresql" else "",
        times_k="" if query.grouping == Grouping.DATASET else " * p.k",
        **tables,
    )
    return sql, params


def _order_by(query: ReportQuery, prefix: str = "") -> str:
    """ORDER BY for the chosen (whitelisted) column; ties by name, then key."""
    direction = "DESC" if query.descending else "ASC"
    order = [f"{prefix}{query.sort} {direction}"]
    if query.sort != "name":
        order.append(f"{prefix}name ASC")
    return ", ".join([*order, f"{prefix}key ASC"])


def _fetch(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        for key in _DECIMAL_COLUMNS:
            if isinstance(row[key], float | int):
                row[key] = (
                    _FROM_FLOAT(row[key])
                    if isinstance(row[key], float)
                    else Decimal(row[key])
                )
        if "withdrawn" in row:
            row["withdrawn"] = bool(row["withdrawn"])
    return rows


class ReportRows(Sequence[dict[str, Any]]):
    """The report's rows, sorted, fetched lazily: a slice (what a paginator
    asks for) runs one query with LIMIT and OFFSET; :meth:`count` one cheap
    query over the groups; iterating fetches every row in one query."""

    def __init__(self, query: ReportQuery) -> None:
        self.query = query
        self._count: int | None = None
        self._all: list[dict[str, Any]] | None = None

    def _rows(self, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        sql, params = _report_sql(self.query)
        sql = f"{sql} ORDER BY {_order_by(self.query)}"
        if limit is not None:
            sql += " LIMIT %s OFFSET %s"
            params = [*params, limit, offset]
        return _fetch(sql, params)

    # Paginator calls count() with no argument, as on a QuerySet: that is the
    # point of defining it, so it differs from Sequence.count(value) on purpose.
    def count(self) -> int:  # type: ignore[override]
        """How many datasets, publishers or sources some venture uses. One query."""

        if self._all is not None:
            return len(self._all)
        if self._count is None:
            tables = _tables()
            column = {
                Grouping.DATASET: "u.dataset_id",
                Grouping.PUBLISHER: "d.publisher",
                Grouping.SOURCE: "d.source_id",
            }[Grouping(self.query.grouping)]
            sql = (
                f"SELECT COUNT(DISTINCT {column}) FROM {tables['use']} u "  # noqa: S608
                f"JOIN {tables['dataset']} d ON d.id = u.dataset_id"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql)
                self._count = cursor.fetchone()[0]
        return self._count

    def __len__(self) -> int:
        return self.count()

    def _fetch_all(self) -> list[dict[str, Any]]:
        if self._all is None:
            self._all = self._rows()
        return self._all

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if self._all is not None:
            return self._all[index]
        if isinstance(index, slice):
            start, stop, step = index.start or 0, index.stop, index.step
            if start < 0 or (stop is not None and stop < 0) or step not in (None, 1):
                return self._fetch_all()[index]
            if stop is None:
                return self._rows(limit=None)[start:]
            return self._rows(limit=max(stop - start, 0), offset=start)
        return self._fetch_all()[index]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._fetch_all())


def report_rows(query: ReportQuery) -> ReportRows:
    """One row (a dict) per dataset, publisher or source that some venture uses,
    sorted as asked.

    Keys: ``key``, ``name`` (plus ``publisher``, ``source``, ``withdrawn`` for
    datasets, or ``datasets`` and ``withdrawn_datasets`` for groups),
    ``ventures``, ``full_verified``, ``full_reported``, ``full_jobs``,
    ``split_verified``, ``split_reported``, ``split_jobs``. One query for all
    rows or for a slice; ``count()`` is another.
    """
    return ReportRows(query)


def report_leaders(query: ReportQuery, top: int) -> list[dict[str, Any]]:
    """The rows in the ``top`` by ventures or in the ``top`` by verified
    investment (full credit), each with its rank in both (``by_ventures``,
    ``by_verified``; ties by name, then key). One query: the report ranked twice
    by ``ROW_NUMBER()`` windows."""
    sql, params = _report_sql(query)
    ranked = f"""
        SELECT * FROM (
            SELECT r.*,
                   ROW_NUMBER() OVER (
                       ORDER BY r.ventures DESC, r.name ASC, r.key ASC
                   ) AS by_ventures,
                   ROW_NUMBER() OVER (
                       ORDER BY r.full_verified DESC, r.name ASC, r.key ASC
                   ) AS by_verified
            FROM ({sql}) r
        ) ranked
        WHERE by_ventures <= %s OR by_verified <= %s
        ORDER BY by_ventures
    """  # noqa: S608
    return _fetch(ranked, [*params, top, top])


def currency_options() -> list[str]:
    """Currencies present in funding events, and the base currency. One query,
    cached under the data version (``reports/figures.py``)."""

    def compute() -> list[str]:
        found = FundingEvent.objects.order_by().values_list("currency", flat=True)
        return sorted({*found.distinct(), settings.BASE_CURRENCY})

    return cached("currencies", (settings.BASE_CURRENCY,), compute)


def left_out(query: ReportQuery) -> dict[str, int]:
    """What the chosen currency leaves out: funding events with an amount, in
    range, of ventures that use a dataset, in other currencies, counted per
    currency. One query."""
    in_range = Q()
    if query.date_from:
        in_range &= Q(date__gte=query.date_from)
    if query.date_to:
        in_range &= Q(date__lte=query.date_to)
    events = FundingEvent.objects.filter(
        in_range,
        Exists(DatasetUse.objects.filter(venture=OuterRef("venture"))),
        amount__isnull=False,
    ).exclude(currency=query.currency)
    rows = events.order_by("currency").values("currency").annotate(n=Count("pk"))
    return {row["currency"]: row["n"] for row in rows}


def _round(value: Any, step: Decimal) -> Decimal:
    return Decimal(value or 0).quantize(step, rounding=ROUND_HALF_UP)


def present(row: dict[str, Any]) -> dict[str, Any]:
    """A row as shown and exported: amounts to the cent, split jobs to a tenth."""
    shown = dict(row)
    for key in ("full_verified", "full_reported", "split_verified", "split_reported"):
        shown[key] = _round(row[key], CENTS)
    shown["split_jobs"] = _round(row["split_jobs"], TENTHS)
    shown["full_jobs"] = int(row["full_jobs"] or 0)
    return shown
