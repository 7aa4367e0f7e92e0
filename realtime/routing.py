"""WebSocket routes. Each consumer authenticates in connect() and runs the
same access helper as the pages before joining a group (see STYLE.md)."""

from __future__ import annotations

from django.urls import URLPattern

from realtime import consumers, live

websocket_urlpatterns: list[URLPattern] = []

# Live co-editing of a business plan over the y-websocket protocol.
websocket_urlpatterns += consumers.websocket_urlpatterns

# Live page regions: an idea's comments, the staff board, the bell.
websocket_urlpatterns += live.websocket_urlpatterns
