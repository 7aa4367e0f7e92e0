"""realtime.wire: one frame encoded once for a whole fan-out, written straight
to Daphne's sockets, and the ASGI send everywhere else."""

from __future__ import annotations

import functools
import socket
from typing import Any

import pytest
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from realtime.wire import RAW_SEND, Outlet, RawSendMiddleware, encode, write


def parse(data: bytes) -> Frame:
    """The frame as the websockets library (a client) reads it."""
    reader = StreamReader()
    reader.feed_data(data)
    parser = Frame.parse(reader.read_exact, mask=False, max_size=None)
    try:
        next(parser)
    except StopIteration as done:
        assert not reader.buffer  # nothing left over
        return done.value
    raise AssertionError("incomplete frame")


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 200_000])
def test_encode_makes_one_final_unmasked_binary_frame(size):
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    frame = parse(encode(payload))
    assert (frame.opcode, frame.fin, frame.data) == (Opcode.BINARY, True, payload)


class Transport:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)


def daphne_socket(state: int) -> tuple[Any, Transport, Any]:
    """A Daphne WebSocket protocol in ``state`` and the ``send`` Daphne gives
    its application (a partial of Server.handle_reply)."""
    protocol = object.__new__(WebSocketProtocol)
    protocol.state = state
    protocol.transport = Transport()
    server = object.__new__(Server)
    return (
        protocol,
        protocol.transport,
        functools.partial(server.handle_reply, protocol),
    )


@pytest.mark.asyncio
async def test_under_daphne_an_open_socket_gets_the_shared_bytes_directly():
    _protocol, transport, send = daphne_socket(WebSocketProtocol.STATE_OPEN)
    outlet = Outlet({RAW_SEND: send}, send)
    assert outlet.direct
    await outlet.send(b"\x00\x02\x01x", wire=b"shared bytes")
    await outlet.send(b"\x00\x02\x01y")
    assert transport.written == [b"shared bytes", encode(b"\x00\x02\x01y")]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "state", [WebSocketProtocol.STATE_CONNECTING, WebSocketProtocol.STATE_CLOSING]
)
async def test_before_the_handshake_or_while_closing_daphne_decides(state, monkeypatch):
    protocol, transport, _send = daphne_socket(state)
    replies: list[dict[str, Any]] = []

    async def handle_reply(self: Server, proto: Any, message: dict[str, Any]) -> None:
        replies.append(message)

    monkeypatch.setattr(Server, "handle_reply", handle_reply)
    send = functools.partial(object.__new__(Server).handle_reply, protocol)
    await Outlet({RAW_SEND: send}, send).send(b"frame", wire=b"wire")
    assert transport.written == []
    assert replies == [{"type": "websocket.send", "bytes": b"frame"}]


@pytest.mark.asyncio
async def test_elsewhere_frames_go_through_the_asgi_send():
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    outlet = Outlet({}, send)
    assert not outlet.direct
    await outlet.send(b"frame", wire=b"ignored")
    assert sent == [{"type": "websocket.send", "bytes": b"frame"}]


@pytest.mark.asyncio
async def test_the_middleware_hands_the_servers_own_send_to_websockets_only():
    seen: list[Any] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope.get(RAW_SEND))

    async def server_send(message: dict[str, Any]) -> None: ...

    middleware = RawSendMiddleware(app)
    await middleware({"type": "websocket"}, None, server_send)
    await middleware({"type": "http"}, None, server_send)
    assert seen == [server_send, None]


class TCPTransport(Transport):
    """What realtime.wire.write reads of a Twisted TCP transport."""

    def __init__(self, sock: Any) -> None:
        super().__init__()
        self.socket = sock
        self.TLS = False
        self.dataBuffer = b""
        self._tempDataBuffer: list[bytes] = []
        self.connected = 1
        self.disconnecting = 0
        self._writeDisconnected = False


def test_a_socket_with_room_takes_the_frame_at_once():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        transport = TCPTransport(ours)
        write(transport, b"frame")
        assert theirs.recv(100) == b"frame"
        assert transport.written == []


@pytest.mark.parametrize(
    "state",
    [
        {"_tempDataBuffer": [b"queued"]},  # order: behind what waits
        {"dataBuffer": b"queued"},
        {"TLS": True},
        {"disconnecting": 1},
        {"_writeDisconnected": True},
    ],
)
def test_otherwise_twisted_buffers_it(state):
    ours, theirs = socket.socketpair()
    with ours, theirs:
        transport = TCPTransport(ours)
        for name, value in state.items():
            setattr(transport, name, value)
        write(transport, b"frame")
        assert transport.written == [b"frame"]
        theirs.setblocking(False)
        with pytest.raises(BlockingIOError):
            theirs.recv(100)


def test_what_the_socket_does_not_take_goes_to_twisted():
    class Full:
        def send(self, data: bytes) -> int:
            return 2

    transport = TCPTransport(Full())
    write(transport, b"frame")
    assert transport.written == [b"ame"]


def test_an_unknown_transport_gets_a_plain_write():
    transport = Transport()
    write(transport, b"frame")
    assert transport.written == [b"frame"]
