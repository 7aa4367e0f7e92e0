"""Presence (Yjs awareness) in a room: who is in the document, bound to the
connection that announced it, with the name and colour taken from the account.

The server decides who an entry belongs to: a client ID belongs to the
connection that announced it first (another tab of the same person may take
it over), and every state's ``user`` field is overwritten from the account.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Protocol

from realtime.yprotocol import AwarenessEntry, dump_state

#: Presence older than this is not handed to joiners (clients drop peers
#: after 30 s without renewal, and renew every 15 s).
AWARENESS_TIMEOUT_S = 30.0
#: A connection may speak for this many awareness client IDs (a browser tab
#: uses one).
MAX_CLIENT_IDS_PER_CONNECTION = 4


class Connection(Protocol):
    """What a room needs from a local socket."""

    async def send_frame(self, frame: bytes, wire: bytes | None = None) -> None:
        """Send a message (``wire``: it already encoded, shared by a fan-out)."""

    async def notify(self, message: dict[str, Any]) -> None:
        """Handle a channel-layer notice (``access.changed``) in turn."""


@dataclass
class Presence:
    entry: AwarenessEntry
    #: The local connection that announced it, or the id of the process whose
    #: client did.
    owner: Connection | str
    user_id: int | None
    updated_at: float


class RoomPresence:
    """The presence half of :class:`realtime.rooms.Room`."""

    connections: dict[Connection, set[int]]
    presence: dict[int, Presence]

    def _newer(self, entry: AwarenessEntry, current: Presence | None) -> bool:
        if current is None:
            return True
        old = current.entry
        return entry.clock > old.clock or (
            entry.clock == old.clock and entry.state is None and old.state is not None
        )

    def accept_local_awareness(
        self,
        connection: Connection,
        user_id: int,
        user: dict[str, str],
        entries: list[AwarenessEntry],
    ) -> list[AwarenessEntry]:
        """Record a local client's presence; returns the entries to relay.

        A client ID belongs to the connection that announced it first (or to
        another connection of the same person, who may take it over when a tab
        reconnects); other claims are dropped. Each state's ``user`` is set
        from the account, whatever the client wrote.
        """
        own = self.connections.get(connection)
        if own is None:
            return []
        accepted = []
        now = time.monotonic()
        for entry in entries:
            current = self.presence.get(entry.client_id)
            if current is not None:
                # Taken: only by this connection or another tab of this person.
                allowed = current.owner is connection or current.user_id == user_id
            else:
                allowed = entry.client_id in own or (
                    entry.state is not None and len(own) < MAX_CLIENT_IDS_PER_CONNECTION
                )
            if not allowed or not self._newer(entry, current):
                continue
            if current is not None and current.owner is not connection:
                previous = (
                    None  # a str owner is another server's: not in self.connections
                    if isinstance(current.owner, str)
                    else self.connections.get(current.owner)
                )

                if previous is not None:
                    previous.discard(entry.client_id)
            if entry.state is None:
                self.presence.pop(entry.client_id, None)
                own.discard(entry.client_id)
                accepted.append(entry)
                continue
            entry = entry._replace(state={**entry.state, "user": user})
            self.presence[entry.client_id] = Presence(entry, connection, user_id, now)
            own.add(entry.client_id)
            accepted.append(entry)
        return accepted

    def accept_remote_awareness(
        self, origin: str, entries: list[tuple[AwarenessEntry, int | None]]
    ) -> list[AwarenessEntry]:
        """Record presence relayed by another process (which checked it)."""
        accepted = []
        now = time.monotonic()
        for entry, user_id in entries:
            current = self.presence.get(entry.client_id)
            if current is not None and not isinstance(current.owner, str):
                continue  # a local connection holds it (a tab that moved here)
            if not self._newer(entry, current):
                continue
            if entry.state is None:
                self.presence.pop(entry.client_id, None)
            else:
                self.presence[entry.client_id] = Presence(entry, origin, user_id, now)
            accepted.append(entry)
        return accepted

    def remove_presence_of(self, connection: Connection) -> list[AwarenessEntry]:
        """Forget a leaving connection's presence; returns the removals
        (state null, clock + 1) to relay."""
        removals = []
        for client_id in sorted(self.connections.get(connection, ())):
            current = self.presence.get(client_id)
            if current is not None and current.owner is connection:
                del self.presence[client_id]
                removals.append(
                    AwarenessEntry(client_id, current.entry.clock + 1, None)
                )
        return removals

    def current_presence(self) -> list[AwarenessEntry]:
        """Everyone present (for a joiner)."""
        self.prune_presence()
        return [p.entry for p in self.presence.values()]

    def local_presence(self) -> list[tuple[AwarenessEntry, int | None]]:
        """The presence this process's clients announced (for other processes)."""
        self.prune_presence()
        return [
            (p.entry, p.user_id)
            for p in self.presence.values()
            if not isinstance(p.owner, str)
        ]

    def prune_presence(self) -> None:
        """Drop presence relayed from other processes that was not renewed (its
        process may have died without announcing the departure)."""
        cutoff = time.monotonic() - AWARENESS_TIMEOUT_S
        for client_id, presence in list(self.presence.items()):
            if isinstance(presence.owner, str) and presence.updated_at < cutoff:
                del self.presence[client_id]


def presence_entries(
    items: list[list[Any]],
) -> list[tuple[AwarenessEntry, int | None]]:
    """Entries of a ``doc.awareness`` channel message (see :func:`wire_presence`)."""
    out = []
    for client_id, clock, state_json, user_id in items:
        state = None if state_json is None else json.loads(state_json)
        out.append((AwarenessEntry(int(client_id), int(clock), state), user_id))
    return out


def wire_presence(entries: list[tuple[AwarenessEntry, int | None]]) -> list[list[Any]]:
    """Presence for a channel message: JSON text rather than nested objects,
    since msgpack cannot carry every JSON number."""
    return [
        [
            e.client_id,
            e.clock,
            None if e.state is None else dump_state(e.state),
            user_id,
        ]
        for e, user_id in entries
    ]
