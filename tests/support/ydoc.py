"""Helpers for the live-document tests (no tests here): a y-websocket client
made of a pycrdt ``Doc`` and :mod:`realtime.yprotocol` that behaves like the
browser's, fixtures for plans and fast room settings."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from pycrdt import Doc, Text, TransactionEvent

from hub.asgi import application
from hub.core.colors import presence_color
from ideas import documents as store
from ideas.models import BusinessPlan
from ideas.plans import get_or_create_plan
from realtime import rooms, yprotocol
from realtime.refusals import CLOSE_FORBIDDEN
from realtime.yprotocol import AwarenessEntry

db = database_sync_to_async

#: Rooms that write at once, save the Markdown copy quickly, do not heal on
#: a timer and unload as soon as the last socket leaves.
FAST_ROOMS = {
    "YJS_FLUSH_DELAY_MS": 1,
    "YJS_TEXT_SAVE_DELAY_MS": 20,
    "YJS_HEAL_INTERVAL_MS": 0,
    "YJS_ROOM_UNLOAD_DELAY_MS": 0,
}


@pytest.fixture
def fast_rooms(settings):
    for name, value in FAST_ROOMS.items():
        setattr(settings, name, value)
    yield settings
    leftover = dict(rooms._rooms)
    rooms._rooms.clear()
    assert not leftover, f"rooms left open: {leftover}"


@pytest.fixture
def plan(team_idea) -> BusinessPlan:
    """The plan of an idea owned by "owner" with "editor" and "viewer"."""
    return get_or_create_plan(team_idea())


@pytest.fixture
def logins(client_for) -> dict[str, Client]:
    """A logged-in test client per persona (anonymous: none), made before the
    test's event loop runs (logging in is synchronous)."""
    return {
        persona: client_for(persona)
        for persona in (
            "anonymous",
            "outsider",
            "viewer",
            "editor",
            "owner",
            "reviewer",
            "staff",
        )
    }


def headers_for(client: Client | None) -> list[tuple[bytes, bytes]]:
    """A browser's handshake headers on http://testserver: the Host it asks,
    the page's own Origin (:mod:`realtime.origins` compares the two) and the
    session cookie, if ``client`` is signed in."""
    headers = [(b"host", b"testserver"), (b"origin", b"http://testserver")]
    if client is not None and "sessionid" in client.cookies:
        cookie = f"sessionid={client.cookies['sessionid'].value}"
        headers.append((b"cookie", cookie.encode()))
    return headers


class YClient:
    """One browser tab: a Yjs document synced over the socket."""

    def __init__(self, communicator: WebsocketCommunicator, doc: Doc | None) -> None:
        self.comm = communicator
        self.doc = doc if doc is not None else Doc()
        self.text = self.doc.get(store.TEXT_NAME, type=Text)
        self.outbox: list[bytes] = []
        self._remote = False
        self._subscription = self.doc.observe(self._on_transaction)

    def _on_transaction(self, event: TransactionEvent) -> None:
        if not self._remote:
            self.outbox.append(event.update)

    @classmethod
    async def open(
        cls, plan_id: int, client: Client | None = None, *, doc: Doc | None = None
    ) -> YClient:
        communicator = WebsocketCommunicator(
            application, f"/ws/docs/{plan_id}/", headers=headers_for(client)
        )
        connected, _subprotocol = await communicator.connect(timeout=5)
        assert connected
        return cls(communicator, doc)

    @classmethod
    async def join(
        cls, plan_id: int, client: Client | None = None, *, doc: Doc | None = None
    ) -> YClient:
        """Open and sync as y-websocket does; expects nobody to be present."""
        me = await cls.open(plan_id, client, doc=doc)
        await me.sync()
        return me

    # --- Frames ---------------------------------------------------------------------

    async def send(self, frame: bytes) -> None:
        # (send_to() refuses an empty frame, which a client can send.)
        await self.comm.send_input({"type": "websocket.receive", "bytes": frame})

    async def recv(self, timeout: float = 3) -> tuple[str, Any]:
        frame = await self.comm.receive_from(timeout)
        assert isinstance(frame, bytes), frame
        return yprotocol.parse_message(frame)

    async def expect_closed(
        self, code: int, timeout: float = 3, *, reason: str | None = None
    ) -> None:
        """The socket closes with ``code``. A refusal (4403) comes after the
        y-protocols permission-denied message, with ``reason`` if given."""
        output = await self.comm.receive_output(timeout)
        if code == CLOSE_FORBIDDEN:
            assert output["type"] == "websocket.send", output
            denied = permission_denied_reason(output["bytes"])
            assert reason is None or denied == reason, denied
            output = await self.comm.receive_output(timeout)
        assert output == {"type": "websocket.close", "code": code}

    async def expect_nothing(self, timeout: float = 0.1) -> None:
        assert await self.comm.receive_nothing(timeout=timeout)

    async def close(self) -> None:
        await self.comm.disconnect(timeout=5)

    # --- Sync -------------------------------------------------------------------------

    def apply(self, update: bytes) -> None:
        self._remote = True
        try:
            self.doc.apply_update(update)
        finally:
            self._remote = False

    async def sync(self, presence: list[AwarenessEntry] | None = None) -> bytes:
        """The handshake: the server's Step1 (and the presence it knows) first,
        then ours; we answer its Step1 and apply its Step2, which we return."""
        kind, server_state = await self.recv()
        assert kind == yprotocol.KIND_STEP1
        if presence:
            assert await self.recv() == (yprotocol.KIND_AWARENESS, presence)
        await self.send(yprotocol.sync_step1(self.doc.get_state()))
        await self.send(yprotocol.sync_step2(self.doc.get_update(server_state)))
        kind, update = await self.recv()
        assert kind == yprotocol.KIND_STEP2
        self.apply(update)
        self.outbox.clear()
        return update

    async def push(self) -> list[bytes]:
        """Send our local edits as update messages; returns them."""
        sent, self.outbox = self.outbox, []
        for update in sent:
            await self.send(yprotocol.sync_update(update))
        return sent

    async def expect_update(self, update: bytes | None = None) -> bytes:
        """Receive one update (exactly ``update`` if given) and apply it."""
        kind, payload = await self.recv()
        assert kind == yprotocol.KIND_UPDATE
        if update is not None:
            assert payload == update
        self.apply(payload)
        return payload

    async def say(self, client_id: int, clock: int, state: dict | None) -> None:
        await self.send(
            yprotocol.awareness_message([AwarenessEntry(client_id, clock, state)])
        )


def permission_denied_reason(frame: bytes) -> str:
    """The reason of a y-protocols permission-denied message (``[2, 0,
    varString]``); fails on any other frame."""
    reader = yprotocol.Reader(frame)
    assert reader.read_var_uint() == yprotocol.MESSAGE_AUTH, frame
    assert reader.read_var_uint() == yprotocol.AUTH_PERMISSION_DENIED, frame
    reason = reader.read_var_string()
    reader.expect_end()
    return reason


def user_field(user: Any) -> dict[str, str]:
    return {"name": user.display_name, "color": presence_color(user.pk)}
