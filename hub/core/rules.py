"""Permissions on the hub's own staff tools, as `rules` predicates."""

from __future__ import annotations

import rules

from hub.core.permissions import is_city_staff

#: Downloading the full export (every record, password hashes included).
rules.add_perm("hub.export_data", is_city_staff)
