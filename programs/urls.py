"""URLs of the programs app."""

from __future__ import annotations

urlpatterns: list = []
