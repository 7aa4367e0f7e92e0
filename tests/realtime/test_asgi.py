"""The ASGI application: HTTP through Django, WebSockets behind the origin check,
and the real thing served by Daphne."""

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


@pytest.mark.asyncio
async def test_websockets_from_a_foreign_origin_are_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/anything/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _code = await communicator.connect()
    assert not connected
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_sibling_subdomain_origin_is_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/anything/", headers=[(b"origin", b"http://evil.localhost")]
    )
    connected, _code = await communicator.connect()
    assert not connected
    await communicator.disconnect()


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
