"""Upsert a catalog into one ``CatalogSource``, all or nothing.

Each dataset's ``content_hash`` makes re-imports cheap and honest: an unchanged
entry is not written, a changed one is updated (distributions replaced), and an
entry the file no longer has is marked withdrawn, never deleted, so the
ventures linked to it keep their links. A CKAN ``package_list`` name counts as
present (the package exists, the response just carries no metadata), so such a
response withdraws nothing it names.

Memory stays flat on big catalogs: JSON records arrive one at a time
(``detect.read_catalog``), and they are written ``BATCH`` at a time, each batch
looking up only its own identifiers. What grows with the file is the set of
identifiers seen (for duplicates and the withdrawn rule) and the skip reasons.

Links are checked here, for every format at once: a landing page or a
distribution URL that is not a safe http(s) link (``hub.core.safelinks``) is
kept as inert text when it is an ftp address and dropped otherwise, the entry
kept either way, and the summary counts it as ``unlinked_urls``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from catalog import jsonstream
from catalog.ckan import PACKAGE_LIST_REASON
from catalog.detect import read_catalog
from catalog.models import CatalogSource, Dataset, Distribution
from catalog.records import DatasetRecord, Skipped
from hub.core.safelinks import safe_link, stored_url

BATCH = 500
PROGRESS_EVERY = 100  # records between two calls of an import's progress callback


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    skipped: int = 0
    skipped_reasons: list[tuple[str, str]] = field(default_factory=list)
    unlinked_urls: int = 0  # URLs that are not safe links (kept as text or dropped)

    def counts(self) -> dict[str, int]:
        counts = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "withdrawn": self.withdrawn,
            "skipped": self.skipped,
        }
        if self.unlinked_urls:  # only then, so the usual line stays as it was
            counts["unlinked_urls"] = self.unlinked_urls
        return counts

    def line(self) -> str:
        return " ".join(f"{key}={value}" for key, value in self.counts().items())


@contextmanager
def open_input(data_or_path: bytes | str | Path | IO[bytes]) -> Iterator[IO[bytes]]:
    if isinstance(data_or_path, bytes):
        yield io.BytesIO(data_or_path)
    elif isinstance(data_or_path, str | Path):
        with open(data_or_path, "rb") as stream:
            yield stream
    else:
        yield data_or_path


def import_catalog(
    source_name: str,
    data_or_path: bytes | str | Path | IO[bytes],
    fmt: str = "auto",
    *,
    location: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Import a catalog file (path, bytes or binary stream) into the source named
    ``source_name``. Raises ``CatalogError`` on unreadable input, changing nothing.
    ``progress``, if given, is called with the number of records processed so far
    every ``PROGRESS_EVERY`` records and once at the end."""
    if location is None and isinstance(data_or_path, str | Path):
        location = Path(data_or_path).name
    with open_input(data_or_path) as stream:
        try:
            return _import(source_name, stream, fmt, location, progress)
        except jsonstream.NumberTooLarge:  # rolled back; read it again, exactly
            stream.seek(0)
            return _import(
                source_name, stream, fmt, location, progress, jsonstream.EXACT
            )


def _import(
    source_name: str,
    stream: IO[bytes],
    fmt: str,
    location: str | None,
    progress: Callable[[int], None] | None,
    backend: ModuleType = jsonstream.FAST,
) -> Summary:
    fmt_name, records = read_catalog(stream, fmt, backend=backend)
    with transaction.atomic():
        source, _ = CatalogSource.objects.get_or_create(name=source_name)
        summary = _upsert(source, records, progress)
        source.format = fmt_name
        if location:
            source.location = location[:2000]
        source.last_imported_at = timezone.now()
        source.last_counts = summary.counts()
        source.save()
    return summary


def _fields(record: DatasetRecord) -> dict[str, Any]:
    return {
        "title": record.title,
        "description": record.description,
        "publisher": record.publisher,
        "keywords": list(record.keywords),
        "themes": list(record.themes),
        "licence": record.licence,
        "landing_page": record.landing_page,
        "modified": record.modified,
        "access_level": record.access_level,
        "content_hash": record.content_hash(),
    }


def _distributions(dataset_id: int, record: DatasetRecord) -> list[Distribution]:
    return [
        Distribution(dataset_id=dataset_id, **vars(d)) for d in record.distributions
    ]


def _upsert(
    source: CatalogSource,
    records: Iterable[DatasetRecord | Skipped],
    progress: Callable[[int], None] | None = None,
) -> Summary:
    summary = Summary()
    seen: set[str] = set()
    batch: list[DatasetRecord] = []
    for processed, item in enumerate(records, 1):
        if progress and processed % PROGRESS_EVERY == 0:
            progress(processed)
        if isinstance(item, Skipped):
            if item.reason == PACKAGE_LIST_REASON:
                seen.add(item.identifier)
            summary.skipped += 1
            summary.skipped_reasons.append((item.identifier, item.reason))
            continue
        if item.identifier in seen:
            summary.skipped += 1
            summary.skipped_reasons.append(
                (item.identifier, "duplicate identifier in this file")
            )
            continue
        seen.add(item.identifier)
        batch.append(_safe_links(item, summary))
        if len(batch) >= BATCH:
            _write(source, batch, summary)
            batch = []
    _write(source, batch, summary)
    summary.withdrawn = _withdraw(source, seen)
    if progress:
        progress(
            summary.skipped + summary.created + summary.updated + summary.unchanged
        )
    return summary


def _safe_links(record: DatasetRecord, summary: Summary) -> DatasetRecord:
    """``record`` with only safe links, as a browser reads them, and ftp
    addresses as text; every URL that will not be a link is counted."""
    urls = [record.landing_page, *(d.url for d in record.distributions)]
    summary.unlinked_urls += sum(1 for url in urls if url and not safe_link(url))
    return replace(
        record,
        landing_page=stored_url(record.landing_page),
        distributions=tuple(
            replace(d, url=stored_url(d.url)) for d in record.distributions
        ),
    )


def _write(source: CatalogSource, batch: list[DatasetRecord], summary: Summary) -> None:
    """Create, update or leave alone one batch (identifiers unique within it)."""
    if not batch:
        return
    existing = {
        identifier: (pk, digest, withdrawn)
        for identifier, pk, digest, withdrawn in Dataset.objects.filter(
            source=source, identifier__in=[r.identifier for r in batch]
        ).values_list("identifier", "pk", "content_hash", "withdrawn")
    }
    new: list[DatasetRecord] = []
    for record in batch:
        row = existing.get(record.identifier)
        if row is None:
            new.append(record)
        elif row[1] == record.content_hash() and not row[2]:
            summary.unchanged += 1
        else:
            _update(row[0], record)
            summary.updated += 1
    summary.created += _create(source, new)


def _withdraw(source: CatalogSource, seen: set[str]) -> int:
    """Mark withdrawn every current dataset of ``source`` the file did not name."""
    current = Dataset.objects.filter(source=source, withdrawn=False).values_list(
        "identifier", "pk"
    )
    gone = [pk for ident, pk in current.iterator(chunk_size=2000) if ident not in seen]
    for start in range(0, len(gone), BATCH):
        Dataset.objects.filter(pk__in=gone[start : start + BATCH]).update(
            withdrawn=True, updated_at=timezone.now()
        )
    return len(gone)


def _create(source: CatalogSource, records: list[DatasetRecord]) -> int:
    datasets = Dataset.objects.bulk_create(
        Dataset(source=source, identifier=r.identifier, **_fields(r)) for r in records
    )
    Distribution.objects.bulk_create(
        d
        for dataset, record in zip(datasets, records, strict=True)
        for d in _distributions(dataset.pk, record)
    )
    return len(datasets)


def _update(pk: int, record: DatasetRecord) -> None:
    Dataset.objects.filter(pk=pk).update(
        **_fields(record), withdrawn=False, updated_at=timezone.now()
    )
    Distribution.objects.filter(dataset_id=pk).delete()
    Distribution.objects.bulk_create(_distributions(pk, record))
