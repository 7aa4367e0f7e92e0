from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo and city-scale data (``seed_demo``, ``seed_scale``): above every
    domain app, which it fills through their services and models."""

    name = "demo"
    verbose_name = _("Demo data")
