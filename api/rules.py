"""Object permissions of the api app, as `rules` predicates.

A person manages only their own API token (create, regenerate, revoke).
"""

from __future__ import annotations

from typing import Any

import rules


@rules.predicate
def is_self(user: Any, person: Any) -> bool:
    return (
        person is not None
        and getattr(user, "is_active", False)
        and user.is_authenticated
        and user.pk == person.pk
    )


rules.add_perm("api.manage_token", is_self)
