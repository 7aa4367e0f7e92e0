"""The only place that builds channel-layer group names."""

from __future__ import annotations

BOARD = "board"


def doc_group(plan_id: int) -> str:
    """Every connection (in any process) to one live plan document."""
    return f"doc.{plan_id}"


def idea_group(idea_id: int) -> str:
    """Everyone viewing one idea's page."""
    return f"idea.{idea_id}"


def board_group() -> str:
    """Staff viewing the pipeline board."""
    return BOARD


def user_group(user_id: int) -> str:
    """Every open page of one person (their notification bell, their sockets)."""
    return f"user.{user_id}"
