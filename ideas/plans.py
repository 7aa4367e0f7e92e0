"""Business plans: creation from the Lean Canvas template, frozen versions, the
debounced Markdown copy of the live document."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from ideas import documents as store
from ideas.models import (
    BusinessPlan,
    Idea,
    PlanVersion,
    StageChange,
    lean_canvas_template,
)


def get_or_create_plan(idea: Idea) -> BusinessPlan:
    """The idea's plan, created on first use with the Lean Canvas template.

    The CRDT snapshot is seeded in the same transaction as the plan row, so a
    plan never exists without CRDT state and the state is never rebuilt from
    Markdown afterwards.
    """
    plan = BusinessPlan.objects.filter(idea=idea).first()
    if plan is not None:
        return plan
    text = lean_canvas_template(idea.title)
    try:
        with transaction.atomic():
            plan = BusinessPlan.objects.create(idea=idea, text=text)
            store.create_initial_snapshot(plan.pk, text)
    except IntegrityError:  # created meanwhile by another request
        plan = BusinessPlan.objects.get(idea=idea)
    return plan


def freeze_version(idea: Idea, change: StageChange | None) -> PlanVersion | None:
    """Freeze the plan's current text as the next numbered version.

    The text comes from the CRDT state in the database (applied edits are
    logged within milliseconds), not from the debounced Markdown copy.
    """
    plan = BusinessPlan.objects.filter(idea=idea).first()
    if plan is None:
        return None
    text = store.load_text(plan.pk)
    number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return PlanVersion.objects.create(
        plan=plan, number=number, text=text, stage_change=change
    )


def save_text(plan_id: int, text: str) -> None:
    """Keep the plan's Markdown copy current (called debounced by the sync server)."""
    BusinessPlan.objects.filter(pk=plan_id).update(
        text=text, text_updated_at=timezone.now()
    )
