"""Restores a full export into an empty instance.

Everything is checked before the first row is written: the file is a zip
with a Clusterhub manifest, every file the manifest lists is there with its
SHA-256, the schema (latest migration per app) is the one this code has and
the database has run, and the database holds none of the exported tables'
rows (apart from what ``migrate`` itself creates, which the export replaces).
Then all tables load in dependency order inside one transaction, keeping
their primary keys, and the database's id sequences move past the largest
id, so new rows do not collide. Any error rolls the whole import back.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import IO, Any, cast

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction

from hub.export import CHUNK_SIZE, FORMAT, FORMAT_VERSION, MANIFEST, ExportError
from hub.export.models import (
    SEEDED_BY_MIGRATIONS,
    current_schema,
    export_models,
    label,
    natural_key_fields,
    unapplied_migrations,
)


def decode(field: models.Field, value: Any) -> Any:
    """The Python value of a column written by the writer's ``encode``."""
    if value is None:
        return None
    if isinstance(field, models.BinaryField):
        return base64.b64decode(value.encode("ascii"), validate=True)
    if isinstance(field, models.JSONField):
        return value
    if field.is_relation:  # a concrete relation is a ForeignKey (or OneToOneField)
        return cast(models.ForeignKey, field).target_field.to_python(value)
    return field.to_python(value)


def _open(source: str | Path | IO[bytes]) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ExportError(f"This is not a readable zip file: {exc}") from exc


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except KeyError as exc:
        raise ExportError(
            f"The zip has no {MANIFEST}: it is not a Clusterhub export."
        ) from exc
    except (ValueError, zipfile.BadZipFile, OSError) as exc:
        raise ExportError(f"{MANIFEST} cannot be read: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ExportError(f"{MANIFEST} does not describe a Clusterhub export.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ExportError(
            f"This export has format version {manifest.get('format_version')!r}; "
            f"this Clusterhub reads version {FORMAT_VERSION}."
        )
    if not isinstance(manifest.get("tables"), list) or not isinstance(
        manifest.get("files"), dict
    ):
        raise ExportError(f"{MANIFEST} lists no tables or files.")
    return manifest


def _check_schema(manifest: dict[str, Any], chosen: list[type[models.Model]]) -> None:
    pending = unapplied_migrations()
    if pending:
        raise ExportError(
            "This database is missing migrations (run migrate first): "
            + ", ".join(pending)
        )
    here = current_schema(chosen)
    there = manifest.get("schema")
    if there != here:
        apps = sorted(set(here) | set(there or {}))
        differences = [
            f"{app}: export {(there or {}).get(app, '-')}, here {here.get(app, '-')}"
            for app in apps
            if (there or {}).get(app) != here.get(app)
        ]
        raise ExportError(
            "The export was made with another database schema; restore it with "
            "the Clusterhub version that wrote it ("
            f"{manifest.get('clusterhub_version', 'unknown')}), or migrate that "
            "instance first. Differences: " + "; ".join(differences)
        )


def _check_files(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    names = set(archive.namelist())
    for name, expected in sorted(manifest["files"].items()):
        if name not in names:
            raise ExportError(f"The export is incomplete: {name} is missing.")
        digest = hashlib.sha256()
        try:
            with archive.open(name) as stream:
                for block in iter(partial(stream.read, 1 << 20), b""):
                    digest.update(block)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ExportError(f"{name} is damaged: {exc}") from exc
        if digest.hexdigest() != expected:
            raise ExportError(f"{name} is damaged: its checksum does not match.")


def _tables(
    manifest: dict[str, Any], chosen: list[type[models.Model]]
) -> list[tuple[type[models.Model], str, int]]:
    """(model, file, rows) in this code's load order."""
    listed: dict[str, tuple[str, int]] = {}
    for table in manifest["tables"]:
        try:
            listed[table["model"]] = (table["file"], int(table["rows"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ExportError(f"{MANIFEST} has a bad table entry: {table!r}") from exc
    known = {label(m) for m in chosen}
    unknown = sorted(set(listed) - known)
    if unknown:
        raise ExportError(
            "The export holds tables this Clusterhub does not know: "
            + ", ".join(unknown)
        )
    for name, (file, _rows) in listed.items():
        if file not in manifest["files"]:
            raise ExportError(f"{MANIFEST} lists {file} for {name} without a checksum.")
    return [(m, *listed[label(m)]) for m in chosen if label(m) in listed]


def check_empty(chosen: list[type[models.Model]]) -> None:
    """Refuse a database that already holds the hub's data."""
    held = [
        f"{label(m)}: {m._base_manager.count()}"
        for m in chosen
        if label(m) not in SEEDED_BY_MIGRATIONS and m._base_manager.exists()
    ]
    if held:
        raise ExportError(
            "import_all restores into an empty, freshly migrated database, and "
            "this one already holds rows in "
            + ", ".join(held[:8])
            + (" …" if len(held) > 8 else "")
        )


class _KeyLookup:
    """Natural keys of content types and permissions -> this database's ids."""

    def __init__(self) -> None:
        self._cache: dict[tuple[type[models.Model], tuple[str, ...]], int] = {}

    def __call__(self, model: type[models.Model], key: Any) -> int:
        if not isinstance(key, list) or not all(isinstance(k, str) for k in key):
            raise ExportError(f"Bad natural key for {label(model)}: {key!r}")
        cache_key = (model, tuple(key))
        if cache_key not in self._cache:
            try:
                if model is ContentType:
                    pk = ContentType.objects.get_by_natural_key(*key).pk
                elif model is Permission:
                    pk = Permission.objects.get_by_natural_key(*key).pk
                else:
                    raise ExportError(f"No natural key lookup for {label(model)}.")
            except (ObjectDoesNotExist, TypeError) as exc:
                raise ExportError(
                    f"{label(model)} {key!r} does not exist here."
                ) from exc
            self._cache[cache_key] = pk
        return self._cache[cache_key]


def _records(archive: zipfile.ZipFile, name: str, model_label: str) -> Iterator[dict]:
    with archive.open(name) as raw:
        for number, line in enumerate(io.TextIOWrapper(raw, "utf-8", newline="\n"), 1):
            text = line.strip()
            if text in ("", "[", "]", "[]"):
                continue
            try:
                record = json.loads(text.removesuffix(","))
            except ValueError as exc:
                raise ExportError(f"{name} line {number} is not JSON: {exc}") from exc
            if not isinstance(record, dict) or record.get("model") != model_label:
                raise ExportError(f"{name} line {number} is not a {model_label} row.")
            yield record


def _load_table(
    archive: zipfile.ZipFile,
    model: type[models.Model],
    name: str,
    lookup: _KeyLookup,
    chunk_size: int,
) -> int:
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk]
    by_name = {f.name: f for f in fields}
    by_key = {
        f.name: cast("type[models.Model]", f.related_model)
        for f in natural_key_fields(model)
    }
    manager = model._base_manager
    batch_size = max(
        1,
        min(
            chunk_size,
            connection.ops.bulk_batch_size([pk, *fields], [None] * chunk_size),
        ),
    )
    batch: list[models.Model] = []
    count = 0
    for record in _records(archive, name, label(model)):
        values = record.get("fields")
        if not isinstance(values, dict) or set(values) != set(by_name):
            raise ExportError(
                f"{name}: row {record.get('pk')!r} does not have the columns of "
                f"{label(model)}."
            )
        try:
            kwargs = {pk.attname: decode(pk, record.get("pk"))}
            for field_name, value in values.items():
                field = by_name[field_name]
                if field_name in by_key and value is not None:
                    kwargs[field.attname] = lookup(by_key[field_name], value)
                else:
                    kwargs[field.attname] = decode(field, value)
        except (ValidationError, ValueError, TypeError, binascii.Error) as exc:
            raise ExportError(
                f"{name}: row {record.get('pk')!r} has a bad value: {exc}"
            ) from exc
        batch.append(model(**kwargs))
        if len(batch) >= batch_size:
            count += _insert(manager, batch, [pk, *fields])
            batch = []
    if batch:
        count += _insert(manager, batch, [pk, *fields])
    return count


def _insert(
    manager: models.Manager, batch: list[models.Model], fields: list[models.Field]
) -> int:
    # raw=True, as loaddata saves: keep the exported values of auto_now and
    # auto_now_add fields instead of stamping the time of the import.
    # Django's private bulk insert (what loaddata uses); django-stubs leave it out.
    manager._insert(batch, fields=fields, raw=True)  # type: ignore[attr-defined]
    return len(batch)


def _reset_sequences(chosen: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), chosen)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def import_export(
    source: str | Path | IO[bytes], *, chunk_size: int = CHUNK_SIZE
) -> dict[str, int]:
    """Restore the export in ``source`` into this (empty) database; returns the
    rows loaded per table. Raises :class:`ExportError`, having written
    nothing, when anything is wrong."""
    with _open(source) as archive:
        manifest = read_manifest(archive)
        chosen = export_models()
        _check_schema(manifest, chosen)
        tables = _tables(manifest, chosen)
        _check_files(archive, manifest)
        ContentType.objects.clear_cache()
        lookup = _KeyLookup()
        loaded: dict[str, int] = {}
        try:
            with transaction.atomic():
                check_empty(chosen)
                for model in reversed(chosen):
                    if label(model) in SEEDED_BY_MIGRATIONS:
                        model._base_manager.all().delete()
                for model, name, rows in tables:
                    count = _load_table(archive, model, name, lookup, chunk_size)
                    if count != rows:
                        raise ExportError(
                            f"{name} holds {count} rows; the manifest says {rows}."
                        )
                    loaded[label(model)] = count
                # Foreign keys are checked at commit; check them now, so a
                # broken reference is reported here on every backend.
                connection.check_constraints(
                    table_names=[model._meta.db_table for model, _n, _r in tables]
                )
                _reset_sequences(chosen)
        except DatabaseError as exc:
            raise ExportError(f"The database refused the data: {exc}") from exc
    return loaded
