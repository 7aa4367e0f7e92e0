"""Small helpers the update services share: assign only what changed, save
only those columns, and report the change for the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models


def assign_changed(
    obj: models.Model,
    fields: dict[str, Any],
    names: Iterable[str],
    *,
    also_save: Iterable[str] = (),
) -> list[str]:
    """Set the ``names`` whose value in ``fields`` differs, save just those
    columns (plus ``also_save``, e.g. a timestamp) and return their names."""
    changed = [k for k in names if k in fields and getattr(obj, k) != fields[k]]
    for name in changed:
        setattr(obj, name, fields[name])
    if changed:
        obj.save(update_fields=[*changed, *also_save])
    return changed


def set_tags(manager: Any, names: Iterable[str] | None) -> bool:
    """Replace a taggit manager's tags when the set differs (case-insensitive);
    returns whether it changed. ``None`` means "not given": nothing changes."""
    if names is None:
        return False
    names = list(names)
    if sorted({t.lower() for t in names}) == sorted(t.lower() for t in manager.names()):
        return False
    manager.set(names)
    return True
