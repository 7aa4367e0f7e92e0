"""The ASGI application: HTTP through Django, WebSockets behind the exact origin
check (realtime.origins), and the real thing served by Daphne."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from channels.testing import HttpCommunicator, WebsocketCommunicator

from hub.asgi import application
from realtime import yprotocol
from realtime.origins import REASON_ORIGIN, origin_allowed

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_http_goes_through_django_with_security_headers():
    communicator = HttpCommunicator(
        application, "GET", "/ideas/", headers=[(b"host", b"testserver")]
    )
    response = await communicator.get_response()
    headers = {k.decode().lower(): v.decode() for k, v in response["headers"]}
    assert response["status"] == 200
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


# --- Origins ---------------------------------------------------------------------

SITE = "https://hub.example.org"


def handshake(host: str | None, *origins: str, **extra: str) -> dict:
    """The scope of a handshake with these headers (``extra``: more headers,
    ``scheme``: ws or wss)."""
    scheme = extra.pop("scheme", "ws")
    headers = [(b"host", host.encode())] if host is not None else []
    headers += [(b"origin", origin.encode()) for origin in origins]
    headers += [(k.replace("_", "-").encode(), v.encode()) for k, v in extra.items()]
    return {
        "type": "websocket",
        "path": "/ws/docs/1",
        "scheme": scheme,
        "headers": headers,
    }


@pytest.fixture
def site(settings):
    """The suite's hosts, a public SITE_URL and a proxy origin for CSRF."""
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
    settings.SITE_URL = SITE + "/"
    settings.CSRF_TRUSTED_ORIGINS = ["https://proxy.example.net"]
    return settings


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("testserver", "http://testserver"),
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("localhost:3000", "http://localhost:3000"),
        # SITE_URL's origin, whatever Host the proxy passes on
        ("10.0.0.5:8000", SITE),
        ("testserver", SITE),
        # a CSRF_TRUSTED_ORIGINS entry
        ("testserver", "https://proxy.example.net"),
    ],
)
def test_the_sites_own_origins_are_accepted(site, host, origin):
    assert origin_allowed(handshake(host, origin))


@pytest.mark.parametrize(
    ("host", "origins"),
    [
        # a wrong port (both from the issue: they were accepted)
        ("localhost:8000", ["http://localhost:3000"]),
        ("127.0.0.1:8000", ["http://127.0.0.1:9999"]),
        ("testserver", ["http://testserver:8000"]),
        ("testserver", [SITE + ":8443"]),
        # a wrong scheme: an https page, a handshake that did not come over TLS
        ("testserver", ["https://testserver"]),
        ("testserver", ["http://hub.example.org"]),
        ("testserver", ["http://proxy.example.net"]),
        # null (sandboxed frame, file: page) and none
        ("testserver", ["null"]),
        ("testserver", []),
        # a sibling or parent domain
        ("localhost", ["http://evil.localhost"]),
        ("testserver", ["https://evil.example.org"]),
        ("testserver", ["https://example.org"]),
        ("testserver", ["https://evil.proxy.example.net"]),
        # a foreign site, also when it names itself in Host (DNS rebinding:
        # not in ALLOWED_HOSTS)
        ("testserver", ["https://evil.example"]),
        ("evil.example", ["http://evil.example"]),
        # no Host, two Origins, odd spellings
        (None, ["http://testserver"]),
        ("testserver", ["http://testserver", "http://testserver"]),
        ("testserver", ["HTTP://TESTSERVER"]),
        ("testserver", ["http://testserver/"]),
        ("testserver", [""]),
    ],
)
def test_any_other_origin_is_refused(site, host, origins):
    assert not origin_allowed(handshake(host, *origins))


def test_a_handshake_over_tls_needs_the_https_origin(site):
    assert origin_allowed(handshake("testserver", "https://testserver", scheme="wss"))
    assert not origin_allowed(
        handshake("testserver", "http://testserver", scheme="wss")
    )


def test_the_proxys_tls_header_counts_only_when_trusted(site):
    behind_tls = {"x_forwarded_proto": "https"}
    assert not origin_allowed(
        handshake("testserver", "https://testserver", **behind_tls)
    )
    site.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert origin_allowed(handshake("testserver", "https://testserver", **behind_tls))
    assert not origin_allowed(
        handshake("testserver", "http://testserver", **behind_tls)
    )
    plain = {"x_forwarded_proto": "http"}
    assert origin_allowed(handshake("testserver", "http://testserver", **plain))
    assert not origin_allowed(handshake("testserver", "https://testserver", **plain))


def test_x_forwarded_host_counts_only_with_use_x_forwarded_host(site):
    forwarded = {"x_forwarded_host": "localhost:8443"}
    assert not origin_allowed(
        handshake("backend:8000", "http://localhost:8443", **forwarded)
    )
    site.USE_X_FORWARDED_HOST = True
    assert origin_allowed(
        handshake("backend:8000", "http://localhost:8443", **forwarded)
    )


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://a.example.com", True),
        ("https://a.b.example.com", True),
        ("https://example.com", True),  # Django's rule for "*.": the domain too
        ("http://a.example.com", False),
        ("https://a.example.com:8443", False),
        ("https://a.example.com.evil.org", False),
        ("https://evilexample.com", False),
    ],
)
def test_csrf_trusted_origins_wildcards_follow_djangos_rules(site, origin, allowed):
    site.CSRF_TRUSTED_ORIGINS = ["https://*.example.com"]
    assert origin_allowed(handshake("testserver", origin)) is allowed


@pytest.mark.parametrize(
    ("site_url", "origin"),
    [
        ("https://Hub.Example.org:443/", "https://hub.example.org"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://[::1]:8000/hub/", "http://[::1]:8000"),
    ],
)
def test_site_url_gives_its_origin_as_a_browser_writes_it(site, site_url, origin):
    site.SITE_URL = site_url
    assert origin_allowed(handshake(None, origin))
    assert not origin_allowed(handshake(None, origin + "1"))


@pytest.mark.parametrize("site_url", ["https://", "https://hub.example.org:port/"])
def test_a_site_url_without_a_usable_origin_grants_nothing(site, site_url):
    site.SITE_URL = site_url
    for origin in (
        "https://",
        "https://hub.example.org",
        "https://hub.example.org:port",
    ):
        assert not origin_allowed(handshake("testserver", origin)), origin
    assert origin_allowed(handshake("testserver", "http://testserver"))


def test_with_debug_and_no_allowed_hosts_localhost_is_ours_as_in_django(site):
    site.ALLOWED_HOSTS, site.DEBUG = [], True
    assert origin_allowed(handshake("localhost:8000", "http://localhost:8000"))
    assert not origin_allowed(handshake("testserver", "http://testserver"))


async def _refusal(path: str, headers: list[tuple[bytes, bytes]]) -> list[dict]:
    """What the application sends on a handshake: accepted, then every output
    up to the close (and it must stay silent after it)."""
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _subprotocol = await communicator.connect()
    assert connected, "refusals are accepted first, so the client sees the code"
    outputs = [await communicator.receive_output()]
    while outputs[-1]["type"] != "websocket.close":
        outputs.append(await communicator.receive_output())
    assert await communicator.receive_nothing()
    await communicator.disconnect()
    return outputs


def _denied(reason: str) -> dict:
    return {"type": "websocket.send", "bytes": yprotocol.permission_denied(reason)}


CLOSED_4403 = {"type": "websocket.close", "code": 4403}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "origin", [b"http://localhost:3000", b"https://testserver", b"null", None]
)
async def test_a_plan_socket_from_a_foreign_origin_is_told_and_closed_4403(origin):
    # No database here: had the session been read (the cookie), or a consumer
    # run, pytest-django would have refused the query and the test would fail.
    headers = [(b"host", b"testserver"), (b"cookie", b"sessionid=abc")]
    if origin is not None:
        headers.append((b"origin", origin))
    for path in ("/ws/docs/1", "/ws/docs/1/", "/ws/docs/abc"):
        assert await _refusal(path, headers) == [
            _denied(REASON_ORIGIN),
            CLOSED_4403,
        ], path


@pytest.mark.asyncio
async def test_websockets_from_a_foreign_origin_are_refused():
    headers = [(b"host", b"testserver"), (b"origin", b"https://evil.example")]
    # Not a plan path: no y-protocols message, the code alone.
    assert await _refusal("/ws/anything/", headers) == [CLOSED_4403]


@pytest.mark.asyncio
async def test_a_sibling_subdomain_origin_is_refused():
    headers = [(b"host", b"localhost"), (b"origin", b"http://evil.localhost")]
    assert await _refusal("/ws/docs/1/", headers) == [
        _denied(REASON_ORIGIN),
        CLOSED_4403,
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_daphne_serves_the_app(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hub.settings",
        DEBUG="true",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT, env=env, check=True, timeout=120,
    )  # fmt: skip
    port = _free_port()
    daphne = Path(sys.executable).with_name("daphne")
    server = subprocess.Popen(
        [str(daphne), "-b", "127.0.0.1", "-p", str(port), "hub.asgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        body, deadline = None, time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/", timeout=2
                ) as r:  # noqa: S310
                    body, server_header = r.read().decode(), r.headers.get("Server", "")
                    break
            except OSError:
                time.sleep(0.2)
        assert body is not None, "Daphne did not answer within 30 s"
        assert "Turn ideas into ventures" in body
        assert "daphne" in server_header.lower()
    finally:
        server.terminate()
        server.wait(timeout=10)
