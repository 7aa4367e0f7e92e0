"""Read-side numbers for reviews, computed in the database.

Only submitted reviews of reviewers without a conflict count. The weighted
total of a review is Σ weight·score / Σ weight; an idea's total is the mean of
its reviews' totals (every submitted review scores every criterion).
"""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Avg,
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    QuerySet,
    StdDev,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf

from challenges.access import active_assignments
from challenges.models import Challenge, Criterion, Rubric, Score, rubric_for
from ideas.models import Idea
from ideas.stages import Stage


def submitted_scores() -> QuerySet[Score]:
    return Score.objects.filter(
        assignment__submitted_at__isnull=False,
        assignment__conflict_declared_at__isnull=True,
    )


def with_review_totals(ideas: QuerySet[Idea], total_weight: int) -> QuerySet[Idea]:
    """``ideas`` annotated with ``reviews`` (submitted count) and ``total``
    (mean weighted score, None without reviews), as subqueries: no fan-out."""
    reviews = (
        active_assignments()
        .filter(idea=OuterRef("pk"), submitted_at__isnull=False)
        .order_by()
        .values("idea")
        .annotate(n=Count("pk"))
        .values("n")
    )
    weighted = (
        submitted_scores()
        .filter(assignment__idea=OuterRef("pk"))
        .order_by()
        .values("assignment__idea")
        # Cast: on PostgreSQL smallint × smallint stays smallint and overflows.
        .annotate(s=Sum(Cast("value", IntegerField()) * F("criterion__weight")))
        .values("s")
    )
    return ideas.annotate(
        reviews=Coalesce(Subquery(reviews, output_field=IntegerField()), 0),
        weighted_sum=Subquery(weighted, output_field=IntegerField()),
    ).annotate(
        total=Cast("weighted_sum", FloatField())
        / Cast(NullIf(F("reviews") * Value(max(total_weight, 1)), 0), FloatField())
    )


def _stats_rows(scores: QuerySet[Score]) -> Any:
    return (
        scores.order_by()
        .values("assignment__idea_id", "criterion_id")
        .annotate(
            mean=Avg("value"),
            low=Min("value"),
            high=Max("value"),
            spread=StdDev("value"),
            count=Count("pk"),
        )
    )


def _per_criterion(criteria: list[Criterion], rows: dict[int, dict]) -> list[dict]:
    return [{"criterion": c, **rows.get(c.pk, {})} for c in criteria]


def ranking(challenge: Challenge) -> dict[str, Any]:
    """The challenge's submitted ideas ranked by weighted total (unreviewed
    last), each with per-criterion mean, min–max and standard deviation.

    Queries: the rubric's criteria, the ranked ideas (two subqueries), the
    per-(idea, criterion) statistics. Three, whatever the number of ideas.
    """
    rubric = challenge.rubric or Rubric.default()
    criteria = list(rubric.criteria.all())
    total_weight = sum(c.weight for c in criteria)
    ideas = list(
        with_review_totals(
            Idea.objects.filter(challenge=challenge).exclude(stage=Stage.DRAFT),
            total_weight,
        )
        .select_related("owner")
        .order_by(F("total").desc(nulls_last=True), "title", "pk")
    )
    by_idea: dict[int, dict[int, dict]] = {}
    for row in _stats_rows(
        submitted_scores().filter(assignment__idea__challenge=challenge)
    ):
        by_idea.setdefault(row["assignment__idea_id"], {})[row["criterion_id"]] = row
    for idea in ideas:
        # Read by the ranking template and challenges.views.
        idea.criterion_stats = _per_criterion(criteria, by_idea.get(idea.pk, {}))  # type: ignore[attr-defined]
    return {"rubric": rubric, "criteria": criteria, "ideas": ideas}


def criterion_stats(idea: Idea) -> dict[str, Any]:
    """Per criterion of the idea's rubric: mean, min, max, spread and count of
    the submitted scores, plus the weighted total and the review count."""
    rubric = rubric_for(idea)
    criteria = list(rubric.criteria.all())
    total_weight = sum(c.weight for c in criteria)
    rows = {
        row["criterion_id"]: row
        for row in _stats_rows(submitted_scores().filter(assignment__idea=idea))
    }
    totals = (
        with_review_totals(Idea.objects.filter(pk=idea.pk), total_weight)
        # "reviews" and "total" are with_review_totals' annotations, which the
        # django-stubs plugin cannot see through the helper.
        .values("reviews", "total")  # type: ignore[misc]
        .get()
    )
    return {
        "rubric": rubric,
        "criteria": criteria,
        "stats": _per_criterion(criteria, rows),
        "reviews": totals["reviews"],
        "total": totals["total"],
    }
