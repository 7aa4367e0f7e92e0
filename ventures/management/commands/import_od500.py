"""``manage.py import_od500 DIR``: load the Open Data 500 export in ``DIR``.

Rules in ``ventures.directory.od500``; writing in ``ventures.directory.importer``. Prints
each skipped row with its reason, then one summary line.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ventures.directory.importer import import_directory
from ventures.directory.od500 import read_od500
from ventures.directory.records import DirectoryError


class Command(BaseCommand):
    help = (
        "Import the Open Data 500 export (us_companies.csv, us_agencies.csv, "
        "us_Agency_List.json) from a folder."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="folder holding the three export files")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = import_directory(read_od500(options["folder"]))
        except DirectoryError as exc:
            raise CommandError(str(exc)) from exc
        for where, reason in summary.skipped_reasons:
            self.stdout.write(f"skipped {where}: {reason}")
        self.stdout.write(summary.line())
