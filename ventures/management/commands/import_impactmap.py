"""``manage.py import_impactmap FILE``: load Open Data Impact Map profiles.

Rules in ``ventures.directory.impactmap``; writing in ``ventures.directory.importer``.
Prints each skipped profile with its reason, then one summary line.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ventures.directory.impactmap import read_impactmap
from ventures.directory.importer import import_directory
from ventures.directory.records import DirectoryError


class Command(BaseCommand):
    help = "Import Open Data Impact Map organisation profiles (a JSON file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help='the profiles file, {"results": [...]}')

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = import_directory(read_impactmap(options["file"]))
        except DirectoryError as exc:
            raise CommandError(str(exc)) from exc
        for where, reason in summary.skipped_reasons:
            self.stdout.write(f"skipped {where}: {reason}")
        self.stdout.write(summary.line())
