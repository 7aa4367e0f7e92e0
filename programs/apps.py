from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programs")

    def ready(self) -> None:
        from allauth.account.signals import user_signed_up
        from django.contrib.auth.signals import user_logged_in

        from programs import rules  # noqa: F401 - registers the permissions

        user_signed_up.connect(_signed_up, dispatch_uid="programs-signed-up")
        user_logged_in.connect(_logged_in, dispatch_uid="programs-logged-in")


def _signed_up(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from programs.invitations import accept_after_signup

    if request is not None:
        accept_after_signup(request, user)


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from programs.invitations import remember_nav

    if request is not None and hasattr(request, "session"):
        remember_nav(request, user)
