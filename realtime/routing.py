"""WebSocket routes. Each consumer authenticates in connect() and runs the
same access helper as the pages before joining a group (see STYLE.md).

A path no route matches is answered by :func:`no_route` (4404), never by the
HTTP 500 that Channels' URLRouter gives for "No route found"; a client that
got a 500 would retry forever. It comes last, so it shadows nothing.
"""

from __future__ import annotations

from django.urls import URLPattern, re_path

from realtime import consumers, live
from realtime.origins import Receive, Scope, Send, refuse

#: No socket lives at this path (``/ws/docs/abc``, ``/ws/nothing``).
CLOSE_NO_ROUTE = 4404
#: What the y-websocket client logs after "Permission denied to access <url>".
REASON_NO_ROUTE = "no plan at this address"


async def no_route(scope: Scope, receive: Receive, send: Send) -> None:
    """Accept, tell a y-websocket client (paths under ``/ws/docs``) why with the
    permission-denied message, close with 4404. Reads no session, makes no
    consumer."""
    await refuse(scope, receive, send, code=CLOSE_NO_ROUTE, reason=REASON_NO_ROUTE)


websocket_urlpatterns: list[URLPattern] = []

# Live co-editing of a business plan over the y-websocket protocol.
websocket_urlpatterns += consumers.websocket_urlpatterns

# Live page regions: an idea's comments, the staff board, the bell.
websocket_urlpatterns += live.websocket_urlpatterns

# Everything else. (django-stubs type re_path() for HTTP views only.)
websocket_urlpatterns += [re_path(r"^", no_route, name="ws-no-route")]  # type: ignore[arg-type]
