from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VenturesConfig(AppConfig):
    name = "ventures"
    verbose_name = _("Ventures")

    def ready(self) -> None:
        # Django's place for wiring that needs the models: apps.py itself is
        # imported before they are ready, so this import cannot be at the top.
        from ventures import hooks

        hooks.register()
