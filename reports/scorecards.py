"""Program scorecards: a few indicators per program, their status against the
targets staff set, and the trend against the previous period.

The definitions (docs/features/scorecards.md says the same). A period is a range of whole days,
both ends included; the previous period has the same length and ends the day
before. Times are compared in the site's time zone.

* **Ideas submitted**: ideas of the program moved from Draft to Proposed in
  the period (each idea once).
* **Reviewed on time (%)**: of the program's ideas that got a review
  assignment in the period (declared conflicts left out), the share whose
  submitted, on-time reviews reach the number the challenge requires (at
  least 1). A review is on time when it was submitted within
  :data:`REVIEW_DAYS` days of its assignment, or on or before the close date of
  the idea's challenge, whichever is later.
* **Advancing past screening (%)**: of the program's ideas that left Screening
  in the period (to any stage), the share that moved to Business planning.
* **Ventures launched**: ventures whose originating idea is the program's and
  whose launch date is in the period.
* **Verified investment attracted**: verified funding events with an amount,
  dated in the period, of those ventures, in the base currency, converted with
  :func:`ventures.funding.services.rate_for_event` (events without a usable rate are
  left out and counted).
* **Jobs attributed**: the full-time jobs of each of those ventures' latest
  impact snapshot dated on or before the period's end (snapshots that do not
  state jobs skipped), summed.
* **Active members (%)**: of the people who were members of the program at
  the period's end, the share with an audit-log entry in the period for
  creating or editing one of the program's ideas, commenting on one (or
  editing a comment) or submitting a review of one.

Everything is computed by the database in a constant number of queries for
all programs and both periods: each figure query groups its table by program
with conditional aggregates per period (see :func:`_figures`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from challenges.models import ReviewAssignment
from hub.core.models import AuditEvent
from ideas.models import Idea, StageChange
from ideas.stages import Stage
from programs.models import (
    SHARES,
    Direction,
    Indicator,
    Program,
    ProgramMembership,
    ScorecardTarget,
)
from ventures.funding.services import rate_for_event
from ventures.models import FundingEvent, FundingStatus, ImpactSnapshot, Venture

#: Days after its assignment a review is on time (unless the challenge closes later).
REVIEW_DAYS = 14
#: Default period length in days.
DEFAULT_DAYS = 90
#: Audit actions on an idea that make a member "active".
ACTIVITY_ACTIONS = (
    "ideas.create",
    "ideas.update",
    "ideas.comment",
    "ideas.comment_edit",
    "challenges.submit",
)
_MONEY = DecimalField(max_digits=40, decimal_places=10)
TENTH = Decimal("0.1")
CENTS = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # included

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        end = self.start - datetime.timedelta(days=1)
        return Period(end - datetime.timedelta(days=self.days - 1), end)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) as aware datetimes in the site's time zone."""
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        return start, end

    @classmethod
    def last_days(cls, days: int = DEFAULT_DAYS, today: datetime.date | None = None):
        today = today or timezone.localdate()
        return cls(today - datetime.timedelta(days=days - 1), today)


def _between(prefix: str, period: Period, *, dates: bool = False) -> Q:
    """``prefix`` within ``period`` (datetimes as [start, end), dates inclusive)."""
    if dates:
        return Q(**{f"{prefix}__gte": period.start, f"{prefix}__lte": period.end})
    start, end = period.bounds()
    return Q(**{f"{prefix}__gte": start, f"{prefix}__lt": end})


def _stage_figures(ids: QuerySet, now: Period, before: Period) -> QuerySet:
    """Ideas submitted, advanced and screened, per program and period."""
    draft = Q(from_stage=Stage.DRAFT, to_stage=Stage.PROPOSED)
    screened = Q(from_stage=Stage.SCREENING)
    advanced = screened & Q(to_stage=Stage.PLANNING)
    figures = {}
    for suffix, period in (("now", now), ("before", before)):
        within = _between("at", period)
        for name, condition in (
            ("submitted", draft),
            ("advanced", advanced),
            ("screened", screened),
        ):
            figures[f"{name}_{suffix}"] = Count(
                "idea", distinct=True, filter=within & condition
            )
    return (
        StageChange.objects.filter(idea__program__in=ids)
        .filter(_between("at", Period(before.start, now.end)))
        .filter(draft | screened)
        .values(group=F("idea__program"))
        .annotate(**figures)
        .order_by()
    )


#: Per program, from the per-idea rows below: the ideas assigned in each
#: period, and those whose on-time reviews reach the number the challenge
#: requires (at least 1).
_REVIEW_SUMS_SQL = """
    SELECT program AS "group",
           SUM(CASE WHEN in_now > 0 THEN 1 ELSE 0 END) AS reviewed_all_now,
           SUM(CASE WHEN in_now > 0 AND ok >= {need} THEN 1 ELSE 0 END)
               AS reviewed_ok_now,
           SUM(CASE WHEN in_before > 0 THEN 1 ELSE 0 END) AS reviewed_all_before,
           SUM(CASE WHEN in_before > 0 AND ok >= {need} THEN 1 ELSE 0 END)
               AS reviewed_ok_before
    FROM ({per_idea}) per_idea
    GROUP BY program
"""


def _review_figures(ids: QuerySet, now: Period, before: Period) -> list[dict[str, Any]]:
    """Ideas with a review assignment in each period, and those of them whose
    on-time submitted reviews reach the number required.

    One query: a pass over the active assignments grouped by idea (whether
    each period has one, the on-time submitted ones, the number the challenge
    requires), summed per program around it. Correlated subqueries per idea,
    each repeated in every conditional count, cost several times more.
    """
    on_time = Q(submitted_at__isnull=False) & (
        Q(
            submitted_at__lte=ExpressionWrapper(
                F("assigned_at") + datetime.timedelta(days=REVIEW_DAYS),
                output_field=DateTimeField(),
            )
        )
        | Q(
            idea__challenge__closes_on__isnull=False,
            submitted_at__date__lte=F("idea__challenge__closes_on"),
        )
    )
    active = ReviewAssignment.objects.filter(conflict_declared_at__isnull=True)
    assigned = active.filter(_between("assigned_at", Period(before.start, now.end)))
    per_idea = (
        active.filter(idea__program__in=ids, idea__in=assigned.values("idea"))
        .values(
            idea_key=F("idea"),
            program=F("idea__program"),
            need=F("idea__challenge__required_reviews"),
        )
        .annotate(
            in_now=Count("pk", filter=_between("assigned_at", now)),
            in_before=Count("pk", filter=_between("assigned_at", before)),
            ok=Count("pk", filter=on_time),
        )
        .filter(Q(in_now__gt=0) | Q(in_before__gt=0))
        .order_by()
    )
    per_idea_sql, params = per_idea.query.sql_with_params()
    need = "CASE WHEN COALESCE(need, 1) < 1 THEN 1 ELSE COALESCE(need, 1) END"
    sql = _REVIEW_SUMS_SQL.format(per_idea=per_idea_sql, need=need)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [
            {name: int(value) if name != "group" else value for name, value in
             zip(names, row, strict=True)}
            for row in cursor.fetchall()
        ]  # fmt: skip


def _venture_figures(ids: QuerySet, now: Period, before: Period) -> QuerySet:
    """Ventures launched per program and period."""
    return (
        Venture.objects.filter(idea__program__in=ids)
        .filter(_between("launched_on", Period(before.start, now.end), dates=True))
        .values(group=F("idea__program"))
        .annotate(
            launched_now=Count("pk", filter=_between("launched_on", now, dates=True)),
            launched_before=Count(
                "pk", filter=_between("launched_on", before, dates=True)
            ),
        )
        .order_by()
    )


def _funding_figures(ids: QuerySet, now: Period, before: Period) -> QuerySet:
    """Verified investment in the base currency per program and period, and
    the events left out for want of an exchange rate."""
    base = settings.BASE_CURRENCY
    rate = Case(
        When(currency=base, then=Value(Decimal("1"))),
        default=rate_for_event(base),
        output_field=DecimalField(max_digits=20, decimal_places=8),
    )
    events = (
        FundingEvent.objects.filter(
            venture__idea__program__in=ids,
            status=FundingStatus.VERIFIED,
            amount__isnull=False,
        )
        .filter(_between("date", Period(before.start, now.end), dates=True))
        .annotate(rate=rate)
        .annotate(base_amount=ExpressionWrapper(F("amount") * F("rate"), _MONEY))
    )
    figures: dict[str, Any] = {}
    for suffix, period in (("now", now), ("before", before)):
        within = _between("date", period, dates=True)
        figures[f"investment_{suffix}"] = Sum(
            "base_amount", filter=within, output_field=_MONEY
        )
        figures[f"unconverted_{suffix}"] = Count(
            "pk", filter=within & Q(rate__isnull=True)
        )
    return (
        events.values(group=F("venture__idea__program")).annotate(**figures).order_by()
    )


def _job_figures(ids: QuerySet, period: Period, suffix: str) -> QuerySet:
    """Jobs of each venture's latest snapshot (stating jobs) up to the period's
    end, summed per program."""
    stated = ImpactSnapshot.objects.filter(
        date__lte=period.end, full_time_jobs__isnull=False
    )
    later = stated.filter(venture=OuterRef("venture")).filter(
        Q(date__gt=OuterRef("date")) | Q(date=OuterRef("date"), pk__gt=OuterRef("pk"))
    )
    return (
        stated.filter(venture__idea__program__in=ids)
        .exclude(Exists(later))
        .values(group=F("venture__idea__program"))
        .annotate(**{f"jobs_{suffix}": Sum("full_time_jobs")})
        .order_by()
    )


def _member_figures(ids: QuerySet, now: Period, before: Period) -> QuerySet:
    """Members at each period's end, and those of them active in the period."""
    # The actor's own audit rows first (indexed by actor), then whether the
    # row's target is an idea of the membership's program.
    acted = AuditEvent.objects.filter(
        actor=OuterRef("user"),
        action__in=ACTIVITY_ACTIONS,
        target_type__app_label="ideas",
        target_type__model="idea",
    ).filter(
        Exists(
            # The idea's id as text, never target_id as a number: other
            # targets' ids need not be numeric.
            Idea.objects.annotate(key=Cast("pk", CharField())).filter(
                key=OuterRef("target_id"), program=OuterRef(OuterRef("program"))
            )
        )
    )
    figures = {}
    annotations = {}
    for suffix, period in (("now", now), ("before", before)):
        joined = Q(joined_at__lt=period.bounds()[1])
        annotations[f"acted_{suffix}"] = Exists(acted.filter(_between("at", period)))
        figures[f"members_{suffix}"] = Count("pk", filter=joined)
        figures[f"active_{suffix}"] = Count(
            "pk", filter=joined & Q(**{f"acted_{suffix}": True})
        )
    return (
        ProgramMembership.objects.filter(program__in=ids)
        .annotate(**annotations)
        .values(group=F("program"))
        .annotate(**figures)
        .order_by()
    )


#: Every raw figure, with its value when a program has no row in a query.
FIGURES = {
    f"{name}_{suffix}": default
    for suffix in ("now", "before")
    for name, default in (
        ("submitted", 0), ("advanced", 0), ("screened", 0),
        ("reviewed_all", 0), ("reviewed_ok", 0), ("launched", 0),
        ("investment", None), ("unconverted", 0), ("jobs", None),
        ("members", 0), ("active", 0),
    )
}  # fmt: skip


def _figures(ids: QuerySet, now: Period, before: Period) -> dict[int, dict[str, Any]]:
    """The raw figures per program id: seven grouped queries, each scanning its
    table once for all programs and both periods."""
    queries = [
        _stage_figures(ids, now, before),
        _review_figures(ids, now, before),
        _venture_figures(ids, now, before),
        _funding_figures(ids, now, before),
        _job_figures(ids, now, "now"),
        _job_figures(ids, before, "before"),
        _member_figures(ids, now, before),
    ]
    figures: dict[int, dict[str, Any]] = {}
    for query in queries:
        for row in query:
            group = row.pop("group")
            figures.setdefault(group, dict(FIGURES)).update(row)
    return figures


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, ROUND_HALF_UP)


def _values(row: dict[str, Any], suffix: str) -> dict[str, Any]:
    def get(name: str) -> Any:
        return row[f"{name}_{suffix}"]

    investment = get("investment")
    return {
        Indicator.IDEAS_SUBMITTED: Decimal(get("submitted")),
        Indicator.REVIEWED_ON_TIME: _share(get("reviewed_ok"), get("reviewed_all")),
        Indicator.ADVANCING: _share(get("advanced"), get("screened")),
        Indicator.VENTURES_LAUNCHED: Decimal(get("launched")),
        Indicator.INVESTMENT: Decimal(investment or 0).quantize(CENTS),
        Indicator.JOBS: Decimal(get("jobs") or 0),
        Indicator.MEMBER_ACTIVITY: _share(get("active"), get("members")),
    }


class Status:
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NO_TARGET = "none"
    NO_DATA = "nodata"


STATUS_TEXT = {
    Status.GREEN: _("On target"),
    Status.AMBER: _("Near target"),
    Status.RED: _("Off target"),
    Status.NO_TARGET: _("No target"),
    Status.NO_DATA: _("No data"),
}
STATUS_ICON = {
    Status.GREEN: "✔",
    Status.AMBER: "!",
    Status.RED: "✖",
    Status.NO_TARGET: "–",
    Status.NO_DATA: "–",
}


def status(value: Decimal | None, target: ScorecardTarget | None) -> str:
    """Green when ``value`` meets the target; amber when it misses by at most
    ``amber_band`` percent of the target; red otherwise."""
    if target is None:
        return Status.NO_TARGET
    if value is None:
        return Status.NO_DATA
    band = target.target * target.amber_band / 100
    if target.direction == Direction.LOWER:
        if value <= target.target:
            return Status.GREEN
        return Status.AMBER if value <= target.target + band else Status.RED
    if value >= target.target:
        return Status.GREEN
    return Status.AMBER if value >= target.target - band else Status.RED


@dataclass
class Row:
    indicator: str
    label: str
    value: Decimal | None
    previous: Decimal | None
    target: ScorecardTarget | None
    status: str

    # Cached: a card's template asks for each of these several times per row.
    @cached_property
    def is_share(self) -> bool:
        return self.indicator in SHARES

    @cached_property
    def is_money(self) -> bool:
        return self.indicator == Indicator.INVESTMENT

    @cached_property
    def status_text(self) -> str:
        return str(STATUS_TEXT[self.status])

    @cached_property
    def status_icon(self) -> str:
        return STATUS_ICON[self.status]

    @cached_property
    def delta(self) -> Decimal | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @cached_property
    def delta_size(self) -> Decimal | None:
        return None if self.delta is None else abs(self.delta)

    @cached_property
    def trend(self) -> str:
        """The direction: "up", "down", "flat", or "" when there is nothing to
        compare."""
        delta = self.delta
        if delta is None:
            return ""
        return "up" if delta > 0 else "down" if delta < 0 else "flat"


@dataclass
class Card:
    program: Program
    rows: list[Row] = field(default_factory=list)
    unconverted: int = 0


def scorecards(programs: QuerySet[Program], period: Period) -> list[Card]:
    """One card per program of ``programs`` for ``period``.

    Nine queries whatever the number of programs: the programs, the seven
    grouped figure queries of :func:`_figures` and the targets.
    """
    previous = period.previous()
    ids = programs.order_by().values("pk")
    rows = list(programs.order_by("name", "pk"))
    figures = _figures(ids, period, previous)
    targets: dict[tuple[int, str], ScorecardTarget] = {
        (t.program_id, t.indicator): t
        for t in ScorecardTarget.objects.filter(program__in=ids)
    }
    cards = []
    for program in rows:
        data = figures.get(program.pk, FIGURES)
        now, before = _values(data, "now"), _values(data, "before")
        card = Card(program=program, unconverted=data["unconverted_now"])
        for indicator in Indicator:
            target = targets.get((program.pk, indicator.value))
            card.rows.append(
                Row(
                    indicator=indicator.value,
                    label=str(indicator.label),
                    value=now[indicator],
                    previous=before[indicator],
                    target=target,
                    status=status(now[indicator], target),
                )
            )
        cards.append(card)
    return cards
