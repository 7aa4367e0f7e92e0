"""The outcomes dashboard's figures: what the ventures went on to achieve.

Every figure is aggregated by the database, one query per chart, whatever the
number of ventures, events or snapshots (the query count is asserted at two
sizes in ``tests/reports/test_outcomes_queries.py``). The rules follow the
existing outcome pages:

* **Investment** (``ventures/funding/services.py``, ``reports/open_data_return.py``): funding
  events with an amount (notes are left out), dated within the range, in the
  one chosen currency: amounts are never converted or mixed across
  currencies. Verified and reported amounts are summed apart. How much the
  chosen currency leaves out is taken from :func:`ventures.funding.services.funding_totals`.
* **Jobs at a period's end**: per venture, the full-time jobs of its latest
  snapshot (by date, then by id) that states jobs and is dated on or before
  that day, summed over ventures; a venture without one counts 0.
* **Ventures by status**: ventures launched within the range.
* **Open-data return leaderboard**: rows of the open-data return report
  (full credit, verified investment in the chosen currency, distinct ventures).
* **Data requests most asked for**: requests made within the range, grouped by
  their title lower-cased with surrounding and doubled spaces removed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import CharField, Count, F, Min, Q, QuerySet, Sum, Value, Window
from django.db.models.functions import (
    Lead,
    Lower,
    Replace,
    Trim,
    TruncMonth,
    TruncQuarter,
)
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from reports.open_data_return import Grouping, ReportQuery, present, report_leaders
from ventures.funding.services import FundingTotals, funding_totals
from ventures.models import (
    DataRequest,
    FundingEvent,
    FundingKind,
    FundingStatus,
    ImpactSnapshot,
    RequestStatus,
    Venture,
    VentureStatus,
)

MONTH = "month"
QUARTER = "quarter"
PERIODS = {MONTH: 1, QUARTER: 3}
#: The most periods one chart shows; longer ranges are refused with an error.
MAX_PERIODS = 120
#: Rows of the leaderboards and of the data-request chart.
TOP = 10
CENTS = Decimal("0.01")


@dataclass(frozen=True)
class OutcomesQuery:
    """What the dashboard is asked for (the view validates the query string)."""

    date_from: datetime.date
    date_to: datetime.date
    currency: str = field(default_factory=lambda: settings.BASE_CURRENCY)
    period: str = MONTH

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"unknown period {self.period!r}")
        if self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")


def default_range(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The range when none is given: the current year and the two before it."""
    return datetime.date(today.year - 2, 1, 1), today


def period_start(day: datetime.date, period: str) -> datetime.date:
    step = PERIODS[period]
    return datetime.date(day.year, (day.month - 1) // step * step + 1, 1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_starts(query: OutcomesQuery) -> list[datetime.date]:
    """The first day of each period that the range touches, in order."""
    return periods_between(query.date_from, query.date_to, query.period)


def periods_between(
    start: datetime.date, end: datetime.date, period: str
) -> list[datetime.date]:
    first, last = period_start(start, period), period_start(end, period)
    step = PERIODS[period]
    count = ((last.year - first.year) * 12 + last.month - first.month) // step + 1
    return [_add_months(first, i * step) for i in range(count)]


def period_ends(query: OutcomesQuery) -> list[datetime.date]:
    """Each period's last day, the last one cut at the range's end."""
    step = PERIODS[query.period]
    ends = [
        _add_months(start, step) - datetime.timedelta(days=1)
        for start in period_starts(query)
    ]
    ends[-1] = min(ends[-1], query.date_to)
    return ends


def period_label(start: datetime.date, period: str) -> str:
    """``2026-03`` for a month, ``2026 Q1`` for a quarter (sortable, CSV-friendly)."""
    if period == QUARTER:
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


# --------------------------------------------------------------------------------------
# Investment
# --------------------------------------------------------------------------------------


@dataclass
class Investment:
    """Sums per period start and kind, verified and reported apart."""

    verified: dict[tuple[datetime.date, str], Decimal]
    reported: dict[tuple[datetime.date, str], Decimal]

    def kinds(self, status: str) -> list[str]:
        """The kinds with an amount of ``status``, in the kinds' declared order."""
        sums = self.verified if status == FundingStatus.VERIFIED else self.reported
        present_kinds = {kind for _, kind in sums}
        return [kind for kind in FundingKind.values if kind in present_kinds]


def _events_in_range(events: QuerySet[FundingEvent], query: OutcomesQuery) -> Any:
    return events.filter(
        date__gte=query.date_from, date__lte=query.date_to, amount__isnull=False
    )


def investment(query: OutcomesQuery, events: QuerySet[FundingEvent]) -> Investment:
    """One query: the events (pass a visibility-filtered queryset) with an
    amount, in range and in the chosen currency, summed per period, kind and
    status."""
    trunc = TruncQuarter if query.period == QUARTER else TruncMonth
    rows = (
        _events_in_range(events, query)
        .filter(currency=query.currency)
        .order_by()
        .annotate(period=trunc("date"))
        .values("period", "kind", "status")
        .annotate(total=Sum("amount"))
    )
    result = Investment(verified={}, reported={})
    for row in rows:
        start = row["period"]
        if isinstance(start, datetime.datetime):
            start = start.date()
        target = (
            result.verified
            if row["status"] == FundingStatus.VERIFIED
            else result.reported
        )
        target[(start, row["kind"])] = Decimal(row["total"]).quantize(CENTS)
    return result


def currency_totals(
    query: OutcomesQuery, events: QuerySet[FundingEvent]
) -> FundingTotals:
    """Per-currency totals of the events in range (one query, the funding
    page's rule), so the page can say what the chosen currency leaves out."""
    return funding_totals(_events_in_range(events, query))


# --------------------------------------------------------------------------------------
# Jobs
# --------------------------------------------------------------------------------------


def jobs_at(days: list[datetime.date]) -> list[int]:
    """Sum over ventures of the latest jobs-stating snapshot's jobs at each day.

    One query: each snapshot that states jobs is valid from its date until the
    date of the venture's next one (a window ``LEAD`` over date, then id, so of
    two snapshots on one day the later-recorded one wins); the figure at a day
    sums the snapshots valid on it, one filtered ``SUM`` per day.
    """
    if not days:
        return []
    snapshots = (
        ImpactSnapshot.objects.filter(full_time_jobs__isnull=False)
        .order_by()
        .annotate(
            valid_until=Window(
                Lead("date"),
                partition_by=[F("venture_id")],
                order_by=[F("date").asc(), F("id").asc()],
            )
        )
    )
    sums = {
        f"at_{i}": Sum(
            "full_time_jobs",
            filter=Q(date__lte=day)
            & (Q(valid_until__isnull=True) | Q(valid_until__gt=day)),
            default=0,
        )
        for i, day in enumerate(days)
    }
    totals = snapshots.aggregate(**sums)
    return [int(totals[f"at_{i}"] or 0) for i in range(len(days))]


# --------------------------------------------------------------------------------------
# Ventures, leaderboards, data requests
# --------------------------------------------------------------------------------------


def ventures_by_status(query: OutcomesQuery) -> dict[str, int]:
    """Ventures launched within the range, counted per status. One query."""
    rows = (
        Venture.objects.filter(
            launched_on__gte=query.date_from, launched_on__lte=query.date_to
        )
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
    )
    found = {row["status"]: row["n"] for row in rows}
    return {status: found.get(status, 0) for status in VentureStatus.values}


def leaderboards(
    query: OutcomesQuery, grouping: str
) -> dict[str, list[dict[str, Any]]]:
    """The top rows of the open-data return report (``reports/open_data_return.py``) for
    datasets or publishers, in the chosen currency and range: the ``TOP`` by
    ventures using them and the ``TOP`` by verified investment (full credit),
    keyed "ventures" and "full_verified". Ties go by name, as on the report.

    One query (:func:`reports.open_data_return.report_leaders`).
    """
    report = ReportQuery(
        grouping=grouping,
        date_from=query.date_from,
        date_to=query.date_to,
        currency=query.currency,
    )
    ranked = report_leaders(report, TOP)
    rows = []
    for raw in ranked:
        row = present(raw)
        if row["name"]:
            row["label"] = str(row["name"])
        elif grouping == Grouping.PUBLISHER:
            row["label"] = str(_("No publisher stated"))
        else:
            row["label"] = str(_("Untitled"))
        rows.append(row)
    return {
        "ventures": sorted(
            (r for r in rows if r["by_ventures"] <= TOP), key=lambda r: r["by_ventures"]
        ),
        "full_verified": sorted(
            (r for r in rows if r["by_verified"] <= TOP), key=lambda r: r["by_verified"]
        ),
    }


def normalized_title(field_name: str = "title") -> Any:
    """A request title lower-cased, trimmed, with runs of up to eight spaces
    collapsed, so near-duplicate spellings group together."""
    expression: Any = F(field_name)
    for _pass in range(3):
        expression = Replace(expression, Value("  "), Value(" "))
    return Lower(Trim(expression), output_field=CharField())


def data_requests(query: OutcomesQuery) -> list[dict[str, Any]]:
    """The most asked-for datasets: requests made within the range grouped by
    normalized title, with their count per status, most asked first. One query.

    Each row: ``key`` (the normalized title), ``title`` (one of its
    spellings), ``total`` and one count per request status.
    """
    per_status = {
        status: Count("pk", filter=Q(status=status)) for status in RequestStatus.values
    }
    rows = (
        DataRequest.objects.filter(
            created_at__date__gte=query.date_from,
            created_at__date__lte=query.date_to,
        )
        .order_by()
        .annotate(key=normalized_title())
        .values("key")
        .annotate(title=Min("title"), total=Count("pk"), **per_status)
        .order_by("-total", "key")[:TOP]
    )
    return [{**row, "title": row["title"].strip()} for row in rows]


def format_day(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")
