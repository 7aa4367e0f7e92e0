"""Looking up ideas and comments for a person: 404 for what they may not see."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from hub.core.permissions import require
from ideas.models import Comment, Idea


def get_idea_for_user(user: Any, pk: int) -> Idea:
    """The idea with ``pk`` if ``user`` may see it; otherwise Http404.

    A hidden idea and a missing idea look the same, so ids leak nothing.
    """
    return get_object_or_404(
        Idea.objects.visible_to(user).select_related("owner"), pk=pk
    )


def get_comment_for_user(user: Any, pk: int) -> Comment:
    """A comment on an idea ``user`` may see; otherwise Http404."""
    visible = Idea.objects.visible_to(user).values("pk")
    return get_object_or_404(
        Comment.objects.select_related("idea", "author", "idea__owner"),
        pk=pk,
        idea__in=visible,
    )


def get_plan_idea_for_user(user: Any, pk: int) -> Idea:
    """The idea whose plan ``user`` may read; Http404 otherwise (a public idea's
    plan stays with its team, the city's staff and its assigned reviewers)."""
    idea = get_idea_for_user(user, pk)
    require(user, "ideas.read_plan", idea, hide=True)
    return idea
