from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """The open-data catalog, above the floor and below every domain app."""

    name = "catalog"
    verbose_name = _("Open-data catalog")
