"""WebSocket routes. Each consumer authenticates in connect() and runs the
same access helper as the pages before joining a group (see STYLE.md)."""

from __future__ import annotations

from django.urls import URLPattern

# Live co-editing (/ws/docs/<id>/) and live boards arrive with the realtime
# issue; until then every WebSocket handshake is refused by the router.
websocket_urlpatterns: list[URLPattern] = []
