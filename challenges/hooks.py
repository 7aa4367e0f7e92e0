"""What challenges registers in ideas' hooks (:mod:`ideas.hooks`), from
:meth:`challenges.apps.ChallengesConfig.ready`: the review assignment as a
reviewer grant, the review gate on stage moves, the decision announcement and
the review panel on the idea page."""

from __future__ import annotations

from challenges.access import assigned_condition, is_assigned
from challenges.decisions import (
    announce_decision,
    is_decision,
    move_refusal,
    review_panel,
)
from hub.core.models import User
from ideas import hooks
from ideas.models import Idea, StageChange


def _announce(
    idea: Idea, source: str, target: str, change: StageChange, actor: User
) -> bool:
    """After reviews, a move is a decision: feedback in-app and by mail."""
    if not is_decision(idea, source, target):
        return False
    announce_decision(idea, change, actor=actor)
    return True


def register() -> None:
    hooks.register_reviewer_grant(assigned_condition, is_assigned)
    hooks.register_move_check(move_refusal)
    hooks.register_move_announcer(_announce)
    hooks.register_idea_panel("review_panel", review_panel)
