"""Sending one frame to many sockets cheaply.

A document's fan-out sends the same frame to every connection in it. Through
ASGI each send is a message that the server turns into a WebSocket frame, one
socket at a time. Under Daphne, an :class:`Outlet` writes the frame's bytes
straight to the socket's transport instead, with the frame encoded once for
every socket (frames from a server are not masked, so the same bytes serve
them all). Anywhere else (the tests' communicator, another ASGI server) it
falls back to the ASGI send, and before the handshake has completed and once
the socket is closing it defers to Daphne, which knows what to do then.

:class:`RawSendMiddleware`, outermost in the WebSocket stack, hands the
server's own ``send`` to the consumer in the scope, past the session and
authentication wrappers (which do nothing for WebSocket frames).
"""

from __future__ import annotations

import functools
from typing import Any

RAW_SEND = "clusterhub.raw_send"

_OPCODE_BINARY_FINAL = 0x82


class RawSendMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") == "websocket":
            scope = {**scope, RAW_SEND: send}
        return await self.app(scope, receive, send)


def encode(payload: bytes) -> bytes:
    """``payload`` as one final, unmasked binary WebSocket frame (RFC 6455 5.2)."""
    size = len(payload)
    if size < 126:
        header = bytes((_OPCODE_BINARY_FINAL, size))
    elif size < 1 << 16:
        header = bytes((_OPCODE_BINARY_FINAL, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((_OPCODE_BINARY_FINAL, 127)) + size.to_bytes(8, "big")
    return header + payload


def _daphne_protocol(send: Any) -> Any | None:
    """The autobahn protocol behind Daphne's ``send`` (a partial of
    ``Server.handle_reply`` with the protocol as its argument), or None."""
    if not isinstance(send, functools.partial) or not send.args:
        return None
    if getattr(send.func, "__name__", "") != "handle_reply":
        return None
    try:
        # (Here: reached only under Daphne; other processes never load Twisted.)
        from daphne.ws_protocol import WebSocketProtocol  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover (Daphne is a dependency)
        return None
    protocol = send.args[0]
    return protocol if isinstance(protocol, WebSocketProtocol) else None


class Outlet:
    """Where one connection's frames go."""

    def __init__(self, scope: Any, send: Any) -> None:
        raw = scope.get(RAW_SEND)
        self._send = raw if raw is not None else send
        self._protocol = _daphne_protocol(raw)

    @property
    def direct(self) -> bool:
        return self._protocol is not None

    async def send(self, frame: bytes, wire: bytes | None = None) -> None:
        """Send ``frame`` (a y-websocket message); ``wire`` is it already
        encoded by :func:`encode`, shared by every socket of a fan-out."""
        protocol = self._protocol
        if protocol is not None and protocol.state == protocol.STATE_OPEN:
            transport = protocol.transport
            if transport is not None:
                write(transport, wire if wire is not None else encode(frame))
            return
        await self._send({"type": "websocket.send", "bytes": frame})


def write(transport: Any, data: bytes) -> None:
    """Write ``data`` to a Twisted TCP transport, straight to its socket when
    nothing is waiting in its buffer.

    ``transport.write`` buffers every write and asks the event loop to watch
    the socket for writability, then sends on the next turn and stops
    watching: two ``epoll_ctl`` calls and a turn per frame, the largest cost
    of a fan-out to hundreds of sockets. A socket with room takes the frame
    at once; what it does not take, and everything on a transport whose
    buffer is not empty (order), on TLS, or if Twisted's internals are not
    what this expects, goes through ``transport.write`` as before.
    """
    sock = getattr(transport, "socket", None)
    if (
        sock is None
        or getattr(transport, "TLS", True)
        or getattr(transport, "dataBuffer", None) != b""
        or getattr(transport, "_tempDataBuffer", None) != []
        or not getattr(transport, "connected", False)
        or getattr(transport, "disconnecting", True)
        or getattr(transport, "_writeDisconnected", True)
    ):
        transport.write(data)
        return
    try:
        sent = sock.send(data)
    except BlockingIOError:
        sent = 0
    except OSError:  # (reset, broken pipe): Twisted notices and closes it
        transport.write(data)
        return
    if sent < len(data):
        transport.write(data[sent:])
