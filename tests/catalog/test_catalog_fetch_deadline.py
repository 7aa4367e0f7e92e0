"""``CATALOG_FETCH_TIMEOUT`` is one deadline for the whole fetch.

A per-read socket timeout is not: a server that sends a byte every 0.3 s never
leaves a read waiting for 1 s, so it could hold a "1 s" fetch for as long as it
dribbled (the audit's 5 s timeout held for 30 s by slow headers). A raw local
server plays the slow catalog here: dribbled status line and headers, a
dribbled body, silence after the request, a dribbled TLS handshake, redirects
that each take most of the budget, and a resolver that never answers.

These tests check a bound, they are not benchmarks: with the timeout at 1 s a
fetch must fail within ``LIMIT`` (timeout + 1.5 s of margin for a loaded CI
machine); each dribbling server would otherwise keep going for ``DRIBBLE_FOR``
seconds, well past it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from catalog import fetch as fetch_module
from catalog.fetch import FetchError, fetch

TIMEOUT = 1  # CATALOG_FETCH_TIMEOUT in these tests, seconds
LIMIT = TIMEOUT + 1.5  # the bound asserted, with a generous margin
DRIBBLE_FOR = 8.0  # how long a slow server keeps dribbling, seconds
STEP = 0.3  # seconds between two dribbled bytes

CATALOG = json.dumps(
    {"dataset": [{"identifier": "a", "title": "Trees", "accessLevel": "public"}]}
).encode()
HEADERS = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    b"X-Padding: " + b"a" * 60 + b"\r\nConnection: close\r\n"
)
STOP = threading.Event()  # set at teardown: every handler returns


class SlowHandler(socketserver.BaseRequestHandler):
    """Answers by path; ``/slow-redirect/N`` waits 0.6 s, then redirects to
    ``/slow-redirect/N-1`` and finally to ``/data.json``."""

    def handle(self) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            data = self.request.recv(4096)
            if not data:
                return
            request += data
        path = request.split(b" ", 2)[1].decode()
        with contextlib.suppress(OSError):  # the fetch gave up, as it should
            self.answer(path)

    def answer(self, path: str) -> None:
        send = self.request.sendall
        if path == "/slow-headers":
            self.dribble(HEADERS + b"\r\n" + CATALOG)
        elif path == "/slow-body":
            send(HEADERS + f"Content-Length: {len(CATALOG)}\r\n\r\n".encode())
            self.dribble(CATALOG)
        elif path == "/silent":
            STOP.wait(DRIBBLE_FOR)
        elif path.startswith("/slow-redirect/"):
            hops = int(path.rsplit("/", 1)[1])
            STOP.wait(0.6)
            target = f"/slow-redirect/{hops - 1}" if hops > 1 else "/data.json"
            send(b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\n")
            send(f"Location: {target}\r\n\r\n".encode())
        elif path == "/chunked":  # HTTP/1.1, kept alive, chunked: all through
            send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for part in (CATALOG[:10], CATALOG[10:]):
                send(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            send(b"0\r\n\r\n")
            STOP.wait(DRIBBLE_FOR)  # keeps the connection open, as servers do
        else:
            send(HEADERS + f"Content-Length: {len(CATALOG)}\r\n\r\n".encode())
            send(CATALOG)

    def dribble(self, data: bytes) -> None:
        started = time.monotonic()
        for byte in data:
            if STOP.is_set() or time.monotonic() - started > DRIBBLE_FOR:
                return
            self.request.sendall(bytes([byte]))
            time.sleep(STEP)


class DribbleTLS(socketserver.BaseRequestHandler):
    """Reads the ClientHello, then dribbles a TLS record that never completes."""

    def handle(self) -> None:
        try:
            self.request.recv(4096)
            self.request.sendall(b"\x16\x03\x03\x40\x00")  # handshake, 16 KiB
            started = time.monotonic()
            while not STOP.is_set() and time.monotonic() - started < DRIBBLE_FOR:
                self.request.sendall(b"\x00")
                time.sleep(STEP)
        except OSError:
            pass


def _serve(handler: type[socketserver.BaseRequestHandler]) -> Iterator[int]:
    STOP.clear()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.block_on_close = False
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    STOP.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def slow_server(settings) -> Iterator[str]:
    for port in _serve(SlowHandler):
        settings.CATALOG_FETCH_TIMEOUT = TIMEOUT
        settings.CATALOG_FETCH_ALLOWED_NETWORKS = [("127.0.0.1/32", (port,))]
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def tls_server(settings) -> Iterator[str]:
    for port in _serve(DribbleTLS):
        settings.CATALOG_FETCH_TIMEOUT = TIMEOUT
        settings.CATALOG_FETCH_ALLOWED_NETWORKS = [("127.0.0.1/32", (port,))]
        yield f"https://127.0.0.1:{port}"


def fails_in_time(url: str) -> str:
    started = time.monotonic()
    with pytest.raises(FetchError) as failure:
        fetch(url).close()
    elapsed = time.monotonic() - started
    assert elapsed < LIMIT, f"the fetch took {elapsed:.1f} s with a {TIMEOUT} s limit"
    return str(failure.value)


@pytest.mark.parametrize("path", ["/slow-headers", "/slow-body", "/silent"])
def test_a_slow_server_is_cut_off_at_the_deadline(slow_server, path):
    reason = fails_in_time(f"{slow_server}{path}")
    assert reason == f"the server did not answer within {TIMEOUT} s"


def test_a_dribbled_tls_handshake_is_cut_off_at_the_deadline(tls_server):
    reason = fails_in_time(f"{tls_server}/data.json")
    assert reason == f"the server did not answer within {TIMEOUT} s"


def test_redirects_share_the_one_deadline(slow_server):
    # Each hop answers in 0.6 s, under the 1 s a per-read timeout would allow.
    reason = fails_in_time(f"{slow_server}/slow-redirect/4")
    assert reason == f"the server did not answer within {TIMEOUT} s"


def test_a_resolver_that_never_answers_is_cut_off(settings, monkeypatch):
    settings.CATALOG_FETCH_TIMEOUT = TIMEOUT
    released = threading.Event()

    def resolve(*args, **kwargs):
        released.wait(DRIBBLE_FOR)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80))]

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", resolve)
    try:
        reason = fails_in_time("http://catalog.example.org/data.json")
    finally:
        released.set()
    assert reason == f"the server did not answer within {TIMEOUT} s"


@pytest.mark.parametrize("path", ["/data.json", "/chunked"])
def test_a_prompt_server_is_read_whole_within_the_deadline(slow_server, path):
    with fetch(f"{slow_server}{path}") as body:
        assert body.read() == CATALOG
