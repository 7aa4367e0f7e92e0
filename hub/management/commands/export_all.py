"""``manage.py export_all OUT.zip``: every record the hub holds, in one zip."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hub.export import CHUNK_SIZE, ExportError
from hub.export.writer import write_export


class Command(BaseCommand):
    help = (
        "Write the full export (JSON per table, CSV of the main tables, the "
        "plans as Markdown and Yjs state, a manifest) to a zip file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", help="The zip file to write.")
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=CHUNK_SIZE,
            help=f"Rows read per round trip (default {CHUNK_SIZE}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        if not out.parent.is_dir():
            raise CommandError(f"There is no folder {out.parent}.")
        # Written next to the target and renamed at the end, so a failed run
        # never leaves half a zip under the final name.
        fd, partial = tempfile.mkstemp(
            prefix=f".{out.name}.", suffix=".partial", dir=out.parent
        )
        try:
            with os.fdopen(fd, "w+b") as handle:
                manifest = write_export(handle, chunk_size=options["chunk_size"])
            os.replace(partial, out)
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
        rows = sum(table["rows"] for table in manifest["tables"])
        self.stdout.write(
            f"Wrote {out}: {len(manifest['tables'])} tables, {rows} rows, "
            f"{manifest['plans']} plans, {len(manifest['csv'])} CSV tables."
        )
        self.stdout.write(
            "Left out (see docs/features/export.md): "
            + ", ".join(manifest["excluded"])
            + "."
        )
