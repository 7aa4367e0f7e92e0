"""Which origins may open a WebSocket: exactly the site's own.

A browser sends cookies with a WebSocket handshake whatever page opened it, so
the handshake's ``Origin`` is what stands between a session and another site
(cross-site WebSocket hijacking). The rule is Django's own CSRF origin check
(``CsrfViewMiddleware._origin_verified``), applied to the handshake. An
``Origin`` is good when it is, character for character:

* ``<scheme>://<Host header>`` of this handshake, where the host is in
  ``ALLOWED_HOSTS`` and the scheme is ``https`` when the handshake came over
  TLS (``wss``, or ``SECURE_PROXY_SSL_HEADER`` says the proxy terminated it),
  ``http`` otherwise;
* the origin of ``SITE_URL`` (scheme, host and port; a default port may be
  written or not);
* in ``CSRF_TRUSTED_ORIGINS``, with Django's rules: exact, or
  ``https://*.example.com`` for that domain and its subdomains, same scheme.

So a wrong scheme, a wrong port, a sibling subdomain, ``null`` (sandboxed
frames, ``file:`` pages) and a missing ``Origin`` are all refused. Daphne
(autobahn) refuses a handshake without ``Host`` before the application sees
it; ``scope["server"]`` is the listening socket, not the address the browser
used, so there is no fallback to it.

A refused handshake is accepted and closed at once with 4403, after the
y-protocols permission-denied message on plan paths (``/ws/docs…``), so the
y-websocket client logs the reason and stops reconnecting; rejecting the
handshake (HTTP 403) reaches the page as a bare 1006, which it retries every
few seconds forever. No application code runs for a refused origin: no
session is read, no consumer is made, nothing is sent but the refusal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

from realtime import yprotocol
from realtime.refusals import CLOSE_FORBIDDEN

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: What the y-websocket client logs after "Permission denied to access <url>".
REASON_ORIGIN = "origin not allowed"

_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _headers(scope: Scope) -> dict[bytes, list[str]]:
    found: dict[bytes, list[str]] = {}
    for name, value in scope.get("headers", []):
        found.setdefault(name.lower(), []).append(value.decode("latin1"))
    return found


def _is_secure(scope: Scope, headers: dict[bytes, list[str]]) -> bool:
    """``request.is_secure()`` for a handshake: the proxy's header when
    ``SECURE_PROXY_SSL_HEADER`` names one and it is present, else ``wss``."""
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        meta_name, secure_value = proxy_header
        name = meta_name.removeprefix("HTTP_").replace("_", "-").lower().encode()
        values = headers.get(name)
        if values:
            return values[0].split(",", 1)[0].strip() == secure_value
    return scope.get("scheme") == "wss"


def _own_host(headers: dict[bytes, list[str]]) -> str | None:
    """``request.get_host()`` for a handshake: the Host header (or
    X-Forwarded-Host with ``USE_X_FORWARDED_HOST``) when ALLOWED_HOSTS has
    it, else None."""
    host = None
    if settings.USE_X_FORWARDED_HOST and headers.get(b"x-forwarded-host"):
        host = headers[b"x-forwarded-host"][0]
    elif len(headers.get(b"host", [])) == 1:
        host = headers[b"host"][0]
    if host is None:
        return None
    allowed_hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed_hosts:  # as Django's get_host()
        allowed_hosts = [".localhost", "127.0.0.1", "[::1]"]
    domain, _port = split_domain_port(host)
    if domain and validate_host(domain, allowed_hosts):
        return host
    return None


def site_origin() -> str | None:
    """The origin of ``SITE_URL``: lower-case scheme and host, the port only
    when it is not the scheme's default (as a browser writes ``Origin``);
    None if it names no host."""
    try:
        parts = urlsplit(settings.SITE_URL)
        port = parts.port
    except ValueError:  # a port that is no number: no origin, not a crash
        return None
    scheme, host = parts.scheme.lower(), parts.hostname
    if not host:
        return None
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    if port is not None and str(port) != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def origin_allowed(scope: Scope) -> bool:
    """Whether the handshake in ``scope`` comes from one of the site's own
    origins (the rules are in the module docstring)."""
    headers = _headers(scope)
    origins = headers.get(b"origin", [])
    if len(origins) != 1 or origins[0] == "null":
        return False
    origin = origins[0]
    host = _own_host(headers)
    if host is not None:
        scheme = "https" if _is_secure(scope, headers) else "http"
        if origin == f"{scheme}://{host}":
            return True
    if origin == site_origin():
        return True
    trusted = settings.CSRF_TRUSTED_ORIGINS
    if origin in {entry for entry in trusted if "*" not in entry}:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    return any(
        is_same_domain(parsed.netloc, entry_parts.netloc.lstrip("*"))
        for entry_parts in (urlsplit(entry) for entry in trusted if "*" in entry)
        if entry_parts.scheme == parsed.scheme
    )


def speaks_yjs(scope: Scope) -> bool:
    """Whether the socket is (meant to be) a y-websocket client: the plan
    sockets' paths, right or wrong (``/ws/docs``, ``/ws/docs/abc``)."""
    path, root = str(scope.get("path", "")), str(scope.get("root_path", ""))
    path = path.removeprefix(root) if root else path
    return path == "/ws/docs" or path.startswith("/ws/docs/")


async def refuse(
    scope: Scope, receive: Receive, send: Send, *, code: int, reason: str
) -> None:
    """Answer a handshake with a refusal and nothing else: accept, send the
    permission-denied message to a y-websocket client, close with ``code``,
    then wait for the socket to go. Runs no application code."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    if speaks_yjs(scope):
        await send(
            {"type": "websocket.send", "bytes": yprotocol.permission_denied(reason)}
        )
    await send({"type": "websocket.close", "code": code})
    while (await receive())["type"] != "websocket.disconnect":
        pass


class OriginCheck:
    """ASGI middleware around the WebSocket routes: the inner application
    runs only for a handshake from the site's own origins
    (:func:`origin_allowed`); any other is refused with 4403."""

    def __init__(self, application: ASGIApp) -> None:
        self.application = application

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and not origin_allowed(scope):
            await refuse(
                scope, receive, send, code=CLOSE_FORBIDDEN, reason=REASON_ORIGIN
            )
            return
        await self.application(scope, receive, send)
