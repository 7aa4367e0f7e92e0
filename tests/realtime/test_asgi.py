"""The ASGI application: HTTP through Django, WebSockets behind the exact origin
check (realtime.origins), every WebSocket path answered (a plan path with or
without its trailing slash, anything else 4404, never a 500), and the real
thing served by Daphne."""

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
from ideas.models import TeamMembership
from ideas.services import remove_team_member
from realtime import yprotocol
from realtime.consumers import REASON_ACCESS_LOST, REASON_REFUSED
from realtime.origins import REASON_ORIGIN, origin_allowed
from realtime.routing import REASON_NO_ROUTE
from tests.support import ydoc as support
from tests.support.ydoc import YClient, db, headers_for

fast_rooms, plan, logins = support.fast_rooms, support.plan, support.logins

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
    # (Generous timeouts: the plan refusals read the database on a busy machine.)
    connected, _subprotocol = await communicator.connect(timeout=5)
    assert connected, "refusals are accepted first, so the client sees the code"
    outputs = [await communicator.receive_output(5)]
    while outputs[-1]["type"] != "websocket.close":
        outputs.append(await communicator.receive_output(5))
    assert await communicator.receive_nothing()
    await communicator.disconnect()
    return outputs


def _denied(reason: str) -> dict:
    return {"type": "websocket.send", "bytes": yprotocol.permission_denied(reason)}


CLOSED_4403 = {"type": "websocket.close", "code": 4403}
CLOSED_4404 = {"type": "websocket.close", "code": 4404}


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


# --- Routes -----------------------------------------------------------------------

OURS = [(b"host", b"testserver"), (b"origin", b"http://testserver")]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "path",
    [
        "/ws/docs/abc",
        "/ws/docs/abc/",
        "/ws/docs/-1",
        "/ws/docs/6/extra",
        "/ws/docs/6//",
        "/ws/docs",
        "/ws/docs/",
    ],
)
async def test_a_plan_path_without_a_plan_is_told_and_closed_4404(path):
    assert await _refusal(path, OURS) == [_denied(REASON_NO_ROUTE), CLOSED_4404]


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/ws/nothing", "/ws/anything/", "/", "/ws/ideas/x/"])
async def test_any_other_unknown_path_is_closed_4404_not_a_500(path):
    assert await _refusal(path, OURS) == [CLOSED_4404]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fast_rooms")
async def test_both_forms_of_the_plan_path_open_the_same_document(plan, logins):
    cookie = f"sessionid={logins['owner'].cookies['sessionid'].value}".encode()
    headers = [*OURS, (b"cookie", cookie)]
    clients = []
    for path in (f"/ws/docs/{plan.pk}", f"/ws/docs/{plan.pk}/"):
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, _ = await communicator.connect(timeout=5)
        assert connected, path
        client = YClient(communicator, None)
        await client.sync()
        assert str(client.text) == plan.text, path
        clients.append(client)
    bare, slashed = clients
    bare.text.insert(0, "Bare. ")
    [update] = await bare.push()
    await bare.expect_update(update)
    await slashed.expect_update(update)
    assert str(slashed.text) == str(bare.text)
    for client in clients:
        await client.close()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fast_rooms")
@pytest.mark.parametrize("who", ["anonymous", "outsider", "unknown plan"])
async def test_a_refused_plan_socket_gets_permission_denied_then_4403(
    who, plan, logins
):
    client = logins["owner" if who == "unknown plan" else who]
    plan_id = 10**9 if who == "unknown plan" else plan.pk
    assert await _refusal(f"/ws/docs/{plan_id}", headers_for(client)) == [
        _denied(REASON_REFUSED),
        CLOSED_4403,
    ]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fast_rooms")
async def test_losing_access_gets_permission_denied_then_4403(plan, people, logins):
    editor = await YClient.join(plan.pk, logins["editor"])
    membership = await db(TeamMembership.objects.get)(
        idea=plan.idea, user=people["editor"]
    )
    await db(remove_team_member)(membership, actor=people["owner"])
    await editor.expect_closed(4403, reason=REASON_ACCESS_LOST)
    await editor.expect_nothing()
    await editor.close()


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
