"""The y-websocket endpoint: ``ws/docs/<plan_id>`` (a trailing slash or not),
binary frames.

Speaks the standard protocol (see :mod:`realtime.yprotocol`), so the stock
y-websocket 3.1 client works unmodified, given the usual server URL and room
name (``new WebsocketProvider("wss://host/ws/docs", "6", doc)`` opens
``/ws/docs/6``). Close codes (all in 4400–4499, where the client stops
reconnecting):

* **4400** a malformed frame, an update pycrdt cannot decode, a text frame;
* **4403** nobody may open the plan (anonymous, outsider, unknown id), or
  read access was lost while connected (``access.changed``); also a handshake
  from a foreign origin (:mod:`realtime.origins`);
* **4404** a path under ``/ws/docs`` that names no plan (``/ws/docs/abc``,
  :mod:`realtime.routing`);
* **4413** a frame over ``YJS_MAX_MESSAGE_BYTES``, or an update that would take
  the text past ``YJS_MAX_DOC_CHARS`` (not applied);
* 1011 the document could not be loaded (the client retries).

Each applies to the offending socket only. Denied connections are accepted,
sent the y-protocols permission-denied message (the client logs its reason
with ``console.warn``) and then closed with the code: refusing the handshake
shows up as 1006 in the browser, and the client would retry forever. A
refusal (``hub.core.permissions``) becomes its close code in one place,
:func:`realtime.refusals.close_code`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.urls import path

from hub.core.broadcast import groups
from hub.core.colors import presence_color
from hub.core.models import User
from hub.core.permissions import Hidden
from ideas.access import get_plan_idea_for_user
from ideas.models import PLAN_MAX_CHARS, BusinessPlan
from realtime import rooms, yprotocol
from realtime.presence import wire_presence
from realtime.refusals import CLOSE_BAD_MESSAGE, REFUSALS, close_code
from realtime.wire import Outlet
from realtime.yprotocol import AwarenessEntry, ProtocolError

logger = logging.getLogger(__name__)

CLOSE_TOO_LARGE = 4413
CLOSE_INTERNAL_ERROR = 1011

_MAX_DB_ID = 2**63 - 1

#: The reasons sent with the permission-denied message. One text whether the
#: plan is hidden or does not exist, so ids leak nothing.
REASON_REFUSED = "you may not open this plan"
REASON_ACCESS_LOST = "your access to this plan has changed"


def max_message_bytes() -> int:
    return int(getattr(settings, "YJS_MAX_MESSAGE_BYTES", 8 * 1024 * 1024))


def max_doc_chars() -> int:
    return int(getattr(settings, "YJS_MAX_DOC_CHARS", PLAN_MAX_CHARS))


@dataclass(frozen=True)
class Access:
    user_id: int
    name: str
    can_edit: bool


def plan_access(user_id: int | None, plan_id: int) -> Access:
    """What ``user_id`` may do with plan ``plan_id`` right now; a refusal
    (:data:`realtime.refusals.REFUSALS`) if they may not open it. Reads the
    person afresh (role or activity may have changed) and runs the pages'
    access helper."""
    if user_id is None or not 0 < plan_id <= _MAX_DB_ID:
        raise Hidden
    user = User.objects.filter(pk=user_id, is_active=True).first()
    idea_id = (
        BusinessPlan.objects.filter(pk=plan_id)
        .values_list("idea_id", flat=True)
        .first()
    )

    if user is None or idea_id is None:
        raise Hidden
    idea = get_plan_idea_for_user(user, idea_id)
    return Access(user.pk, user.display_name, user.has_perm("ideas.edit_plan", idea))


class DocConsumer(AsyncWebsocketConsumer):
    #: Message types this consumer handles; anything else (e.g. a notification
    #: on the user's group) is ignored rather than crashing the socket.
    HANDLERS = frozenset(
        {
            "websocket_connect",
            "websocket_receive",
            "websocket_disconnect",
            "access_changed",
        }
    )

    room: rooms.Room | None = None
    _outlet: Outlet | None = None
    access: Access | None = None
    plan_id = 0
    _joined: list[str]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """As AsyncConsumer.__call__, but each source (the socket, the
        consumer's channel) is read by one loop of its own. Channels' loop
        makes a task and an ``asyncio.wait`` per message; here a frame that is
        already queued is taken at once, so a burst is handled back to back.
        Messages are still handled one at a time, in order per source."""
        self._joined = []
        self._turn = asyncio.Lock()
        self.scope = scope
        self.base_send = send
        layer = get_channel_layer(self.channel_layer_alias)
        pumps: list[asyncio.Task[None]] = []
        try:
            if layer is not None:
                self.channel_layer = layer
                self.channel_name = await layer.new_channel()
                channel_receive = functools.partial(layer.receive, self.channel_name)
                pumps.append(asyncio.ensure_future(self._pump(channel_receive)))
            await self._pump(receive)
        except StopConsumer:
            pass
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            if self.room is not None or self._joined:  # cancelled or crashed
                rooms.spawn(self._leave())

    async def _pump(self, source: Any) -> None:
        while True:
            message = await source()
            async with self._turn:
                await self.dispatch(message)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Unlike the base class, no close_old_connections() per frame: that is
        # a thread hop on the hot path, and every database call here goes
        # through database_sync_to_async, which does it anyway.
        try:
            name = get_handler_name(message)
        except ValueError:
            return
        if name not in self.HANDLERS:
            return
        try:
            await getattr(self, name)(message)
        except Exception:
            if name == "websocket_disconnect":
                raise
            logger.exception("live document %s: %s failed", self.plan_id, name)
            await self._close(CLOSE_INTERNAL_ERROR)

    # --- Connection ---------------------------------------------------------------

    async def connect(self) -> None:
        self.plan_id = int(self.scope["url_route"]["kwargs"]["plan_id"])
        await self.accept()
        user = self.scope.get("user")
        user_id = user.pk if user is not None and user.is_authenticated else None
        try:
            access = await database_sync_to_async(plan_access)(user_id, self.plan_id)
        except REFUSALS as refusal:
            await self.send_frame(yprotocol.permission_denied(REASON_REFUSED))
            await self.close(code=close_code(refusal))
            return
        self.access = access
        # Notices about this person; those about the plan (on its group) come
        # through the room, which subscribes to the group before loading.
        group = groups.user_group(access.user_id)
        await self.channel_layer.group_add(group, self.channel_name)
        self._joined.append(group)
        try:
            room = await rooms.acquire(self.plan_id, self)
        except Exception:
            logger.exception("loading live document %s failed", self.plan_id)
            await self._close(CLOSE_INTERNAL_ERROR)
            return
        self.room = room
        await self.send_frame(yprotocol.sync_step1(room.doc.get_state()))
        present = room.current_presence()
        if present:
            await self.send_frame(yprotocol.awareness_message(present))

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def send_frame(self, frame: bytes, wire: bytes | None = None) -> None:
        """Send one message; ``wire`` is it already encoded for a fan-out
        (:mod:`realtime.wire`)."""
        outlet = self._outlet
        if outlet is None:
            outlet = self._outlet = Outlet(self.scope, self.base_send)
        try:
            await outlet.send(frame, wire)
        except Exception:  # a closing socket must not break the sender's loop
            logger.debug("send to a closed socket", exc_info=True)

    async def _close(self, code: int, *, farewell: bytes | None = None) -> None:
        # Out of the room first (no frame is relayed to a closing socket), the
        # farewell and the close frame next, the slower clean-up (writing,
        # unloading) last.
        left = self._detach()
        if farewell is not None:
            await self.send_frame(farewell)
        await self.close(code=code)
        await self._clean_up(*left)

    async def _leave(self) -> None:
        """Leave the room (relaying this connection's presence removal) and the
        groups. Idempotent."""
        await self._clean_up(*self._detach())

    def _detach(self) -> tuple[rooms.Room | None, list[AwarenessEntry]]:
        room, self.room = self.room, None
        return room, (room.detach(self) if room is not None else [])

    async def _clean_up(
        self, room: rooms.Room | None, removals: list[AwarenessEntry]
    ) -> None:
        if room is not None:
            if removals:
                await room.broadcast(yprotocol.awareness_message(removals))
                room.publish(
                    {
                        "type": "doc.awareness",
                        "entries": wire_presence([(e, None) for e in removals]),
                    }
                )
            await rooms.release(room)
        joined, self._joined = self._joined, []
        for group in joined:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:
                logger.exception("leaving %s failed", group)

    # --- Frames from the client -------------------------------------------------

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None
    ) -> None:
        room = self.room
        if room is None:
            return
        if bytes_data is None:
            await self._close(CLOSE_BAD_MESSAGE)
            return
        if len(bytes_data) > max_message_bytes():
            await self._close(CLOSE_TOO_LARGE)
            return
        try:
            kind, payload = yprotocol.parse_message(bytes_data)
        except ProtocolError:
            await self._close(CLOSE_BAD_MESSAGE)
            return
        if kind == yprotocol.KIND_STEP1:
            try:
                diff = room.diff(payload)
            except ValueError:
                await self._close(CLOSE_BAD_MESSAGE)
                return
            await self.send_frame(yprotocol.sync_step2(diff))
        elif kind in (yprotocol.KIND_STEP2, yprotocol.KIND_UPDATE):
            await self._receive_update(room, payload)
        elif kind == yprotocol.KIND_AWARENESS:
            await self._receive_awareness(room, payload)
        elif kind == yprotocol.KIND_QUERY_AWARENESS:
            await self.send_frame(yprotocol.awareness_message(room.current_presence()))

    async def _receive_update(self, room: rooms.Room, update: bytes) -> None:
        if self.access is None or not self.access.can_edit:
            return  # read-only: dropped, neither applied nor relayed
        if room.text_length() + len(update) > max_doc_chars():
            await self._close(CLOSE_TOO_LARGE)
            return
        try:
            effective = room.apply_local(update)
        except ValueError:
            await self._close(CLOSE_BAD_MESSAGE)
            return
        if effective is None:
            return
        room.fan_out(effective)
        room.publish({"type": "doc.update", "updates": [effective]})

    async def _receive_awareness(
        self, room: rooms.Room, entries: list[AwarenessEntry]
    ) -> None:
        access = self.access
        if access is None:
            return
        user = {"name": access.name, "color": presence_color(access.user_id)}
        accepted = room.accept_local_awareness(self, access.user_id, user, entries)
        if not accepted:
            return
        await room.broadcast(yprotocol.awareness_message(accepted))
        room.publish(
            {
                "type": "doc.awareness",
                "entries": wire_presence([(e, access.user_id) for e in accepted]),
            }
        )

    # --- Notices ---------------------------------------------------------------------

    async def notify(self, message: dict[str, Any]) -> None:
        """A notice the room received on the plan's group: queue it on our own
        channel, so it is handled in turn with our frames."""
        try:
            await self.channel_layer.send(self.channel_name, message)
        except Exception:  # (a full channel) handle it now rather than lose it
            await self.access_changed(message)

    async def access_changed(self, message: dict[str, Any]) -> None:
        """Someone's access may have changed (``user_id``; absent: everyone's).
        Re-check ours: close with 4403 without read access, drop to read-only
        without edit access."""
        access = self.access
        if self.room is None or access is None:
            return
        user_id = message.get("user_id")
        if user_id is not None and user_id != access.user_id:
            return
        try:
            fresh = await database_sync_to_async(plan_access)(
                access.user_id, self.plan_id
            )
        except REFUSALS as refusal:
            self.access = None
            await self._close(
                close_code(refusal),
                farewell=yprotocol.permission_denied(REASON_ACCESS_LOST),
            )
        else:
            self.access = fresh


# django-stubs type path() for HTTP views only; Channels routes ASGI apps with it.
# y-websocket opens serverUrl + "/" + roomname, so the usual split ("…/ws/docs",
# "6") asks for no trailing slash; the editor's page gives "/ws/docs/6/".
_doc = DocConsumer.as_asgi()
websocket_urlpatterns = [
    path("ws/docs/<int:plan_id>", _doc, name="ws-doc"),  # type: ignore[arg-type]
    path("ws/docs/<int:plan_id>/", _doc, name="ws-doc-slash"),  # type: ignore[arg-type]
]
