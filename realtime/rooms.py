"""Live documents held in memory: one Yjs ``Doc`` per open plan per process.

A :class:`Room` is shared by every local connection to one plan. It owns the
``Doc`` (touched only on the event-loop thread, never inside
``database_sync_to_async``), the presence table, the updates still to be
written, and its background tasks:

* **flush**: every update the room applies, from a local client or from
  another process, is appended to the log a few milliseconds later
  (``YJS_FLUSH_DELAY_MS``), merged into one row per batch and in the order
  applied; a failed write is retried, never dropped. Past
  ``YJS_COMPACT_AFTER_UPDATES`` rows the log is compacted.
* **Markdown copy**: the plan's plain text is saved at most once per
  ``YJS_TEXT_SAVE_DELAY_MS`` and at most that long after any change, local or
  from another process (so the last write has everything), and on unload.
  The CRDT state is never rebuilt from it.
* **receive / send**: the room, not each socket, subscribes to the plan's
  channel-layer group (one channel per process and room), before loading, so
  nothing applied elsewhere meanwhile is missed. It applies and relays what
  other processes send, answers their state vectors and presence queries, and
  hands ``access.changed`` notices to its sockets. What it sends goes out in
  order from one task (see :meth:`Room.publish`).
* **healing** (``YJS_HEAL_INTERVAL_MS``, 0 disables): the room sends its state
  vector to the other processes, which answer with what it lacks. Group
  messages are at-most-once; this repairs lost ones.

Every process writes everything it applied, so an update survives as long
as one process that applied it lives for one flush delay, and what a process
writes never depends on an update it did not write itself (each batch holds
what the room applied since the last one, after everything it loaded or wrote
before). Updates that arrive before one they depend on (Yjs keeps their
structs *pending*) are written too, and a room that loads such structs asks
the other processes and every client that connects for what is missing (sync
step 1 with its state vector), so they integrate once it comes. On SIGTERM
(Daphne's shutdown) every room is flushed before the process exits (within
``YJS_SHUTDOWN_FLUSH_TIMEOUT_MS``). How this adds up: docs/architecture.md,
"Durability".

Rooms are loaded under a per-room lock and unloaded ``YJS_ROOM_UNLOAD_DELAY_MS``
after their last connection left (0: at once).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
import time
import uuid
from collections import deque
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from pycrdt import Doc, Text, TransactionEvent, get_update, merge_updates

from hub.core.broadcast import groups
from ideas import documents as store
from ideas.plans import save_text
from realtime.presence import (
    Connection,
    Presence,
    RoomPresence,
    presence_entries,
    wire_presence,
)
from realtime.wire import encode
from realtime.yprotocol import (
    AwarenessEntry,
    awareness_message,
    decode_state_vector,
    sync_update,
)

logger = logging.getLogger(__name__)

#: Tags this process's channel-layer messages, so it ignores its own.
PROCESS_ID = uuid.uuid4().hex
_message_ids = itertools.count(1)

#: How many recent channel-layer message ids each room remembers, so that a
#: message delivered twice is handled once.
SEEN_MESSAGES = 4096


def new_message_id() -> str:
    return f"{PROCESS_ID}:{next(_message_ids)}"


def _ms(name: str, default: int) -> float:
    return max(0, int(getattr(settings, name, default))) / 1000


def flush_delay() -> float:
    return _ms("YJS_FLUSH_DELAY_MS", 10)


def text_save_delay() -> float:
    return _ms("YJS_TEXT_SAVE_DELAY_MS", 1000)


def heal_interval() -> float:
    return _ms("YJS_HEAL_INTERVAL_MS", 10_000)


def unload_delay() -> float:
    return _ms("YJS_ROOM_UNLOAD_DELAY_MS", 30_000)


def shutdown_flush_timeout() -> float:
    return _ms("YJS_SHUTDOWN_FLUSH_TIMEOUT_MS", 20_000)


def compact_after() -> int:
    return int(
        getattr(settings, "YJS_COMPACT_AFTER_UPDATES", store.COMPACT_AFTER_UPDATES)
    )


class Room(RoomPresence):
    def __init__(self, plan_id: int) -> None:
        self.plan_id = plan_id
        self.group = groups.doc_group(plan_id)
        self.loop = asyncio.get_running_loop()
        self.doc: Doc = Doc()
        self.text = self.doc.get(store.TEXT_NAME, type=Text)
        self._applied: list[bytes] = []
        self._subscription = self.doc.observe(self._on_transaction)
        self.lock = asyncio.Lock()
        self.channel: str | None = None
        self.loaded = False
        self.closed = False
        #: Local connections and the awareness client IDs each one announced.
        self.connections: dict[Connection, set[int]] = {}
        self.presence: dict[int, Presence] = {}
        self._seen: deque[str] = deque()
        self._seen_set: set[str] = set()
        self._pending: list[bytes] = []
        self._flush_wanted = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        #: Changes applied / included in the last saved Markdown copy.
        self._changes = 0
        self._saved_changes = 0
        #: Log rows this room loaded or wrote since the last compaction.
        self._log_rows = 0
        #: Whether the document holds structs waiting for a missing update.
        self.waiting = False
        #: Messages for the other processes, sent in order by one task.
        self._outbox: list[dict[str, Any]] = []
        self._outbox_ready = asyncio.Event()
        self._send_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[Any]] = []
        #: Applied updates not yet sent to the local connections.
        self._outgoing: list[bytes] = []
        self._fan_out_task: asyncio.Task[Any] | None = None
        self._text_task: asyncio.Task[Any] | None = None
        self._unload_handle: asyncio.TimerHandle | None = None

    # --- The document -----------------------------------------------------------

    def _on_transaction(self, event: TransactionEvent) -> None:
        # Fires only for transactions that changed something; ``update`` is
        # what actually changed (not the duplicate parts of what was applied).
        self._applied.append(event.update)

    def _apply(self, update: bytes) -> bytes | None:
        """Apply ``update`` and queue what it changed for the log; returns that
        (None if nothing). Raises ValueError if pycrdt cannot decode it."""
        self._applied.clear()
        self.doc.apply_update(update)
        applied, self._applied = self._applied, []
        effective = None
        if applied:
            effective = applied[0] if len(applied) == 1 else merge_updates(*applied)
            self._persist(effective)
            self._text_changed()
        # What it holds beyond our state could not integrate yet (it builds on
        # an update we have not got): written as well, it waits in the log
        # for the missing one as it waits here.
        left = get_update(update, self.doc.get_state())
        if store.has_structs(left):
            self._persist(left)
            if not self.waiting:
                self.waiting = True
                logger.warning(
                    "plan %s: an update waits for one it depends on", self.plan_id
                )
        return effective

    def _persist(self, update: bytes) -> None:
        self._pending.append(update)
        self._flush_wanted.set()

    def text_length(self) -> int:
        """The text's length in UTF-8 bytes (cheap; at least its length in
        characters)."""
        return len(self.text)

    def apply_local(self, update: bytes) -> bytes | None:
        """Apply an update from a local client; returns the effective update
        (None if it changed nothing), queued for the log. Raises ValueError if
        pycrdt cannot decode it."""
        return self._apply(update)

    def apply_remote(self, update: bytes) -> bytes | None:
        """Apply an update another process applied. It is written here too:
        that process may die before its own flush. (The Markdown copy is saved
        here too: the other process may have saved its copy before this
        arrived, and the last write wins.)"""
        return self._apply(update)

    def _text_changed(self) -> None:
        self._changes += 1
        if self._text_task is None or self._text_task.done():
            self._text_task = self.loop.create_task(self._save_text_soon())

    def diff(self, state_vector: bytes) -> bytes:
        return self.doc.get_update(state_vector)

    def lacks_from_us(self, state_vector: bytes, text_length: int) -> bool:
        """Whether a peer with this state vector and text length misses
        something we have. A delete does not advance any clock, so equal
        vectors with different lengths also count."""
        theirs = decode_state_vector(state_vector)
        ours = decode_state_vector(self.doc.get_state())
        if any(clock > theirs.get(client, 0) for client, clock in ours.items()):
            return True
        return theirs == ours and text_length != self.text_length()

    # --- Loading and persistence --------------------------------------------------

    async def load(self) -> None:
        layer = get_channel_layer()
        if layer is not None:  # subscribe first; messages wait in the channel
            self.channel = await layer.new_channel()
            await layer.group_add(self.group, self.channel)
        try:
            load = database_sync_to_async(store.load_updates)
            updates, _last = await load(self.plan_id)
            self._log_rows = len(updates)
            for update in updates:
                self.doc.apply_update(update)
            if store.orphans(updates, self.doc) is not None:
                # Repaired by whoever has the missing update: the other
                # processes answer the sync step 1 below, each client the one
                # it gets on connecting.
                self.waiting = True
                logger.warning(
                    "plan %s: the log holds updates whose dependencies are"
                    " missing; asking the other processes and the clients",
                    self.plan_id,
                )
        except BaseException:
            await self._unsubscribe()
            raise
        self.loaded = True
        self._tasks.append(self.loop.create_task(self._flush_loop()))
        if layer is not None:
            self._tasks.append(self.loop.create_task(self._receive_loop(layer)))
            self._tasks.append(self.loop.create_task(self._send_loop(layer)))
        if heal_interval() > 0:
            self._tasks.append(self.loop.create_task(self._heal_loop()))
        # What other processes applied but had not yet written when we read
        # the log, and who is already present there: asked before the first
        # client is served.
        self.send_sync_step1()
        self.publish({"type": "doc.awareness_query"})
        if layer is not None:
            await self.send_outbox(layer)

    async def _flush_loop(self) -> None:
        failures = 0
        while True:
            await self._flush_wanted.wait()
            await asyncio.sleep(flush_delay())
            try:
                await self.flush()
                failures = 0
            except Exception:
                failures += 1
                logger.exception("writing updates of plan %s failed", self.plan_id)
                await asyncio.sleep(min(0.1 * 2**failures, 5.0))

    async def flush(self) -> None:
        """Append every pending update to the log now (raises if the database
        does; the updates stay pending)."""
        async with self._flush_lock:
            while self._pending:
                batch, self._pending = self._pending, []
                self._flush_wanted.clear()
                update = batch[0] if len(batch) == 1 else merge_updates(*batch)
                try:
                    added = await database_sync_to_async(store.append)(
                        self.plan_id, [update]
                    )
                except BaseException:
                    self._pending[:0] = batch
                    self._flush_wanted.set()
                    raise
                # The rows this room knows of (those it loaded and wrote; the
                # other processes count theirs), so a write is one query.
                self._log_rows += added
                if self._log_rows >= compact_after():
                    try:
                        await database_sync_to_async(store.compact)(self.plan_id)
                        self._log_rows = 0
                    except Exception:  # the log is intact; compact next time
                        logger.exception("compacting plan %s failed", self.plan_id)

    async def _save_text_soon(self) -> None:
        """Save the Markdown copy at most once per delay, until it is current
        (a change made while a save runs gets its own save)."""
        try:
            while self._saved_changes < self._changes:
                await asyncio.sleep(text_save_delay())
                await self.save_text()
        except Exception:  # the next change or the unload saves it again
            logger.exception("saving the text of plan %s failed", self.plan_id)

    async def save_text(self) -> None:
        mark = self._changes
        await database_sync_to_async(save_text)(self.plan_id, store.doc_text(self.doc))
        self._saved_changes = max(self._saved_changes, mark)

    async def flush_now(self, deadline: float) -> None:
        """Write what is pending and the Markdown copy, retrying until
        ``deadline`` (monotonic); logs and gives up after it."""
        while True:
            try:
                await self.flush()
                if self._saved_changes < self._changes:
                    await self.save_text()
                return
            except Exception:
                if time.monotonic() >= deadline:
                    logger.exception(
                        "plan %s: %d updates could not be written before exiting",
                        self.plan_id,
                        len(self._pending),
                    )
                    return
                logger.warning("plan %s: writing failed, retrying", self.plan_id)
                await asyncio.sleep(0.2)

    # --- Channel layer ------------------------------------------------------------

    def publish(self, message: dict[str, Any]) -> None:
        """Queue a message for the other processes. One task sends them, in
        order: concurrent group_sends (one per socket) could overtake each other
        on different Redis connections, and an update that arrives before the
        one it builds on waits, unapplied, until that one comes."""
        if self.loaded and self.channel is not None and not self.closed:
            self._outbox.append(message)
            self._outbox_ready.set()

    async def _send_loop(self, layer: Any) -> None:
        while True:
            await self._outbox_ready.wait()
            await self.send_outbox(layer)

    async def send_outbox(self, layer: Any) -> None:
        """Send what is queued; consecutive updates travel as one message. A
        failure is logged, not raised: the updates are applied and persisted
        here, and healing repairs the other processes."""
        async with self._send_lock:
            self._outbox_ready.clear()
            batch, self._outbox = self._outbox, []
            for message in _coalesce(batch):
                message = {**message, "origin": PROCESS_ID, "id": new_message_id()}
                try:
                    await layer.group_send(self.group, message)
                except Exception:
                    logger.exception("group_send to %s failed", self.group)

    def first_sighting(self, message: dict[str, Any]) -> bool:
        """True the first time a message from another process arrives."""
        if message.get("origin") == PROCESS_ID:
            return False
        message_id = message.get("id")
        if not isinstance(message_id, str) or message_id in self._seen_set:
            return False
        self._seen.append(message_id)
        self._seen_set.add(message_id)
        if len(self._seen) > SEEN_MESSAGES:
            self._seen_set.discard(self._seen.popleft())
        return True

    async def _unsubscribe(self) -> None:
        layer, channel, self.channel = get_channel_layer(), self.channel, None
        if layer is not None and channel is not None:
            try:
                await layer.group_discard(self.group, channel)
            except Exception:
                logger.exception("leaving %s failed", self.group)

    async def _receive_loop(self, layer: Any) -> None:
        assert self.channel is not None
        while True:
            message = await layer.receive(self.channel)
            try:
                await self.handle(message)
            except Exception:
                logger.exception(
                    "plan %s: handling %s failed", self.plan_id, message.get("type")
                )

    async def handle(self, message: dict[str, Any]) -> None:
        """A message on the plan's group (from another process, or an
        ``access.changed`` notice from a service)."""
        kind = message.get("type")
        if kind == "access.changed":
            for connection in list(self.connections):
                await connection.notify(message)
            return
        if not self.first_sighting(message):
            return
        if kind == "doc.update":
            for update in message["updates"]:
                effective = self.apply_remote(update)
                if effective is not None:
                    self.fan_out(effective)
        elif kind == "doc.awareness":
            entries = presence_entries(message["entries"])
            accepted = self.accept_remote_awareness(message["origin"], entries)
            if accepted:
                await self.broadcast(awareness_message(accepted))
        elif kind == "doc.sync_step1":
            # It just loaded, or it heals: send it what it lacks.
            state_vector = message["state_vector"]
            if self.lacks_from_us(state_vector, message.get("text_length", -1)):
                self.publish(
                    {"type": "doc.update", "updates": [self.diff(state_vector)]}
                )
        elif kind == "doc.awareness_query":
            present = self.local_presence()
            if present:
                self.publish(
                    {"type": "doc.awareness", "entries": wire_presence(present)}
                )

    def send_sync_step1(self) -> None:
        self.publish(
            {
                "type": "doc.sync_step1",
                "state_vector": self.doc.get_state(),
                "text_length": self.text_length(),
            }
        )

    async def _heal_loop(self) -> None:
        while True:
            await asyncio.sleep(heal_interval())
            self.prune_presence()
            await self._resubscribe()
            self.send_sync_step1()

    async def _resubscribe(self) -> None:
        """Join the group again: a Redis that restarted has forgotten it, and
        a group membership also expires (the layer's ``group_expiry``)."""
        layer = get_channel_layer()
        if layer is not None and self.channel is not None:
            try:
                await layer.group_add(self.group, self.channel)
            except Exception:
                logger.exception("joining %s again failed", self.group)

    async def broadcast(
        self, frame: bytes, *, exclude: Connection | None = None
    ) -> None:
        """Send ``frame`` to every local connection (but ``exclude``), encoded
        once for all of them."""
        wire = encode(frame)
        for connection in list(self.connections):
            if connection is not exclude:
                await connection.send_frame(frame, wire)

    def fan_out(self, update: bytes) -> None:
        """Send an applied update to every local connection (its author too,
        as y-websocket's server does). Updates applied within one turn of the
        event loop travel together: merged into one update, in one frame per
        connection, so under load each socket gets fewer, larger frames
        instead of one per edit."""
        self._outgoing.append(update)
        if self._fan_out_task is None:
            self._fan_out_task = self.loop.create_task(self._fan_out())

    async def _fan_out(self) -> None:
        try:
            while self._outgoing:
                batch, self._outgoing = self._outgoing, []
                update = batch[0] if len(batch) == 1 else merge_updates(*batch)
                await self.broadcast(sync_update(update))
        finally:
            self._fan_out_task = None

    # --- Life cycle ---------------------------------------------------------------

    def detach(self, connection: Connection) -> list[AwarenessEntry]:
        """Remove a local connection; returns its presence removals."""
        removals = self.remove_presence_of(connection)
        self.connections.pop(connection, None)
        return removals

    async def unload(self) -> None:
        """Write everything and forget the room, unless someone joined again."""
        async with self.lock:
            if self.connections or self.closed:
                return
            try:
                await self.flush()
                if self._text_task is not None:
                    self._text_task.cancel()
                    await asyncio.gather(self._text_task, return_exceptions=True)
                if self._saved_changes < self._changes:
                    await self.save_text()
            except Exception:
                # Keep the state in memory and try again later.
                logger.exception("unloading plan %s failed", self.plan_id)
                self.schedule_unload(max(unload_delay(), 5.0))
                return
            layer = get_channel_layer()
            if layer is not None:  # (e.g. the presence removals of the last one)
                await self.send_outbox(layer)
            self.closed = True
            tasks = [*self._tasks, *([self._text_task] if self._text_task else [])]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._unsubscribe()
            self.doc.unobserve(self._subscription)
            if _rooms.get(self.plan_id) is self:
                del _rooms[self.plan_id]

    def schedule_unload(self, delay: float) -> None:
        self.cancel_unload()
        self._unload_handle = self.loop.call_later(
            delay, lambda: _spawn(self.loop, self.unload())
        )

    def cancel_unload(self) -> None:
        if self._unload_handle is not None:
            self._unload_handle.cancel()
            self._unload_handle = None


#: Open rooms of this process, by plan id.
_rooms: dict[int, Room] = {}
#: Background tasks that nothing else holds a reference to.
_background: set[asyncio.Task[Any]] = set()


def _spawn(loop: asyncio.AbstractEventLoop, coro: Any) -> asyncio.Task[Any]:
    task = loop.create_task(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)
    return task


async def flush_all() -> None:
    """Write what every open room has not written yet (on shutdown)."""
    deadline = time.monotonic() + shutdown_flush_timeout()
    rooms = list(_rooms.values())
    await asyncio.gather(*(room.flush_now(deadline) for room in rooms if room.loaded))


_shutdown_hook = False


def install_shutdown_hook() -> None:
    """Under Daphne (a running Twisted reactor), flush every room before the
    reactor stops: Daphne stops it on SIGTERM and SIGINT, and cancels the
    consumers alongside, so their own flush on leaving may never run."""
    global _shutdown_hook
    reactor: Any = sys.modules.get("twisted.internet.reactor")
    if _shutdown_hook or reactor is None or not getattr(reactor, "running", False):
        return
    # (Here, not at the top: only Daphne processes load Twisted.)
    from twisted.internet import defer

    def before_shutdown() -> Any:
        return defer.Deferred.fromFuture(asyncio.ensure_future(flush_all()))

    reactor.addSystemEventTrigger("before", "shutdown", before_shutdown)
    _shutdown_hook = True


def get_room(plan_id: int) -> Room | None:
    return _rooms.get(plan_id)


async def acquire(plan_id: int, connection: Connection) -> Room:
    """The loaded room of ``plan_id`` with ``connection`` in it. Raises if
    the state cannot be loaded.

    The connection is registered before the room loads, so an
    ``access.changed`` notice that arrives meanwhile reaches it too.
    """
    loop = asyncio.get_running_loop()
    while True:
        room = _rooms.get(plan_id)
        if room is None or room.loop is not loop:  # (a test's closed loop)
            room = _rooms[plan_id] = Room(plan_id)
            install_shutdown_hook()
        room.connections.setdefault(connection, set())
        room.cancel_unload()
        async with room.lock:
            if room.closed:
                room.connections.pop(connection, None)
                continue
            if not room.loaded:
                try:
                    await room.load()
                except BaseException:
                    room.connections.pop(connection, None)
                    if not room.connections and _rooms.get(plan_id) is room:
                        room.closed = True
                        del _rooms[plan_id]
                    raise
            return room


async def release(room: Room) -> None:
    """After a connection was detached: write its updates now, and unload the
    room once nobody is left (after the configured delay)."""
    try:
        await room.flush()
    except Exception:  # the flush task retries
        logger.exception("writing updates of plan %s failed", room.plan_id)
    if room.connections or room.closed:
        return
    delay = unload_delay()
    if delay <= 0:
        await room.unload()
    else:
        room.schedule_unload(delay)


def spawn(coro: Any) -> asyncio.Task[Any]:
    """Run ``coro`` in the background on the running loop, keeping a reference."""
    return _spawn(asyncio.get_running_loop(), coro)


def _coalesce(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge runs of ``doc.update`` messages into one (each update is still
    applied and relayed on its own)."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if message["type"] == "doc.update" and out and out[-1]["type"] == "doc.update":
            out[-1] = {**out[-1], "updates": [*out[-1]["updates"], *message["updates"]]}
        else:
            out.append(message)
    return out
