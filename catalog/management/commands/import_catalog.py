"""``manage.py import_catalog PATH [--source NAME] [--format ...]``.

Prints each skipped record with its reason, then one summary line that scripts
can parse. URLs go through ``catalog.fetch`` (http(s) only, no
private addresses unless allowed, capped size and time, checked redirects)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.detect import FORMATS
from catalog.fetch import fetch
from catalog.importer import Summary, import_catalog
from catalog.records import CatalogError


class Command(BaseCommand):
    help = "Import an open-data catalog file (DCAT-US, CKAN, DCAT-AP or Socrata)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("location", help="path or http(s) URL of the catalog")
        parser.add_argument("--source", help="catalog source name (default: file name)")
        parser.add_argument("--format", default="auto", choices=FORMATS)

    def handle(self, *args: Any, **options: Any) -> None:
        location: str = options["location"]
        try:
            summary = self.run_import(location, options["source"], options["format"])
        except CatalogError as exc:
            raise CommandError(f"{location}: {exc}") from exc
        for identifier, reason in summary.skipped_reasons:
            self.stdout.write(f"skipped {identifier or '(no identifier)'}: {reason}")
        self.stdout.write(summary.line())

    def run_import(self, location: str, source: str | None, fmt: str) -> Summary:
        if "://" in location:
            with fetch(location) as body:
                name = source or urlsplit(location)._replace(query="").geturl()
                return import_catalog(name[:200], body, fmt, location=location)
        path = Path(location)
        if not path.is_file():
            raise CommandError(f"no such file: {location}")
        return import_catalog(source or path.name, path, fmt)
