"""The open-data return report: what the ventures that build on the city's
open data went on to attract, per dataset, per publisher and per catalog source.

The rules (the page and the README say the same):

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

Everything is computed by the database: the rows are one grouped query over
dataset uses with correlated subqueries for each venture's totals, jobs and
number of datasets (plus the paginator's count); the currency choices and the
events left out are one query each. Shares keep full precision; rounding
happens only for display (:func:`present`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextChoices,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ventures.models import (
    Dataset,
    DatasetUse,
    FundingEvent,
    FundingStatus,
    ImpactSnapshot,
)

#: Output field of amounts and shares: wide enough to keep the split's digits.
EXACT = DecimalField(max_digits=32, decimal_places=12)
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


class ToNumeric(Func):
    """Cast to an exact number before dividing. SQLite's NUMERIC keeps integral
    values as integers (and then divides them as integers), so it gets REAL,
    which is also how it stores decimals anyway."""

    function = "CAST"
    template = "%(function)s(%(expressions)s AS numeric)"
    output_field = EXACT

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="%(function)s(%(expressions)s AS REAL)"
        )


def _zero() -> Value:
    return Value(0, output_field=EXACT)


def _in_range(query: ReportQuery, prefix: str = "") -> Q:
    q = Q()
    if query.date_from:
        q &= Q(**{f"{prefix}date__gte": query.date_from})
    if query.date_to:
        q &= Q(**{f"{prefix}date__lte": query.date_to})
    return q


def _venture_total(query: ReportQuery, status: str) -> Coalesce:
    """The venture's (of the outer dataset use) summed amounts of one status.

    The status is the sum's filter, not the query's: with it in the WHERE
    clause SQLite's planner (which has no statistics) picks the (status, date)
    index over (venture, date) and scans half the table per dataset use.
    """
    events = (
        FundingEvent.objects.filter(
            _in_range(query),
            venture=OuterRef("venture"),
            currency=query.currency,
            amount__isnull=False,
        )
        .order_by()
        .values("venture")
        .annotate(total=Sum("amount", filter=Q(status=status)))
        .values("total")
    )
    return Coalesce(Subquery(events, output_field=EXACT), _zero())


def _venture_jobs(query: ReportQuery) -> Coalesce:
    snapshots = ImpactSnapshot.objects.filter(
        venture=OuterRef("venture"), full_time_jobs__isnull=False
    )
    if query.date_to:
        snapshots = snapshots.filter(date__lte=query.date_to)
    latest = snapshots.order_by("-date", "-id").values("full_time_jobs")[:1]
    return Coalesce(
        Subquery(latest, output_field=IntegerField()),
        Value(0, output_field=IntegerField()),
    )


def _venture_dataset_count() -> Subquery:
    uses = (
        DatasetUse.objects.filter(venture=OuterRef("venture"))
        .order_by()
        .values("venture")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(uses, output_field=IntegerField())


#: What each grouping's rows are keyed and labelled by.
_GROUP_VALUES: dict[str, dict[str, F]] = {
    Grouping.DATASET: {
        "key": F("dataset_id"),
        "name": F("dataset__title"),
        "publisher": F("dataset__publisher"),
        "source": F("dataset__source__name"),
        "withdrawn": F("dataset__withdrawn"),
    },
    Grouping.PUBLISHER: {
        "key": F("dataset__publisher"),
        "name": F("dataset__publisher"),
    },
    Grouping.SOURCE: {
        "key": F("dataset__source_id"),
        "name": F("dataset__source__name"),
    },
}
_GROUP_FIELD = {
    Grouping.PUBLISHER: "dataset__publisher",
    Grouping.SOURCE: "dataset__source",
}


def report_rows(query: ReportQuery) -> QuerySet[DatasetUse, dict[str, Any]]:
    """One row (a dict) per dataset, publisher or source that some venture uses.

    Keys: ``key``, ``name`` (plus ``publisher``, ``source``, ``withdrawn`` for
    datasets, or ``datasets`` and ``withdrawn_datasets`` for groups),
    ``ventures``, ``full_verified``, ``full_reported``, ``full_jobs``,
    ``split_verified``, ``split_reported``, ``split_jobs``. One query.
    """
    uses = DatasetUse.objects.order_by().annotate(
        v_verified=_venture_total(query, FundingStatus.VERIFIED),
        v_reported=_venture_total(query, FundingStatus.REPORTED),
        v_jobs=_venture_jobs(query),
        v_datasets=_venture_dataset_count(),
    )
    if query.grouping == Grouping.DATASET:
        # A venture uses a dataset at most once: every use gets full credit.
        full = {
            "full_verified": Sum("v_verified", output_field=EXACT),
            "full_reported": Sum("v_reported", output_field=EXACT),
            "full_jobs": Sum("v_jobs"),
        }
        extra: dict[str, Any] = {}
    else:
        # Credit a venture once per group: only through its use there with the
        # lowest dataset id ((venture, dataset) is unique, so there is one).
        # The EXISTS below reads only the venture's few uses, through the
        # (venture, dataset) index; the earlier use's group is a scalar
        # subquery, not a join, so PostgreSQL without fresh statistics (just
        # after an import) cannot start from every dataset of the group.
        group = _GROUP_FIELD[query.grouping]
        group_of_use = Subquery(
            Dataset.objects.filter(pk=OuterRef("dataset"))
            .order_by()
            .values(group.removeprefix("dataset__"))[:1]
        )
        first = ~Exists(
            DatasetUse.objects.filter(
                venture=OuterRef("venture"), dataset__lt=OuterRef("dataset")
            )
            .annotate(group_of_use=group_of_use)
            .filter(group_of_use=OuterRef(group))
        )
        full = {
            "full_verified": Sum(
                Case(When(first, then=F("v_verified")), default=_zero()),
                output_field=EXACT,
            ),
            "full_reported": Sum(
                Case(When(first, then=F("v_reported")), default=_zero()),
                output_field=EXACT,
            ),
            "full_jobs": Sum(
                Case(
                    When(first, then=F("v_jobs")),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            ),
        }
        extra = {
            "datasets": Count("dataset", distinct=True),
            "withdrawn_datasets": Count(
                "dataset", distinct=True, filter=Q(dataset__withdrawn=True)
            ),
        }
    rows = uses.values(**_GROUP_VALUES[query.grouping]).annotate(
        ventures=Count("venture", distinct=True),
        **full,
        split_verified=Sum(
            ToNumeric("v_verified") / F("v_datasets"), output_field=EXACT
        ),
        split_reported=Sum(
            ToNumeric("v_reported") / F("v_datasets"), output_field=EXACT
        ),
        split_jobs=Sum(ToNumeric("v_jobs") / F("v_datasets"), output_field=EXACT),
        **extra,
    )
    direction = "-" if query.descending else ""
    order = [f"{direction}{query.sort}"]
    if query.sort != "name":
        order.append("name")
    return rows.order_by(*order, "key")


def currency_options() -> list[str]:
    """Currencies present in funding events, and the base currency. One query."""
    found = FundingEvent.objects.order_by().values_list("currency", flat=True)
    return sorted({*found.distinct(), settings.BASE_CURRENCY})


def left_out(query: ReportQuery) -> dict[str, int]:
    """What the chosen currency leaves out: funding events with an amount, in
    range, of ventures that use a dataset, in other currencies, counted per
    currency. One query."""
    events = FundingEvent.objects.filter(
        _in_range(query),
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
