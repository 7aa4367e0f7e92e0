"""URL import refuses what an SSRF would need: other schemes, private,
loopback and link-local addresses (also behind a redirect), oversized or slow
downloads. A local HTTP server plays the catalog; it sits on 127.0.0.1, whose
port the tests allow through ``CATALOG_FETCH_ALLOWED_NETWORKS``. Ports and the
full deadline: test_catalog_fetch_ports.py, test_catalog_fetch_deadline.py."""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command

from catalog import fetch as fetch_module
from catalog.fetch import FetchError, fetch, is_allowed
from catalog.models import CatalogSource

CATALOG = json.dumps(
    {"dataset": [{"identifier": "a", "title": "Trees", "accessLevel": "public"}]}
).encode()


class Handler(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        Handler.requests.append(self.path)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", self.path.split("?to=", 1)[1])
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if self.path == "/slow":
            self.end_headers()
            try:
                for _ in range(30):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the fetch gave up, as it should
            return
        self.send_header("Content-Length", str(len(CATALOG)))
        self.end_headers()
        self.wfile.write(CATALOG)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Handler.requests = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def allow_loopback(settings, server):
    """Open the test server's port of 127.0.0.1 (``127.0.0.1:<port>``)."""
    port = int(server.rsplit(":", 1)[1])
    settings.CATALOG_FETCH_ALLOWED_NETWORKS = [("127.0.0.1/32", (port,))]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "192.168.1.1",
        "172.16.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 (an address to refuse, not to bind)
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
def test_non_public_addresses_are_refused(address):
    assert not is_allowed(ipaddress.ip_address(address), 443)


def test_public_addresses_are_allowed():
    assert is_allowed(ipaddress.ip_address("93.184.216.34"), 443)
    assert is_allowed(ipaddress.ip_address("2606:2800:220:1:248:1893:25c8:1946"), 80)


def test_loopback_is_refused_by_default_without_a_request(server):
    with pytest.raises(FetchError, match="refused address"):
        fetch(f"{server}/data.json")
    assert Handler.requests == []


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://x", "//x/y"]
)
def test_only_http_and_https_are_fetched(url):
    with pytest.raises(FetchError, match="only http"):
        fetch(url)


def test_a_name_resolving_to_a_metadata_address_is_refused(monkeypatch):
    def resolve(host, port, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))]

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", resolve)
    with pytest.raises(FetchError, match="169.254.169.254"):
        fetch("http://catalog.example.org/data.json")


@pytest.mark.django_db
def test_an_allowed_url_imports_through_the_command(server, allow_loopback):
    out = StringIO()
    call_command("import_catalog", f"{server}/data.json", "--source", "c", stdout=out)
    assert out.getvalue().splitlines()[-1] == (
        "created=1 updated=0 unchanged=0 withdrawn=0 skipped=0"
    )
    assert CatalogSource.objects.get(name="c").location == f"{server}/data.json"


def test_a_redirect_to_an_allowed_address_is_followed(server, allow_loopback):
    with fetch(f"{server}/redirect?to={server}/data.json") as body:
        assert body.read() == CATALOG


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.2:9/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "file:///etc/passwd",
    ],
)
def test_a_redirect_into_a_refused_address_is_not_followed(
    server, allow_loopback, target
):
    with pytest.raises(FetchError, match="refused address|only http"):
        fetch(f"{server}/redirect?to={target}")
    assert Handler.requests == [f"/redirect?to={target}"]


def test_size_is_capped(server, allow_loopback, settings):
    settings.CATALOG_FETCH_MAX_BYTES = 10
    with pytest.raises(FetchError, match="larger than 10 bytes"):
        fetch(f"{server}/data.json")


def test_time_is_capped(server, allow_loopback, settings):
    settings.CATALOG_FETCH_TIMEOUT = 1
    started = time.monotonic()
    with pytest.raises(FetchError, match="within 1 s"):
        fetch(f"{server}/slow")
    assert time.monotonic() - started < 2.5
