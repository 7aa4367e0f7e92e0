from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Staff reporting: the pipeline and outcomes dashboards, the program
    scorecards, the open-data return report and the figures cache. It reads
    every domain app and no domain app reads it."""

    name = "reports"
    verbose_name = _("Reports")
