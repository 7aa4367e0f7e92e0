"""The pipeline dashboard's figures, each computed by the database.

``PipelineFilters`` turns the filter form into the ideas queryset every chart
starts from; each ``*_chart`` function runs one query (aggregate, window or raw
SQL) and returns a :class:`~reports.charts.Chart`. Nothing loops over ideas
or stage changes in Python: the loops below run over stages, months or groups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ideas.models import Idea, StageChange
from ideas.stages import BOARD_ORDER, PIPELINE, Stage
from reports.charts import Chart, Series

TOP_N = 8
OLDEST_PER_STAGE = 5
#: Stages an idea can wait in (the follow-up list).
OPEN_STAGES = [
    Stage.DRAFT,
    Stage.PROPOSED,
    Stage.SCREENING,
    Stage.PLANNING,
    Stage.PILOT,
]
LEAVING = [Stage.LAUNCHED, Stage.DECLINED, Stage.WITHDRAWN]
SECONDS_PER_DAY = 86_400


@dataclass
class PipelineFilters:
    """The cleaned filter values (all optional)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    program: Any = None
    challenge: Any = None
    tag: Any = None

    def _bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        tz = timezone.get_current_timezone()
        start = end = None
        if self.date_from:
            start = dt.datetime.combine(self.date_from, dt.time.min, tzinfo=tz)
        if self.date_to:
            end = dt.datetime.combine(
                self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz
            )
        return start, end

    def key(self) -> tuple[object, ...]:
        """The filters as plain values (for the figures cache)."""
        return (
            self.date_from,
            self.date_to,
            *(getattr(x, "pk", None) for x in (self.program, self.challenge, self.tag)),
        )

    def scope(self, ideas: QuerySet[Idea]) -> QuerySet[Idea]:
        """Program, challenge and tag: the ideas every chart counts."""
        if self.program is not None:
            ideas = ideas.filter(program=self.program)
        if self.challenge is not None:
            ideas = ideas.filter(challenge=self.challenge)
        if self.tag is not None:
            ideas = ideas.filter(tags=self.tag)
        return ideas

    def cohort(self, ideas: QuerySet[Idea]) -> QuerySet[Idea]:
        """The scope narrowed to ideas created in the date range."""
        ideas = self.scope(ideas)
        start, end = self._bounds()
        if start:
            ideas = ideas.filter(created_at__gte=start)
        if end:
            ideas = ideas.filter(created_at__lt=end)
        return ideas

    def in_range(self, qs: QuerySet, field: str) -> QuerySet:
        start, end = self._bounds()
        if start:
            qs = qs.filter(**{f"{field}__gte": start})
        if end:
            qs = qs.filter(**{f"{field}__lt": end})
        return qs


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# Ideas in each stage now, and ideas that ever reached each stage: an idea
# reached a stage if it is in it now or has a stage change into or out of it.
# One pass over the cohort's stage changes, grouped per idea, flags each stage
# the idea touched; the cohort's ideas, joined to their flags, are then summed
# per stage. (Deduplicating (idea, stage) pairs with UNION sorts three times
# as many rows, and a per-idea EXISTS per stage probes the changes 8 × ideas
# times.) The stage names are the code's own constants.
_STAGE_FLAG = (
    "MAX(CASE WHEN c.to_stage = '{s}' OR c.from_stage = '{s}' THEN 1 ELSE 0 END)"
    " AS t_{s}"
)
_STAGE_SUMS = (
    "SUM(CASE WHEN i.stage = '{s}' THEN 1 ELSE 0 END) AS now_{s}, "
    "SUM(CASE WHEN i.stage = '{s}' OR t.t_{s} = 1 THEN 1 ELSE 0 END) AS reached_{s}"
)
STAGE_COUNTS_SQL = """
    WITH cohort (cohort_id) AS ({{cohort}})
    SELECT {sums}
    FROM {{ideas}} i
    LEFT JOIN (
        SELECT c.idea_id, {flags}
        FROM {{changes}} c
        WHERE c.idea_id IN (SELECT cohort_id FROM cohort)
        GROUP BY c.idea_id
    ) t ON t.idea_id = i.id
    WHERE i.id IN (SELECT cohort_id FROM cohort)
""".format(  # noqa: S608
    sums=", ".join(_STAGE_SUMS.format(s=stage.value) for stage in Stage),
    flags=", ".join(_STAGE_FLAG.format(s=stage.value) for stage in Stage),
)


def stage_counts(cohort: QuerySet[Idea]) -> dict[str, int]:
    """One query: ``now_<stage>`` (ideas in each stage now) and
    ``reached_<stage>`` (ideas that ever reached it), for every stage."""
    cohort_sql, params = cohort.order_by().values("pk").query.sql_with_params()
    sql = STAGE_COUNTS_SQL.format(
        cohort=cohort_sql, ideas=Idea._meta.db_table, changes=StageChange._meta.db_table
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        row = cursor.fetchone()
    return {name: int(value or 0) for name, value in zip(names, row, strict=True)}


def stages_now_chart(counts: dict[str, int], csv_url: Callable[[str], str]) -> Chart:
    return Chart(
        slug="stages",
        title=_("Ideas in each stage now"),
        kind="bar",
        labels=[s.label for s in BOARD_ORDER],
        series=[Series(_("Ideas"), [counts[f"now_{s.value}"] for s in BOARD_ORDER])],
        csv_url=csv_url("stages"),
        x_label=_("Stage"),
        y_label=_("Ideas"),
    )


def conversion_chart(counts: dict[str, int], csv_url: Callable[[str], str]) -> Chart:
    labels, shares = [], []
    for stage, following in zip(PIPELINE, PIPELINE[1:], strict=False):
        here, there = (
            counts[f"reached_{stage.value}"],
            counts[f"reached_{following.value}"],
        )
        labels.append(
            _("%(stage)s → %(next)s (%(there)d of %(here)d)")
            % {
                "stage": stage.label,
                "next": following.label,
                "there": there,
                "here": here,
            }
        )
        shares.append(_percent(there, here))
    return Chart(
        slug="conversion",
        title=_("Stage-to-stage conversion"),
        kind="bar",
        labels=labels,
        series=[Series(_("Conversion (%)"), shares)],
        csv_url=csv_url("conversion"),
        x_label=_("Step"),
        y_label=_("% of the ideas that reached the stage"),
    )


# Time in stage --------------------------------------------------------------
#
# A stay in a stage starts when the idea enters it (the previous stage change,
# or the idea's creation for its first stage) and ends at the stage change
# that leaves it; stays still going on are not counted. LAG() over each idea's
# changes finds the start. Percentiles are continuous (linear interpolation
# between the two nearest stays, as PostgreSQL's percentile_cont and
# spreadsheets' PERCENTILE do); SQLite has no percentile aggregate, so there
# the stays are numbered per stage with ROW_NUMBER() and the two rows around
# each percentile's position are weighted in a SUM.

_STAYS_SQLITE = """
    SELECT c.from_stage AS stage,
           (julianday(c.at) - julianday(COALESCE(
               LAG(c.at) OVER (PARTITION BY c.idea_id ORDER BY c.at, c.id),
               i.created_at))) * 86400.0 AS secs
    FROM {changes} c JOIN {ideas} i ON i.id = c.idea_id
    WHERE c.idea_id IN ({cohort})
"""

_STAYS_POSTGRES = """
    SELECT c.from_stage AS stage,
           EXTRACT(EPOCH FROM c.at - COALESCE(
               LAG(c.at) OVER (PARTITION BY c.idea_id ORDER BY c.at, c.id),
               i.created_at))::double precision AS secs
    FROM {changes} c JOIN {ideas} i ON i.id = c.idea_id
    WHERE c.idea_id IN ({cohort})
"""


def _interpolated(pos: str) -> str:
    lo = f"CAST({pos} AS INTEGER)"
    return (
        f"SUM(CASE WHEN i = {lo} THEN secs * (1 - ({pos} - {lo})) "
        f"WHEN i = {lo} + 1 THEN secs * ({pos} - {lo}) ELSE 0 END)"
    )


# Constant SQL: only table names and the ORM-compiled cohort (with its params)
# are filled in below, by stage_durations().
PERCENTILES_SQLITE = f"""
    WITH stays AS ({_STAYS_SQLITE}),
    ranked AS (
        SELECT stage, secs,
               ROW_NUMBER() OVER (PARTITION BY stage ORDER BY secs) - 1 AS i,
               COUNT(*) OVER (PARTITION BY stage) AS n
        FROM stays
    ),
    placed AS (
        SELECT stage, secs, i, n, 0.5 * (n - 1) AS p50, 0.9 * (n - 1) AS p90
        FROM ranked
    )
    SELECT stage, MAX(n), {_interpolated("p50")}, {_interpolated("p90")}
    FROM placed GROUP BY stage
"""  # noqa: S608

PERCENTILES_POSTGRES = f"""
    WITH stays AS ({_STAYS_POSTGRES})
    SELECT stage, COUNT(*),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY secs),
           percentile_cont(0.9) WITHIN GROUP (ORDER BY secs)
    FROM stays GROUP BY stage
"""  # noqa: S608


def stage_durations(cohort: QuerySet[Idea]) -> dict[str, tuple[int, float, float]]:
    """One query: {stage: (completed stays, median seconds, p90 seconds)}."""
    cohort_sql, params = cohort.order_by().values("pk").query.sql_with_params()
    template = (
        PERCENTILES_POSTGRES
        if connection.vendor == "postgresql"
        else PERCENTILES_SQLITE
    )
    sql = template.format(
        changes=StageChange._meta.db_table, ideas=Idea._meta.db_table, cohort=cohort_sql
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {stage: (n, p50, p90) for stage, n, p50, p90 in cursor.fetchall()}


def _days(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / SECONDS_PER_DAY, 1)


def durations_chart(
    durations: dict[str, tuple[int, float, float]], csv_url: Callable[[str], str]
) -> Chart:
    stages = [s for s in OPEN_STAGES if s.value in durations]
    return Chart(
        slug="time-in-stage",
        title=_("Time in each stage (days)"),
        kind="bar",
        labels=[
            _("%(stage)s (%(count)d stays)")
            % {"stage": s.label, "count": durations[s][0]}
            for s in stages
        ],
        series=[
            Series(_("Median (days)"), [_days(durations[s][1]) for s in stages]),
            Series(
                _("90th percentile (days)"), [_days(durations[s][2]) for s in stages]
            ),
        ],
        csv_url=csv_url("time-in-stage"),
        x_label=_("Stage"),
        y_label=_("Days"),
    )


# Flows per month ------------------------------------------------------------


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _month_key(value: dt.datetime | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def flows_chart(
    scope: QuerySet[Idea], filters: PipelineFilters, csv_url: Callable[[str], str]
) -> Chart:
    """Two queries: ideas created per month; submissions and exits per month."""
    created = filters.in_range(scope.order_by(), "created_at")
    created_rows = (
        created.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    moves = filters.in_range(
        StageChange.objects.filter(idea__in=scope.order_by().values("pk")), "at"
    ).filter(
        Q(from_stage=Stage.DRAFT, to_stage=Stage.PROPOSED) | Q(to_stage__in=LEAVING)
    )
    move_rows = (
        moves.order_by()
        .annotate(month=TruncMonth("at"))
        .values("month", "to_stage")
        .annotate(n=Count("pk"))
        .values_list("month", "to_stage", "n")
    )
    counts: dict[tuple[dt.date, str], int] = {}
    for month, n in created_rows:
        counts[(_month_key(month), "created")] = n
    for month, to_stage, n in move_rows:
        key = "submitted" if to_stage == Stage.PROPOSED else to_stage
        counts[(_month_key(month), key)] = counts.get((_month_key(month), key), 0) + n
    # The axis spans the months that have events (within the filter's range).
    seen = sorted({month for month, _key in counts})
    months = _months(seen[0], seen[-1]) if seen else []
    columns = [
        ("created", _("Created")),
        ("submitted", _("Submitted")),
        (Stage.LAUNCHED.value, _("Launched")),
        (Stage.DECLINED.value, _("Declined")),
        (Stage.WITHDRAWN.value, _("Withdrawn")),
    ]
    return Chart(
        slug="flows",
        title=_("Ideas entering and leaving per month"),
        kind="line",
        labels=[m.strftime("%Y-%m") for m in months],
        series=[
            Series(label, [counts.get((m, key), 0) for m in months])
            for key, label in columns
        ],
        csv_url=csv_url("flows"),
        x_label=_("Month"),
        y_label=_("Ideas"),
    )


# Groups ---------------------------------------------------------------------

GROUPS = {
    "by-challenge": ("challenge__title", gettext_lazy("Ideas by challenge"),
                     gettext_lazy("Challenge"), gettext_lazy("No challenge")),
    "by-program": ("program__name", gettext_lazy("Ideas by program"),
                   gettext_lazy("Program"), gettext_lazy("No program")),
    "by-tag": ("tags__name", gettext_lazy("Ideas by tag"),
               gettext_lazy("Tag"), gettext_lazy("No tag")),
}  # fmt: skip


def group_chart(
    cohort: QuerySet[Idea], slug: str, csv_url: Callable[[str], str]
) -> Chart:
    """One query: ideas per group, the top :data:`TOP_N` and the rest as "Other"."""
    field, title, x_label, none_label = GROUPS[slug]
    rows = list(
        cohort.order_by()
        .values_list(field)
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", field)
    )
    top, rest = rows[:TOP_N], rows[TOP_N:]
    labels = [name if name is not None else str(none_label) for name, _n in top]
    values = [n for _name, n in top]
    if rest:
        labels.append(_("Other (%(count)d more)") % {"count": len(rest)})
        values.append(sum(n for _name, n in rest))
    return Chart(
        slug=slug,
        title=str(title),
        kind="bar",
        labels=labels,
        series=[Series(_("Ideas"), values)],
        csv_url=csv_url(slug),
        x_label=str(x_label),
        y_label=_("Ideas"),
    )


def feedback_chart(cohort: QuerySet[Idea], csv_url: Callable[[str], str]) -> Chart:
    """One query: declines (stage changes to Declined) with and without a note."""
    declines = StageChange.objects.filter(
        idea__in=cohort.order_by().values("pk"), to_stage=Stage.DECLINED
    )
    counts = declines.order_by().aggregate(
        total=Count("pk"), with_note=Count("pk", filter=~Q(note=""))
    )
    total, with_note = counts["total"], counts["with_note"]
    return Chart(
        slug="declined-feedback",
        title=_("Declined with feedback"),
        kind="doughnut",
        labels=[
            _("With written feedback (%(share)s%%)")
            % {"share": _percent(with_note, total) or 0},
            _("Without feedback (%(share)s%%)")
            % {"share": _percent(total - with_note, total) or 0},
        ],
        series=[Series(_("Declines"), [with_note, total - with_note])],
        csv_url=csv_url("declined-feedback"),
        x_label=_("Feedback"),
    )


def oldest_waiting(cohort: QuerySet[Idea]) -> list[dict[str, Any]]:
    """One query: the ideas waiting longest in each open stage (the follow-up list)."""
    ranked = (
        cohort.filter(stage__in=OPEN_STAGES)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("stage"),
                order_by=[F("stage_changed_at").asc(), F("pk").asc()],
            )
        )
        .filter(rank__lte=OLDEST_PER_STAGE)
        .select_related("owner")
        .order_by("stage_changed_at", "pk")
    )
    by_stage: dict[str, list[Idea]] = {s.value: [] for s in OPEN_STAGES}
    for idea in ranked:
        by_stage[idea.stage].append(idea)
    groups = [{"stage": s, "ideas": by_stage[s.value]} for s in OPEN_STAGES]
    return count_days_waiting(groups)


def count_days_waiting(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Set each idea's ``days_in_stage`` as of now (also on a cached list)."""
    now = timezone.now()
    for group in groups:
        for idea in group["ideas"]:
            idea.days_in_stage = (now - idea.stage_changed_at).days
    return groups


CHART_SLUGS = (
    "stages", "conversion", "time-in-stage", "flows", "by-challenge", "by-program",
    "by-tag", "declined-feedback",
)  # fmt: skip


def build_chart(
    slug: str, ideas: QuerySet[Idea], filters: PipelineFilters,
    csv_url: Callable[[str], str], counts: dict[str, int] | None = None,
) -> Chart:  # fmt: skip
    """One chart by slug (the CSV view); ``counts`` shares the stage query."""
    cohort = filters.cohort(ideas)
    if slug in ("stages", "conversion"):
        counts = counts if counts is not None else stage_counts(cohort)
        builder = stages_now_chart if slug == "stages" else conversion_chart
        return builder(counts, csv_url)
    if slug == "time-in-stage":
        return durations_chart(stage_durations(cohort), csv_url)
    if slug == "flows":
        return flows_chart(filters.scope(ideas), filters, csv_url)
    if slug in GROUPS:
        return group_chart(cohort, slug, csv_url)
    if slug == "declined-feedback":
        return feedback_chart(cohort, csv_url)
    raise KeyError(slug)


def all_charts(
    ideas: QuerySet[Idea], filters: PipelineFilters, csv_url: Callable[[str], str]
) -> list[Chart]:
    counts = stage_counts(filters.cohort(ideas))
    return [build_chart(s, ideas, filters, csv_url, counts) for s in CHART_SLUGS]
