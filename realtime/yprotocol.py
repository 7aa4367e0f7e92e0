"""The y-websocket wire protocol (y-protocols sync + awareness), strictly parsed.

A frame is one message: ``[0, 0|1|2, varUint8Array]`` (sync step 1, step 2,
update), ``[1, varUint8Array(awareness update)]`` or ``[3]`` (query
awareness). The server also writes ``[2, 0, varString(reason)]`` (auth,
permission denied) before it closes a socket it refuses; no client sends it.
:func:`parse_message` reads a frame from an untrusted client and
raises :class:`ProtocolError` for anything else: an unknown type, a varUint
that is truncated or wider than 53 bits (lib0's limit), a length running past
the end, trailing bytes, awareness JSON that is not an object or null.

pycrdt's ``Decoder`` reads past the end of a buffer without complaint and its
``Encoder.write_var_string`` writes the character count instead of the UTF-8
byte count, so this module reads and writes the framing itself.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

MESSAGE_SYNC = 0
MESSAGE_AWARENESS = 1
MESSAGE_AUTH = 2
MESSAGE_QUERY_AWARENESS = 3

#: y-protocols/auth.js: the only auth message there is.
AUTH_PERMISSION_DENIED = 0

SYNC_STEP1 = 0
SYNC_STEP2 = 1
SYNC_UPDATE = 2

#: Frame kinds returned by :func:`parse_message`.
KIND_STEP1 = "sync_step1"
KIND_STEP2 = "sync_step2"
KIND_UPDATE = "sync_update"
KIND_AWARENESS = "awareness"
KIND_QUERY_AWARENESS = "query_awareness"
_SYNC_KINDS = {SYNC_STEP1: KIND_STEP1, SYNC_STEP2: KIND_STEP2, SYNC_UPDATE: KIND_UPDATE}

#: Number.MAX_SAFE_INTEGER: lib0 reads varUints of at most 53 bits.
MAX_VAR_UINT = 2**53 - 1
_MAX_VAR_UINT_BYTES = 8  # 8 × 7 bits = 56 bits ≥ 53

#: An update that changes nothing (no structs, empty delete set).
EMPTY_UPDATE = b"\x00\x00"


class ProtocolError(ValueError):
    """A frame that does not follow the protocol."""


class AwarenessEntry(NamedTuple):
    """One client's presence: ``state`` is a JSON object, or None once it left."""

    client_id: int
    clock: int
    state: dict[str, Any] | None


# --- Reading ------------------------------------------------------------------


class Reader:
    """Bounds-checked reading of lib0-encoded values from one buffer."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.data)

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def read_uint8(self) -> int:
        if self.pos >= len(self.data):
            raise ProtocolError("unexpected end of message")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def read_var_uint(self) -> int:
        value = 0
        for i in range(_MAX_VAR_UINT_BYTES):
            byte = self.read_uint8()
            value |= (byte & 0x7F) << (7 * i)
            if byte < 0x80:
                if value > MAX_VAR_UINT:
                    raise ProtocolError("integer out of range")
                return value
        raise ProtocolError("integer out of range")

    def read_var_bytes(self) -> bytes:
        length = self.read_var_uint()
        if length > self.remaining():
            raise ProtocolError("length runs past the end of the message")
        start = self.pos
        self.pos += length
        return bytes(self.data[start : self.pos])

    def read_var_string(self) -> str:
        try:
            return self.read_var_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("string is not UTF-8") from None

    def expect_end(self) -> None:
        if not self.at_end():
            raise ProtocolError("trailing bytes after the message")


def _reject_constant(name: str) -> Any:
    # Python accepts NaN and Infinity; JSON.parse in the browser does not, so
    # relaying them would break every peer's awareness handler.
    raise ProtocolError(f"{name} is not JSON")


def _parse_state(text: str) -> dict[str, Any] | None:
    try:
        state = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ProtocolError("awareness state is not JSON") from None
    if state is not None and not isinstance(state, dict):
        raise ProtocolError("awareness state is not an object or null")
    return state


def decode_awareness(payload: bytes) -> list[AwarenessEntry]:
    """The entries of an awareness update (``varUint n`` then n entries)."""
    reader = Reader(payload)
    count = reader.read_var_uint()
    if count > reader.remaining():  # each entry takes at least 3 bytes
        raise ProtocolError("more entries announced than the message holds")
    entries = []
    for _ in range(count):
        client_id = reader.read_var_uint()
        clock = reader.read_var_uint()
        state = _parse_state(reader.read_var_string())
        entries.append(AwarenessEntry(client_id, clock, state))
    reader.expect_end()
    return entries


def decode_state_vector(data: bytes) -> dict[int, int]:
    """A Yjs v1 state vector: ``varUint n`` then n × (client, clock)."""
    reader = Reader(data)
    count = reader.read_var_uint()
    if count > reader.remaining():
        raise ProtocolError("more clients announced than the message holds")
    vector = {}
    for _ in range(count):
        client = reader.read_var_uint()
        vector[client] = reader.read_var_uint()
    reader.expect_end()
    return vector


def parse_message(frame: bytes) -> tuple[str, Any]:
    """``(kind, payload)`` of one frame from a client.

    The payload is the state vector (bytes) for ``sync_step1``, the update
    (bytes) for ``sync_step2`` and ``sync_update``, the decoded entries
    (``list[AwarenessEntry]``) for ``awareness`` and ``b""`` for
    ``query_awareness``. Anything malformed raises :class:`ProtocolError`.
    """
    reader = Reader(frame)
    message_type = reader.read_var_uint()
    if message_type == MESSAGE_SYNC:
        sync_type = reader.read_var_uint()
        kind = _SYNC_KINDS.get(sync_type)
        if kind is None:
            raise ProtocolError(f"unknown sync message type {sync_type}")
        payload: Any = reader.read_var_bytes()
        if kind == KIND_STEP1:
            decode_state_vector(payload)
    elif message_type == MESSAGE_AWARENESS:
        kind, payload = KIND_AWARENESS, decode_awareness(reader.read_var_bytes())
    elif message_type == MESSAGE_QUERY_AWARENESS:
        kind, payload = KIND_QUERY_AWARENESS, b""
    else:
        raise ProtocolError(f"unknown message type {message_type}")
    reader.expect_end()
    return kind, payload


# --- Writing ------------------------------------------------------------------


def write_var_uint(value: int) -> bytes:
    if value < 0 or value > MAX_VAR_UINT:
        raise ValueError(f"{value} cannot be written as a varUint")
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def write_var_bytes(data: bytes) -> bytes:
    return write_var_uint(len(data)) + data


def write_var_string(text: str) -> bytes:
    return write_var_bytes(text.encode("utf-8"))


def sync_step1(state_vector: bytes) -> bytes:
    return bytes((MESSAGE_SYNC, SYNC_STEP1)) + write_var_bytes(state_vector)


def sync_step2(update: bytes) -> bytes:
    return bytes((MESSAGE_SYNC, SYNC_STEP2)) + write_var_bytes(update)


def sync_update(update: bytes) -> bytes:
    return bytes((MESSAGE_SYNC, SYNC_UPDATE)) + write_var_bytes(update)


def dump_state(state: dict[str, Any] | None) -> str:
    """Compact JSON that the browser's JSON.parse reads back (ASCII only)."""
    return json.dumps(state, separators=(",", ":"), allow_nan=False)


def encode_awareness(entries: list[AwarenessEntry]) -> bytes:
    """An awareness update holding ``entries``."""
    parts = [write_var_uint(len(entries))]
    for entry in entries:
        parts.append(write_var_uint(entry.client_id))
        parts.append(write_var_uint(entry.clock))
        parts.append(write_var_string(dump_state(entry.state)))
    return b"".join(parts)


def awareness_message(entries: list[AwarenessEntry]) -> bytes:
    return bytes((MESSAGE_AWARENESS,)) + write_var_bytes(encode_awareness(entries))


def permission_denied(reason: str) -> bytes:
    """The auth message y-websocket logs as "Permission denied to access <url>"
    with ``reason`` (``console.warn``); the close code that follows decides
    whether it reconnects."""
    return bytes((MESSAGE_AUTH, AUTH_PERMISSION_DENIED)) + write_var_string(reason)


def query_awareness() -> bytes:
    return bytes((MESSAGE_QUERY_AWARENESS,))


def encode_state_vector(vector: dict[int, int]) -> bytes:
    parts = [write_var_uint(len(vector))]
    for client, clock in vector.items():
        parts.append(write_var_uint(client))
        parts.append(write_var_uint(clock))
    return b"".join(parts)
