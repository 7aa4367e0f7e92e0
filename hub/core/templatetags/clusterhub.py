"""Template helpers. ``as_html`` is the only place user HTML is marked safe."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from hub.core.rendering import sanitize_html
from hub.core.safelinks import safe_link

register = template.Library()


@register.filter
def as_html(value: str | None) -> SafeString:
    """Show stored, rendered Markdown: sanitized again on the way out."""
    return mark_safe(sanitize_html(value or ""))  # noqa: S308 - nh3 allowlist above


@register.filter
def link_url(value: object) -> str:
    """The URL to put in an ``href``, or "" when it is not a safe http(s) link
    (the imports already drop those; this holds if a row slipped past)."""
    return safe_link(value)


@register.simple_tag(takes_context=True)
def page_url(context: dict[str, Any], number: int) -> str:
    """?page=N keeping the current filters."""
    query = context.get("query") or ""
    return f"?{query}&page={number}" if query else f"?page={number}"
