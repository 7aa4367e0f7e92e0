"""Fetch a catalog URL without turning the hub into an SSRF proxy (CKAN
GHSA-g9ph-j5vj-f8wm fetched internal addresses through resource URLs).

http(s) only; every address the host resolves to must be public unless it lies
in ``CATALOG_FETCH_ALLOWED_NETWORKS`` and the URL's port (80 or 443 by scheme
when it names none) is one that entry opens: 80 and 443 unless the entry names
its own. The connection goes to the address that was checked, so a second DNS
answer cannot rebind it; redirects are followed by hand and each hop is checked
the same way; size is capped. The body is spooled to a temporary file, so a big
catalog does not sit in memory twice.

``CATALOG_FETCH_TIMEOUT`` is one deadline for the whole fetch: the DNS answer,
the connection, the TLS handshake, every read of the status line, headers and
body, and every redirect. A socket timeout alone would not be: it bounds each
read, so a server dribbling a byte a second keeps a 5 s fetch alive for as
long as it likes. Here every send and receive gets only the time left.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import socket
import ssl
import tempfile
import threading
import time
from typing import IO, Any
from urllib.parse import SplitResult, urljoin, urlsplit

from django.conf import settings

from catalog.records import CatalogError

REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(CatalogError):
    """The URL was refused or could not be fetched within the limits."""


class _OutOfTime(TimeoutError):
    """The fetch's deadline passed."""


def is_allowed(address: IPAddress, port: int) -> bool:
    """May the fetch connect to ``port`` of ``address``? Any port of a public
    address; of any other, only a port that an allowed network opens."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_global and not address.is_multicast:
        return True
    return port in _opened_ports(address)


def _opened_ports(address: IPAddress) -> set[int]:
    """The ports that ``CATALOG_FETCH_ALLOWED_NETWORKS`` opens on ``address``
    (pairs of a network and its ports, parsed by the settings)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    allowed: list[tuple[str, tuple[int, ...]]] = settings.CATALOG_FETCH_ALLOWED_NETWORKS
    opened: set[int] = set()
    for network, ports in allowed:
        net = ipaddress.ip_network(network, strict=False)
        if net.version == address.version and address in net:
            opened.update(ports)
    return opened


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _OutOfTime("the fetch's deadline passed")
    return left


def _resolve(host: str, port: int, deadline: float) -> list[Any]:
    """``getaddrinfo`` within the deadline. The resolver cannot be interrupted,
    so it runs in a daemon thread that is left to finish on its own."""
    answer: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            answer["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            answer["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="catalog-fetch-dns", daemon=True).start()
    if not done.wait(_remaining(deadline)):
        raise _OutOfTime(f"no DNS answer for {host}")
    if "error" in answer:
        raise answer["error"]
    return answer["infos"]


def check(url: str, *, deadline: float | None = None) -> tuple[SplitResult, str]:
    """The parsed URL and the one address to connect to, or ``FetchError``.

    The name is resolved within ``deadline`` (a ``time.monotonic()`` value;
    ``CATALOG_FETCH_TIMEOUT`` from now when not given)."""
    if deadline is None:
        deadline = time.monotonic() + settings.CATALOG_FETCH_TIMEOUT
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise FetchError(f"only http(s) URLs are fetched, not {url!r}")
    if parts.username or parts.password:
        raise FetchError("URLs with credentials are refused")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as exc:
        raise FetchError(f"invalid port in {url!r}: {exc}") from exc
    try:
        infos = _resolve(parts.hostname, port, deadline)
    except _OutOfTime:
        raise FetchError(_too_slow()) from None
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {parts.hostname}: {exc}") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise FetchError(f"{parts.hostname} resolves to no address")
    refused = [a for a in addresses if not is_allowed(a, port)]
    if refused:
        message = f"{parts.hostname} resolves to a refused address"
        opened = sorted(set().union(*(_opened_ports(a) for a in refused)))
        if opened:  # an allowed network, but not on this port
            ports = ("port " if len(opened) == 1 else "ports ") + ", ".join(
                map(str, opened)
            )
            message += f" ({refused[0]} is allowed on {ports}, not on {port})"
        else:
            message += f" ({', '.join(map(str, refused))})"
        raise FetchError(message)
    return parts, str(addresses[0])


def _too_slow() -> str:
    return f"the server did not answer within {settings.CATALOG_FETCH_TIMEOUT} s"


class _DeadlineSocket:
    """A connected socket whose every send and receive gets only the time left
    before the deadline. ``http.client`` reads the response through
    ``makefile()``, so the status line, each header and each body chunk are
    all held to it. Like a socket's, ``close()`` waits for the files made from
    it: ``http.client`` closes the connection of an HTTP/1.0 response before
    its body is read."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline
        self._files = 0
        self._closed = False

    def _arm(self) -> None:
        self._sock.settimeout(_remaining(self._deadline))

    def sendall(self, data: bytes) -> None:
        self._arm()
        self._sock.sendall(data)  # since Python 3.5 the timeout bounds it all

    def recv_into(self, buffer: Any, nbytes: int = 0) -> int:
        self._arm()
        return self._sock.recv_into(buffer, nbytes)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> IO[bytes]:
        if mode != "rb":
            raise ValueError("the fetch only reads its socket as bytes")
        self._files += 1
        return io.BufferedReader(_DeadlineReader(self))

    def file_closed(self) -> None:
        self._files -= 1
        if self._closed and not self._files:
            self._sock.close()

    def close(self) -> None:
        self._closed = True
        if not self._files:
            self._sock.close()


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock: _DeadlineSocket) -> None:
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._sock.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            self._sock.file_closed()
        super().close()


def _connect(address: str, port: int, deadline: float) -> socket.socket:
    sock = socket.create_connection((address, port), _remaining(deadline))
    sock.settimeout(_remaining(deadline))
    return sock


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, deadline: float):
        super().__init__(host, port)
        self.address = address
        self.deadline = deadline

    def connect(self) -> None:
        sock = _connect(self.address, self.port, self.deadline)
        self.sock = _DeadlineSocket(sock, self.deadline)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, deadline: float):
        super().__init__(host, port)
        self.address = address
        self.deadline = deadline

    def connect(self) -> None:
        sock = _connect(self.address, self.port, self.deadline)
        context: ssl.SSLContext = self._context  # type: ignore[attr-defined]
        # The handshake runs under the socket's timeout as one deadline.
        tls = context.wrap_socket(sock, server_hostname=self.host)
        self.sock = _DeadlineSocket(tls, self.deadline)


def fetch(url: str) -> IO[bytes]:
    """GET ``url`` within the limits; the caller closes the returned file."""
    max_bytes: int = settings.CATALOG_FETCH_MAX_BYTES
    deadline = time.monotonic() + settings.CATALOG_FETCH_TIMEOUT
    for _ in range(MAX_REDIRECTS + 1):
        parts, address = check(url, deadline=deadline)
        cls = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
        port = parts.port or DEFAULT_PORTS[parts.scheme]
        conn = cls(parts.hostname or "", port, address, deadline)
        response = None
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
            return _read(response, max_bytes)
        except TimeoutError:  # _OutOfTime, or a socket timeout at the deadline
            raise FetchError(_too_slow()) from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"cannot fetch {url}: {exc}") from exc
        finally:
            if response is not None:
                response.close()  # an HTTP/1.0 answer holds the socket, not conn
            conn.close()
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def _read(response: http.client.HTTPResponse, max_bytes: int) -> IO[bytes]:
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchError(f"the catalog is larger than {max_bytes} bytes")
    body = tempfile.SpooledTemporaryFile(max_size=CHUNK * 16)  # noqa: SIM115
    try:
        total = 0
        while chunk := response.read1(CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise FetchError(f"the catalog is larger than {max_bytes} bytes")
            body.write(chunk)
    except BaseException:
        body.close()
        raise
    body.seek(0)
    return body
