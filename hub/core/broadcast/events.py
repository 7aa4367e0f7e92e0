"""Broadcast helpers. Service functions call these through
``transaction.on_commit``, so nothing is announced that was rolled back.

Messages are small notices ("this changed"); pages fetch the new state over
HTTP, through the same access checks as any other request.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from hub.core.broadcast import groups

logger = logging.getLogger(__name__)


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # a broadcast must never break the change that caused it
        logger.exception("broadcast to %s failed", group)


def on_commit(group: str, message: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _send(group, message))


def idea_moved(idea_id: int, from_stage: str, to_stage: str) -> None:
    message = {"type": "idea.changed", "idea": idea_id, "what": "stage",
               "from_stage": from_stage, "to_stage": to_stage}  # fmt: skip
    on_commit(groups.idea_group(idea_id), message)
    on_commit(groups.board_group(), {**message, "type": "board.changed"})


def comments_changed(idea_id: int) -> None:
    on_commit(
        groups.idea_group(idea_id),
        {"type": "idea.changed", "idea": idea_id, "what": "comments"},
    )


def team_changed(idea_id: int) -> None:
    on_commit(
        groups.idea_group(idea_id),
        {"type": "idea.changed", "idea": idea_id, "what": "team"},
    )


def notify(user_id: int) -> None:
    on_commit(groups.user_group(user_id), {"type": "notify.changed"})


def access_changed(idea_id: int, plan_id: int | None, user_id: int | None) -> None:
    """``user_id`` (None: everyone) may have lost access to the idea: their open
    sockets on it re-check access and close with 4403 if it is gone."""
    message: dict[str, Any] = {"type": "access.changed", "idea": idea_id}
    if user_id is not None:
        message["user_id"] = user_id
    if plan_id is not None:
        on_commit(groups.doc_group(plan_id), message)
    on_commit(groups.idea_group(idea_id), message)


def user_access_changed(user_id: int) -> None:
    """The person's role changed: every socket of theirs re-checks access."""
    on_commit(
        groups.user_group(user_id), {"type": "access.changed", "user_id": user_id}
    )
