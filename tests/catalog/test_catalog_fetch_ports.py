"""An entry of ``CATALOG_FETCH_ALLOWED_NETWORKS`` opens ports 80 and 443 of its
network, or the one port it names (``10.0.0.5:8080``, ``[fd00::5]:8080``), on
the first request and on every redirect: allowing 127.0.0.1 once let a redirect
reach Redis on 6379. A bad entry stops the process at start."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from catalog import fetch as fetch_module
from catalog.fetch import FetchError, check, fetch
from hub.settings import _catalog_fetch_network as parse_entry

REPO_ROOT = Path(__file__).resolve().parents[2]
CATALOG = b'{"dataset": []}'


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        if self.path.startswith("/redirect?to="):
            self.send_response(302)
            self.send_header("Location", self.path.split("?to=", 1)[1])
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(CATALOG)))
        self.end_headers()
        self.wfile.write(CATALOG)

    def log_message(self, *args: object) -> None:
        pass


class Server:
    live_ports: set[int] = set()

    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.requests = []  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        Server.live_ports.add(self.port)
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def requests(self) -> list[str]:
        return self.httpd.requests  # type: ignore[attr-defined]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    one = Server()
    yield one
    one.close()


@pytest.fixture
def other_server() -> Iterator[Server]:
    one = Server()
    yield one
    one.close()


@pytest.fixture
def connections(monkeypatch) -> list[tuple[str, int]]:
    """Every (address, port) the fetch connects to. Only the test servers are
    really connected to, so a regression cannot reach this machine's Redis."""
    made: list[tuple[str, int]] = []
    connect = socket.create_connection

    def spy(address, *args, **kwargs):
        made.append(address)
        if address[1] not in Server.live_ports:
            raise ConnectionRefusedError(f"the test refuses to connect to {address}")
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(fetch_module.socket, "create_connection", spy)
    return made


def allow(settings, *entries: str) -> None:
    """Set the networks as the settings parse them from the environment."""
    settings.CATALOG_FETCH_ALLOWED_NETWORKS = [parse_entry(e) for e in entries]


@pytest.mark.parametrize(
    ("entry", "parsed"),
    [
        ("10.0.0.0/8", ("10.0.0.0/8", (80, 443))),
        ("10.0.0.5", ("10.0.0.5/32", (80, 443))),
        ("10.0.0.5:8080", ("10.0.0.5/32", (8080,))),
        ("10.1.2.0/24:8443", ("10.1.2.0/24", (8443,))),
        ("fd00::/8", ("fd00::/8", (80, 443))),
        ("[fd00::5]:8080", ("fd00::5/128", (8080,))),
        ("[::1]", ("::1/128", (80, 443))),
    ],
)
def test_an_entry_names_a_network_and_perhaps_a_port(entry, parsed):
    assert parse_entry(entry) == parsed


@pytest.mark.parametrize(
    "entry",
    [
        "intranet.example.org",  # names are not networks: they resolve anew
        "10.0.0.0/33",
        "10.0.0.5:",
        "10.0.0.5:http",
        "10.0.0.5:0",
        "10.0.0.5:65536",
        "10.0.0.5:٨٠",  # noqa: RUF001 (Arabic-Indic digits are not a port)
        "[fd00::5",
        "[fd00::5]8080",
        "[fd00::5]:",
    ],
)
def test_a_bad_entry_is_refused_with_its_text(entry):
    with pytest.raises(ImproperlyConfigured, match="CATALOG_FETCH_ALLOWED_NETWORKS"):
        parse_entry(entry)
    with pytest.raises(ImproperlyConfigured) as refused:
        parse_entry(entry)
    assert repr(entry) in str(refused.value)


def _settings_process(value: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATALOG_")}
    env.update(
        DJANGO_SETTINGS_MODULE="hub.settings",
        DEBUG="true",
        CATALOG_FETCH_ALLOWED_NETWORKS=value,
    )
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.CATALOG_FETCH_ALLOWED_NETWORKS))"
    )
    return subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-c", code],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_setting_is_read_from_the_environment_at_start():
    result = _settings_process("10.0.0.0/8, 10.0.0.5:8080,[fd00::5]:8443")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        ["10.0.0.0/8", [80, 443]],
        ["10.0.0.5/32", [8080]],
        ["fd00::5/128", [8443]],
    ]


def test_a_bad_entry_stops_the_process_at_start():
    result = _settings_process("10.0.0.0/8,10.0.0.5:redis")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "CATALOG_FETCH_ALLOWED_NETWORKS: '10.0.0.5:redis'" in result.stderr


def test_an_entry_without_a_port_opens_80_and_443_only(settings):
    allow(settings, "127.0.0.1", "::1")
    for url in [
        "http://127.0.0.1/data.json",
        "https://127.0.0.1/data.json",
        "http://127.0.0.1:443/data.json",
        "https://[::1]/data.json",
    ]:
        check(url)
    for url, port in [
        ("http://127.0.0.1:6379/", 6379),
        ("https://127.0.0.1:8443/", 8443),
        ("http://[::1]:5432/", 5432),
    ]:
        with pytest.raises(
            FetchError, match=f"allowed on ports 80, 443, not on {port}"
        ):
            check(url)


def test_an_entry_that_names_a_port_opens_only_that_port(settings):
    allow(settings, "127.0.0.1:8080", "[::1]:8080")
    check("http://127.0.0.1:8080/")
    check("http://[::1]:8080/")
    for url in ["http://127.0.0.1/", "https://127.0.0.1/", "http://[::1]:6379/"]:
        with pytest.raises(FetchError, match="allowed on port 8080, not on"):
            check(url)


def test_allowing_an_address_does_not_open_the_port_of_the_test_server(
    settings, server, connections
):
    allow(settings, "127.0.0.1")
    with pytest.raises(FetchError, match="refused address"):
        fetch(f"{server.url}/data.json")
    assert connections == []
    assert server.requests == []


def test_a_named_port_is_fetched(settings, server, connections):
    allow(settings, f"127.0.0.1:{server.port}")
    with fetch(f"{server.url}/data.json") as body:
        assert body.read() == CATALOG
    assert connections == [("127.0.0.1", server.port)]


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:6379/",
        "http://127.0.0.1/",
        "https://127.0.0.1/",
        "http://[::1]:6379/",
    ],
)
def test_a_redirect_to_another_port_is_refused(settings, server, connections, target):
    allow(settings, f"127.0.0.1:{server.port}", "::1")
    with pytest.raises(FetchError, match="refused address"):
        fetch(f"{server.url}/redirect?to={target}")
    assert connections == [("127.0.0.1", server.port)]  # nothing else was touched
    assert server.requests == [f"/redirect?to={target}"]


def test_a_redirect_to_an_unlisted_port_of_a_live_server_is_not_followed(
    settings, server, other_server, connections
):
    allow(settings, f"127.0.0.1:{server.port}")
    target = f"{other_server.url}/data.json"
    with pytest.raises(FetchError, match=f"not on {other_server.port}"):
        fetch(f"{server.url}/redirect?to={target}")
    assert other_server.requests == []
    assert connections == [("127.0.0.1", server.port)]


def test_a_redirect_to_a_listed_port_is_followed(
    settings, server, other_server, connections
):
    allow(settings, f"127.0.0.1:{server.port}", f"127.0.0.1:{other_server.port}")
    with fetch(f"{server.url}/redirect?to={other_server.url}/data.json") as body:
        assert body.read() == CATALOG
    assert other_server.requests == ["/data.json"]
    assert connections == [
        ("127.0.0.1", server.port),
        ("127.0.0.1", other_server.port),
    ]
