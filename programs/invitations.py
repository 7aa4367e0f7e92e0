"""An opened invitation link, remembered in the session until sign-up or
sign-in completes (see :mod:`programs.adapter`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from programs import services
from programs.models import Invitation, normalize_email

SESSION_KEY = "programs_invitation"
# allauth's sign-up page prefills its e-mail field from this key.
PREFILL_KEY = "account_verified_email"


def same_address(invited: str, given: str) -> bool:
    return normalize_email(invited) == normalize_email(given)


def remember(request: HttpRequest, invitation: Invitation) -> None:
    request.session[SESSION_KEY] = {"id": invitation.pk, "hash": invitation.token_hash}
    request.session[PREFILL_KEY] = invitation.email


def forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(PREFILL_KEY, None)


def from_session(request: HttpRequest) -> Invitation | None:
    """The remembered invitation if it can still be accepted, else None."""
    stored = getattr(request, "session", {}).get(SESSION_KEY)
    if not isinstance(stored, dict):
        return None
    stored_id: Any = stored.get("id")  # whatever the session holds: the lookup checks
    invitation = (
        Invitation.objects.select_related("program", "cohort", "invited_by")
        .filter(pk=stored_id, token_hash=stored.get("hash"))
        .first()
    )
    if invitation is None:
        return None
    try:
        services.check_usable(invitation)
    except services.InvitationUnusable:
        return None
    return invitation


def accept_after_signup(request: HttpRequest, user: Any) -> None:
    """allauth's ``user_signed_up``: apply the remembered invitation when the
    new account's verified address is the invited one."""
    invitation = from_session(request)
    forget(request)
    if invitation is None:
        return
    try:
        services.accept_invitation(invitation, user=user)
    except services.InvitationUnusable:
        return  # another address was typed: it needs verifying, nothing granted
    request.joined_program = invitation.program  # type: ignore[attr-defined]
    messages.success(
        request,
        _("Welcome to “%(program)s”.") % {"program": invitation.program.name},
    )


def remember_nav(request: HttpRequest, user: Any) -> None:
    """``user_logged_in``: whether the header shows "Programs" this session."""
    request.session["programs_nav"] = services.programs_of(user)
