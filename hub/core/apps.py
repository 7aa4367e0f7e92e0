from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The floor every app stands on: users and roles, audit, notifications,
    mail, rendering, CSV safety, broadcast helpers.

    Its label stays ``hub`` so the tables (``hub_user``, ...), the recorded
    migrations and ``AUTH_USER_MODEL = "hub.User"`` are unchanged.
    """

    name = "hub.core"
    label = "hub"
    verbose_name = _("Clusterhub core")
