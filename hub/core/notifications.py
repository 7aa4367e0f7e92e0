"""Creating in-app notifications; the bell updates live through hub.core.broadcast.events."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils import timezone

from hub.core.broadcast import events
from hub.core.models import Notification, NotificationKind, User


def notify(
    recipients: Iterable[User | int],
    kind: str,
    *,
    actor: User | None,
    text: str,
    url: str = "",
) -> list[Notification]:
    """One notification per recipient (never the actor), announced on commit."""
    ids = {r if isinstance(r, int) else r.pk for r in recipients}
    if actor is not None:
        ids.discard(actor.pk)
    rows = [
        Notification(
            recipient_id=pk, kind=kind, actor=actor, text=text[:300], url=url[:300]
        )
        for pk in sorted(ids)
    ]
    Notification.objects.bulk_create(rows)
    for pk in sorted(ids):
        events.notify(pk)
    return rows


def mentioned(body: str, candidates: Iterable[User]) -> list[User]:
    """People among ``candidates`` mentioned as ``@Display Name`` in ``body``.

    Longer names win, so "@Ann Lee" is not also a mention of "@Ann".
    """
    found: list[User] = []
    taken: list[tuple[int, int]] = []
    for person in sorted(candidates, key=lambda p: -len(p.display_name)):
        name = person.display_name.strip()
        if not name:
            continue
        pattern = re.compile(
            r"(?<![\w@])@" + re.escape(name) + r"(?!\w)", re.IGNORECASE
        )
        for match in pattern.finditer(body):
            span = match.span()
            if not any(a < span[1] and span[0] < b for a, b in taken):
                taken.append(span)
                if person not in found:
                    found.append(person)
    return found


def mark_all_read(user: User) -> int:
    """Mark every unread notification of ``user`` read; the bell on each of
    their open pages updates. Returns how many changed."""
    changed = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if changed:
        events.notify(user.pk)
    return changed


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        events.notify(notification.recipient_id)


__all__ = ["NotificationKind", "mark_all_read", "mark_read", "mentioned", "notify"]
