"""The full export and re-import: the city's exit strategy.

``writer`` builds the zip (``manage.py export_all``, the staff export page),
``reader`` restores it into an empty instance (``manage.py import_all``) and
``models`` decides which tables are in it and in which order.
docs/features/export.md describes the file.
"""

from __future__ import annotations

FORMAT = "clusterhub-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: Rows fetched, and inserted, per round trip.
CHUNK_SIZE = 2000


class ExportError(Exception):
    """The export cannot be written or read; the message says why."""
