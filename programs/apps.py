from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programs")

    def ready(self) -> None:
        # Django's place for wiring that needs the models: apps.py itself is
        # imported before they are ready, so these imports cannot be at the top.
        from hub.core import hooks
        from programs import (
            rules,  # noqa: F401 - registers the permissions
            services,
            signals,
        )

        signals.connect()
        hooks.register_rights_changed(services.inviter_rights_changed)
