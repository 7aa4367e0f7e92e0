from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClusterhubConfig(AppConfig):
    """The roof: settings, urls, asgi, the landing page, export and import.

    It has no models; it is an app only for its templates and its management
    commands. Its label differs from ``hub``, which is the floor's
    (:mod:`hub.core`).
    """

    name = "hub"
    label = "clusterhub"
    verbose_name = _("Clusterhub")
