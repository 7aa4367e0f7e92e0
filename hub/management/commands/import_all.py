"""``manage.py import_all IN.zip``: restore a full export into an empty instance."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hub.export import CHUNK_SIZE, ExportError
from hub.export.reader import import_export


class Command(BaseCommand):
    help = (
        "Restore a zip written by export_all into this empty, freshly migrated "
        "database, keeping every id. All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="The zip file export_all wrote.")
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=CHUNK_SIZE,
            help=f"Rows inserted per statement at most (default {CHUNK_SIZE}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        try:
            loaded = import_export(options["source"], chunk_size=options["chunk_size"])
        except ExportError as exc:
            raise CommandError(f"Nothing was imported. {exc}") from exc
        for name, rows in loaded.items():
            self.stdout.write(f"{name}: {rows}")
        self.stdout.write(
            f"Imported {sum(loaded.values())} rows into {len(loaded)} tables. "
            "Sign-in sessions, API tokens and two-factor authenticators are not "
            "in an export: people sign in again, and set up two-factor "
            "authentication and API tokens again."
        )
