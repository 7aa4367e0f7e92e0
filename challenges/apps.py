from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengesConfig(AppConfig):
    name = "challenges"
    verbose_name = _("Challenges and reviews")

    def ready(self) -> None:
        # Django's place for wiring that needs the models: apps.py itself is
        # imported before they are ready, so this import cannot be at the top.
        from challenges import hooks

        hooks.register()
