"""Sign-up and sign-in receivers of the programs app, connected from
:meth:`programs.apps.ProgramsConfig.ready`: an invitation remembered in the
session is accepted after sign-up, and a member's programs go into the nav."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import user_signed_up
from django.contrib.auth.signals import user_logged_in

from programs.invitations import accept_after_signup, remember_nav


def _signed_up(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None:
        accept_after_signup(request, user)


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        remember_nav(request, user)


def connect() -> None:
    user_signed_up.connect(_signed_up, dispatch_uid="programs-signed-up")
    user_logged_in.connect(_logged_in, dispatch_uid="programs-logged-in")
