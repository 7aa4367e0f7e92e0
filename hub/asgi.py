"""ASGI entry point: HTTP through Django, WebSockets through Channels.

WebSocket routes sit behind the exact origin check (:mod:`realtime.origins`:
the handshake's own scheme, host and port, ``SITE_URL`` and
``CSRF_TRUSTED_ORIGINS``, as Django's CSRF check), which refuses before the
session is read, and then the session authentication middleware. Every path
has an answer (:mod:`realtime.routing` ends with a 4404 fallback), so no
handshake ends in an HTTP 500.
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from realtime.origins import OriginCheck  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402
from realtime.wire import RawSendMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # (Outermost: the live documents write to the server's own send.)
        "websocket": RawSendMiddleware(
            OriginCheck(
                # types-channels wants its own check-only pattern type; path() gives URLPattern.
                AuthMiddlewareStack(URLRouter(websocket_urlpatterns))  # type: ignore[arg-type]
            )
        ),
    }
)
