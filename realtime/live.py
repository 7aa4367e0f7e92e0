"""Live notices for pages: an idea's comments, the staff board, the bell.

Each socket only says "this changed" ({"event": ...}); the page re-fetches the
region over HTTP, through the same views and access checks as any request. So
a consumer authenticates in connect(), runs the access rule before joining a
group, re-checks it when told access changed (closing with 4403 when it is
gone), and never acts on what the browser sends (4400).
"""

from __future__ import annotations

import json
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth.models import AnonymousUser
from django.urls import path

from hub.core.broadcast import groups
from hub.core.models import User
from hub.core.permissions import Forbidden, Hidden
from ideas.models import Idea
from realtime.refusals import CLOSE_BAD_MESSAGE, REFUSALS, close_code


class LiveConsumer(AsyncWebsocketConsumer):
    """Accept, check access, join groups; forward notices as small JSON."""

    closed = False

    async def connect(self) -> None:
        user = self.scope.get("user") or AnonymousUser()
        self.user_id: int | None = user.pk if user.is_authenticated else None
        refusal: Exception | None = None
        try:
            joined = await self.authorize()
        except REFUSALS as error:
            joined, refusal = [], error
        # Join before accepting, so nothing announced after the handshake is
        # missed; refuse after accepting, so the browser sees the 4403 code.
        for group in joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups.append(group)  # left again in websocket_disconnect
        await self.accept()
        if refusal is not None:
            await self.refuse(refusal)

    async def authorize(self) -> list[str]:
        """The groups to join; a refusal (:data:`realtime.refusals.REFUSALS`)
        when the person may not watch."""
        raise NotImplementedError

    async def refuse(self, refusal: Exception) -> None:
        self.closed = True
        for group in self.groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups = []
        await self.close(code=close_code(refusal))

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None
    ) -> None:
        if not self.closed:
            self.closed = True
            await self.close(code=CLOSE_BAD_MESSAGE)

    async def notice(self, event: str, **data: Any) -> None:
        if not self.closed:
            await self.send_json({"event": event, **data})

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content))

    async def dispatch(self, message: dict[str, Any]) -> None:
        # The idea and user groups are shared with other sockets (a plan's,
        # the bell's): a notice meant for those is none of this one's business,
        # where Channels would otherwise kill the consumer for want of a handler.
        if getattr(self, get_handler_name(message), None) is not None:
            await super().dispatch(message)

    async def access_changed(self, message: dict[str, Any]) -> None:
        user_id = message.get("user_id")  # absent: everyone re-checks
        if self.closed or (user_id is not None and user_id != self.user_id):
            return
        try:
            await self.authorize()
        except REFUSALS as refusal:
            await self.refuse(refusal)


@database_sync_to_async
def _active_user(user_id: int | None) -> User | None:
    """The person as they are now: a role change or deactivation counts."""
    if user_id is None:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


@database_sync_to_async
def _may_read_idea(user: User | None, idea_id: int) -> bool:
    """Same rule as the idea page (``ideas.access.get_idea_for_user``)."""
    who = user or AnonymousUser()
    idea = Idea.objects.visible_to(who).filter(pk=idea_id).first()
    return idea is not None and who.has_perm("ideas.read_idea", idea)


class IdeaConsumer(LiveConsumer):
    """ws/ideas/<id>/: anyone who may read the idea (anonymous: public ideas)."""

    async def authorize(self) -> list[str]:
        idea_id = int(self.scope["url_route"]["kwargs"]["idea_id"])
        user = await _active_user(self.user_id)
        if self.user_id is not None and user is None:
            raise Hidden
        if not await _may_read_idea(user, idea_id):
            raise Hidden
        joined = [groups.idea_group(idea_id)]
        if user is not None:  # a role change arrives on the person's group
            joined.append(groups.user_group(user.pk))
        return joined

    async def idea_changed(self, message: dict[str, Any]) -> None:
        await self.notice("idea.changed", what=message.get("what", ""))


class PipelineConsumer(LiveConsumer):
    """ws/pipeline/: the city's staff, like the board page."""

    async def authorize(self) -> list[str]:
        user = await _active_user(self.user_id)
        if user is None or not await database_sync_to_async(user.has_perm)(
            "ideas.run_pipeline"
        ):
            raise Forbidden
        return [groups.board_group(), groups.user_group(user.pk)]

    async def board_changed(self, message: dict[str, Any]) -> None:
        await self.notice("board.changed")


class NotificationsConsumer(LiveConsumer):
    """ws/notifications/: a signed-in person's own bell."""

    async def authorize(self) -> list[str]:
        user = await _active_user(self.user_id)
        if user is None:
            raise Forbidden
        return [groups.user_group(user.pk)]

    async def notify_changed(self, message: dict[str, Any]) -> None:
        await self.notice("notify.changed")


# django-stubs type path() for HTTP views only; Channels routes ASGI apps with it.
websocket_urlpatterns = [
    path("ws/ideas/<int:idea_id>/", IdeaConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/pipeline/", PipelineConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/notifications/", NotificationsConsumer.as_asgi()),  # type: ignore[arg-type]
]
