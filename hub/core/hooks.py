"""Hooks: how the floor tells the apps above it that a person's rights changed,
without importing them (the layers are in ``.importlinter``).

- **rights changed**: a person's account was deactivated or reactivated, or
  their role changed. Called inside the change's transaction with the person
  (already saved) and whoever made the change (None from a script). Registered
  by ``programs``: the pending invitations the person sent into programs they
  may no longer invite to are revoked.

With nothing registered each hook is a no-op. Registration is idempotent,
because ``ready()`` may run more than once in tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.core.models import User

#: ``(person, actor)``, inside the transaction that changed the person's rights.
RightsChanged = Callable[["User", "User | None"], None]

_rights_changed: list[RightsChanged] = []


def register_rights_changed(hook: RightsChanged) -> None:
    if hook not in _rights_changed:
        _rights_changed.append(hook)


def rights_changed(person: User, *, actor: User | None) -> None:
    for hook in _rights_changed:
        hook(person, actor)
