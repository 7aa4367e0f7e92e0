"""The bell's unread count: one query per page, however often it is shown."""

from __future__ import annotations

from typing import Any

from django import template

from hub.core.models import Notification

register = template.Library()

_CACHE = "_clusterhub_unread_notifications"


def unread_count(request: Any, user: Any) -> int:
    """Unread notifications of ``user``, counted once per request."""
    if user is None or not user.is_authenticated:
        return 0
    cached = getattr(request, _CACHE, None) if request is not None else None
    if cached is None:
        cached = Notification.objects.filter(
            recipient_id=user.pk, read_at__isnull=True
        ).count()
        if request is not None:
            setattr(request, _CACHE, cached)
    return cached


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    return unread_count(request, user)
