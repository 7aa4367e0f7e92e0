"""URLs of the api app."""

from __future__ import annotations

urlpatterns: list = []
