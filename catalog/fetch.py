"""Fetch a catalog URL without turning the hub into an SSRF proxy (CKAN
GHSA-g9ph-j5vj-f8wm fetched internal addresses through resource URLs).

http(s) only; every address the host resolves to must be public unless it lies
in ``CATALOG_FETCH_ALLOWED_NETWORKS``; the connection goes to the address that
was checked, so a second DNS answer cannot rebind it; redirects are followed by
hand and each hop is checked the same way; size and time are capped. The body
is spooled to a temporary file, so a big catalog does not sit in memory twice.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import tempfile
import time
from typing import IO
from urllib.parse import SplitResult, urljoin, urlsplit

from django.conf import settings

from catalog.records import CatalogError

REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(CatalogError):
    """The URL was refused or could not be fetched within the limits."""


def is_allowed(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    networks = [
        ipaddress.ip_network(net, strict=False)
        for net in settings.CATALOG_FETCH_ALLOWED_NETWORKS
    ]
    if any(address in net for net in networks if net.version == address.version):
        return True
    return address.is_global and not address.is_multicast


def check(url: str) -> tuple[SplitResult, str]:
    """The parsed URL and the one address to connect to, or ``FetchError``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"only http(s) URLs are fetched, not {url!r}")
    if parts.username or parts.password:
        raise FetchError("URLs with credentials are refused")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:
        raise FetchError(f"cannot resolve {parts.hostname}: {exc}") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    refused = [str(a) for a in addresses if not is_allowed(a)]
    if refused or not addresses:
        raise FetchError(
            f"{parts.hostname} resolves to a refused address ({', '.join(refused)})"
        )
    return parts, str(addresses[0])


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int | None, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int | None, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def fetch(url: str) -> IO[bytes]:
    """GET ``url`` within the limits; the caller closes the returned file."""
    max_bytes: int = settings.CATALOG_FETCH_MAX_BYTES
    timeout: float = settings.CATALOG_FETCH_TIMEOUT
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        parts, address = check(url)
        cls = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
        conn = cls(parts.hostname or "", parts.port, address, timeout)
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request("GET", path, headers={"User-Agent": "Clusterhub catalog"})
            response = conn.getresponse()
            if response.status in REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise FetchError(f"HTTP {response.status} without a Location")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchError(f"HTTP {response.status} from {url}")
            return _read(response, max_bytes, deadline)
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"cannot fetch {url}: {exc}") from exc
        finally:
            conn.close()
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def _read(
    response: http.client.HTTPResponse, max_bytes: int, deadline: float
) -> IO[bytes]:
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchError(f"the catalog is larger than {max_bytes} bytes")
    body = tempfile.SpooledTemporaryFile(max_size=CHUNK * 16)  # noqa: SIM115
    total = 0
    while chunk := response.read1(CHUNK):
        total += len(chunk)
        if total > max_bytes:
            body.close()
            raise FetchError(f"the catalog is larger than {max_bytes} bytes")
        if time.monotonic() > deadline:
            body.close()
            raise FetchError("the download took too long")
        body.write(chunk)
    body.seek(0)
    return body
