"""The one way to write the audit log.

Service functions call :func:`record` inside their transaction, so an audit row
exists exactly when the change it describes was committed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from hub.core.models import AuditEvent, User


def record(
    action: str,
    *,
    actor: User | None,
    target: models.Model | None = None,
    **data: Any,
) -> AuditEvent:
    """Append one audit event; ``action`` is a dotted name like ``ideas.advance``."""
    event = AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        data=data,
    )
    if target is not None:
        event.target_type = ContentType.objects.get_for_model(target)
        event.target_id = str(target.pk)
        event.target_repr = str(target)[:200]
    event.save()
    return event
