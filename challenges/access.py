"""Looking up challenges and review assignments for a person: 404 for what
they may not see."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404

from challenges.models import Challenge, ReviewAssignment


def get_challenge_for_user(user: Any, slug: str) -> Challenge:
    """The challenge with ``slug`` if ``user`` may see it; otherwise Http404
    (a program's challenge and a missing one look the same to outsiders)."""
    return get_object_or_404(
        Challenge.objects.visible_to(user).select_related("program", "rubric"),
        slug=slug,
    )


def active_assignments() -> Any:
    """Assignments still in force: a declared conflict takes the reviewer off."""
    return ReviewAssignment.objects.filter(conflict_declared_at__isnull=True)


def get_assignment_for_user(user: Any, pk: int) -> ReviewAssignment:
    """``user``'s own, non-conflicted assignment ``pk``; Http404 for anyone
    else, staff included (staff read reviews on the idea's review summary)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return get_object_or_404(ReviewAssignment.objects.none(), pk=pk)
    return get_object_or_404(
        active_assignments().select_related(
            "idea", "idea__owner", "idea__challenge", "idea__challenge__rubric"
        ),
        pk=pk,
        reviewer_id=user.pk,
    )


def assigned_condition(user: Any, idea_field: str = "pk") -> Q:
    """A ``Q`` on ideas true where ``user`` holds an active review assignment."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    return Q(
        Exists(
            active_assignments().filter(
                idea_id=OuterRef(idea_field), reviewer_id=user.pk
            )
        )
    )


def is_assigned(user: Any, idea: Any) -> bool:
    """Whether ``user`` is an active reviewer of ``idea`` (cached per instance)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    cache: dict[int, bool] = idea.__dict__.setdefault("_assigned_reviewers", {})
    if user.pk not in cache:
        cache[user.pk] = (
            active_assignments().filter(idea_id=idea.pk, reviewer_id=user.pk).exists()
        )
    return cache[user.pk]
