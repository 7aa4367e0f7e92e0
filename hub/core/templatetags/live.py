"""Template helpers for live regions (elements with ``data-live-url``)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def is_live_refresh(context: dict[str, Any]) -> bool:
    """True when a live region re-fetches its page: such a request must not
    consume the flash messages meant for the page the person sees next."""
    request = context.get("request")
    return request is not None and request.headers.get("X-Live-Refresh") == "true"
