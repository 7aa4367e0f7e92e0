"""API tokens: issue (or regenerate) and revoke a person's key.

One token per person (DRF's ``Token``). Issuing replaces the old key, which
stops working at once. The audit log records that it happened, never the key.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from hub.core import audit
from hub.core.models import User
from hub.core.permissions import require


def _require_self(user: User, actor: User) -> None:
    require(
        actor, "api.manage_token", user, _("People manage only their own API token.")
    )


@transaction.atomic
def issue_token(user: User, *, actor: User) -> Token:
    """Give ``user`` a new API token, replacing any previous one."""
    _require_self(user, actor)
    replaced, _rows = Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    audit.record("api.token_issue", actor=actor, target=user, replaced=bool(replaced))
    return token


@transaction.atomic
def revoke_token(user: User, *, actor: User) -> bool:
    """Delete ``user``'s API token; returns False if there was none."""
    _require_self(user, actor)
    deleted, _rows = Token.objects.filter(user=user).delete()
    if deleted:
        audit.record("api.token_revoke", actor=actor, target=user)
    return bool(deleted)
