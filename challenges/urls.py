"""URLs of the challenges app."""

from __future__ import annotations

urlpatterns: list = []
