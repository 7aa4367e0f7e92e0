"""Writes the full export zip.

Layout::

    manifest.json                 format, schema, Clusterhub version, export
                                  time, rows per table, SHA-256 of every file
    data/<app>.<model>.json       every row of every exported table
    csv/<table>.csv               the main tables for spreadsheets
    plans/<idea id>.md            each business plan's current Markdown
    plans/<idea id>.ystate        and its whole Yjs document, as one update

Each data file is a JSON array with one row per line, ordered by primary key:
``{"fields": {...}, "model": "ideas.idea", "pk": 7}``, keys sorted. Foreign
keys hold the target's primary key, except those to content types and
permissions, which hold their natural key. Times are ISO 8601 in UTC with
microseconds, decimals are strings, binary fields base64. Everything but
``exported_at`` in the manifest is a function of the data, so two exports of
the same data are byte-identical file for file.

Rows are read with ``.iterator(chunk_size=...)`` and written straight into
the zip, so memory stays bounded whatever the size. The whole export reads
one transaction (on PostgreSQL a repeatable-read snapshot), so its tables
agree with each other even while people keep working.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import IO, Any, cast
from uuid import UUID

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone
from pycrdt import Doc

from hub.core.csvsafe import safe_cell
from hub.export import CHUNK_SIZE, FORMAT, FORMAT_VERSION, MANIFEST, ExportError
from hub.export.models import (
    CSV_TABLES,
    EXCLUDED,
    current_schema,
    export_models,
    label,
    natural_key_fields,
    unapplied_migrations,
)
from ideas.documents import doc_text
from ideas.models import BusinessPlan, DocSnapshot, DocUpdate

#: Every entry gets this time, so the zip's own bytes depend on the data only.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def data_file(model: type[models.Model]) -> str:
    return f"data/{label(model)}.json"


def clusterhub_version() -> str:
    try:
        return metadata.version("clusterhub")
    except metadata.PackageNotFoundError:  # running from a bare checkout
        return "unknown"


class _Entry:
    """One file in the zip, written as text; counts its SHA-256 on the way."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self.name = name
        self._stream = archive.open(info, "w", force_zip64=True)
        self._hash = hashlib.sha256()

    def write(self, text: str | bytes) -> None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        self._hash.update(data)
        self._stream.write(data)

    def close(self) -> str:
        self._stream.close()
        return self._hash.hexdigest()

    def __enter__(self) -> _Entry:
        return self

    def __exit__(self, *exc_info: object) -> None:
        # Closing an entry twice is harmless; an entry left open would make
        # the zip refuse to close and hide the original error.
        self._stream.close()


def encode(field: models.Field, value: Any) -> Any:
    """A column's value as JSON (the reader's ``decode`` reverses it)."""
    if value is None:
        return None
    if isinstance(field, models.BinaryField):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(field, models.JSONField):
        return value
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def _natural_keys(model: type[models.Model]) -> dict[int, list[str]]:
    if model is ContentType:
        types = ContentType.objects.values_list("pk", "app_label", "model")
        return {pk: [app, name] for pk, app, name in types}
    if model is Permission:
        permissions = Permission.objects.values_list(
            "pk", "codename", "content_type__app_label", "content_type__model"
        )
        return {pk: [code, app, name] for pk, code, app, name in permissions}
    raise ExportError(f"No natural key mapping for {label(model)}.")


def _dump(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _write_table(
    archive: zipfile.ZipFile, model: type[models.Model], chunk_size: int
) -> tuple[int, str]:
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk]
    # natural_key_fields keeps only relations, so related_model is a model class.
    by_key = {
        f.attname: _natural_keys(cast("type[models.Model]", f.related_model))
        for f in natural_key_fields(model)
    }
    rows = (
        model._base_manager.order_by("pk")
        .values_list(pk.attname, *(f.attname for f in fields))
        .iterator(chunk_size=chunk_size)
    )
    count = 0
    name = label(model)
    with _Entry(archive, data_file(model)) as entry:
        entry.write("[")
        for row in rows:
            values = {}
            for field, value in zip(fields, row[1:], strict=True):
                mapping = by_key.get(field.attname)
                if mapping is None or value is None:
                    values[field.name] = encode(field, value)
                elif value in mapping:
                    values[field.name] = mapping[value]
                else:
                    raise ExportError(
                        f"{name} row {row[0]} points to a missing "
                        f"{label(cast('type[models.Model]', field.related_model))} ({value})."
                    )
            record = {"model": name, "pk": encode(pk, row[0]), "fields": values}
            entry.write(("\n" if count == 0 else ",\n") + _dump(record))
            count += 1
        entry.write("\n]\n" if count else "]\n")
    return count, entry.close()


def _csv_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = value.astimezone(UTC)
    return safe_cell(value)


def _write_csv(
    archive: zipfile.ZipFile, stem: str, model: type[models.Model], chunk_size: int
) -> tuple[str, int, str]:
    fields = [
        f for f in model._meta.concrete_fields if not isinstance(f, models.BinaryField)
    ]
    name = f"csv/{stem}.csv"
    count = 0
    with _Entry(archive, name) as entry:
        writer = csv.writer(entry)
        entry.write("\ufeff")  # for Excel, as hub.core.csvsafe does
        writer.writerow([f.attname for f in fields])
        for row in (
            model._base_manager.order_by("pk")
            .values_list(*(f.attname for f in fields))
            .iterator(chunk_size=chunk_size)
        ):
            writer.writerow([_csv_value(v) for v in row])
            count += 1
    return name, count, entry.close()


def _plan_states(chunk_size: int) -> Iterator[tuple[int, str, bytes | None]]:
    """``(idea id, stored Markdown, Yjs state or None)`` per plan, by plan id.

    Three streamed queries merged on the plan id, instead of two per plan.
    """
    snapshots = (
        DocSnapshot.objects.order_by("plan_id")
        .values_list("plan_id", "state")
        .iterator(chunk_size=chunk_size)
    )
    updates = (
        DocUpdate.objects.order_by("plan_id", "id")
        .values_list("plan_id", "data")
        .iterator(chunk_size=chunk_size)
    )
    next_snapshot = next(snapshots, None)
    next_update = next(updates, None)
    for plan_id, idea_id, text in (
        BusinessPlan.objects.order_by("pk")
        .values_list("pk", "idea_id", "text")
        .iterator(chunk_size=chunk_size)
    ):
        parts: list[bytes] = []
        # Rows of plans that no longer exist (none, with the cascade) are skipped.
        while next_snapshot is not None and next_snapshot[0] <= plan_id:
            if next_snapshot[0] == plan_id:
                parts.append(bytes(next_snapshot[1]))
            next_snapshot = next(snapshots, None)
        while next_update is not None and next_update[0] <= plan_id:
            if next_update[0] == plan_id:
                parts.append(bytes(next_update[1]))
            next_update = next(updates, None)
        if not parts:
            yield idea_id, text, None
            continue
        doc: Doc[Any] = Doc()
        for part in parts:
            doc.apply_update(part)
        yield idea_id, doc_text(doc), doc.get_update()


def _write_plans(
    archive: zipfile.ZipFile, chunk_size: int, files: dict[str, str]
) -> int:
    count = 0
    for idea_id, text, state in _plan_states(chunk_size):
        entry = _Entry(archive, f"plans/{idea_id}.md")
        entry.write(text)
        files[entry.name] = entry.close()
        if state is not None:
            entry = _Entry(archive, f"plans/{idea_id}.ystate")
            entry.write(state)
            files[entry.name] = entry.close()
        count += 1
    return count


def write_export(
    target: str | Path | IO[bytes], *, chunk_size: int = CHUNK_SIZE
) -> dict[str, Any]:
    """Write the full export to ``target`` (a path or a seekable binary file);
    returns the manifest."""
    pending = unapplied_migrations()
    if pending:
        raise ExportError(
            "The database is missing migrations (run migrate first): "
            + ", ".join(pending)
        )
    chosen = export_models()
    outermost = not connection.in_atomic_block
    with zipfile.ZipFile(target, "w") as archive, transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # One snapshot for every table: the export is consistent.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        files: dict[str, str] = {}
        tables = []
        for model in chosen:
            rows, digest = _write_table(archive, model, chunk_size)
            files[data_file(model)] = digest
            tables.append(
                {"model": label(model), "file": data_file(model), "rows": rows}
            )
        by_label = {label(m): m for m in chosen}
        csv_tables = []
        for stem, model_label in CSV_TABLES.items():
            if model_label in by_label:
                name, rows, digest = _write_csv(
                    archive, stem, by_label[model_label], chunk_size
                )
                files[name] = digest
                csv_tables.append({"model": model_label, "file": name, "rows": rows})
        plans = _write_plans(archive, chunk_size, files)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "clusterhub_version": clusterhub_version(),
            "exported_at": timezone.now().astimezone(UTC).isoformat(),
            "schema": current_schema(chosen),
            "tables": tables,
            "csv": csv_tables,
            "plans": plans,
            "excluded": dict(sorted(EXCLUDED.items())),
            "files": dict(sorted(files.items())),
        }
        entry = _Entry(archive, MANIFEST)
        entry.write(json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=2))
        entry.write("\n")
        entry.close()
    return manifest
