"""Write a parsed company directory (Open Data 500, Impact Map) into the hub.

The parsers (``ventures.directory.od500``, ``ventures.directory.impactmap``) turn their files into
a :class:`Directory` of plain records; :func:`import_directory` upserts it in
one transaction with a fixed number of bulk queries per kind of row, so a
re-import of the same files writes nothing and reports everything unchanged.

Identity on re-import:

* a venture is found by its :class:`~ventures.models.ExternalReference`
  ``(source, key)``; a record with no reference yet first looks for a venture
  another directory created with the same ``match_key`` (normalized name and
  country) and attaches to it ("merged") instead of creating a duplicate.
  Only the reference that created a venture (``primary``) rewrites its fields,
  and only when the record's content hash differs from what it last wrote.
* a dataset is found by its identifier in the directory's own catalog source
  (format "survey": named by a survey, not in a catalog). A dataset met for the
  first time that may be matched (``Directory.matchable``) is first looked up
  in the real catalogs by landing page (scheme, ``www.`` and trailing slash
  ignored; a bare home page such as ``http://www.sec.gov/`` never matches) and then by title and publisher (case and spacing ignored); the
  first match by id is linked instead of creating an uncatalogued copy. Once
  created, the uncatalogued dataset keeps its links (no silent re-pointing).
* the import owns one impact snapshot per venture and directory: the one not
  recorded by a person whose ``source`` starts with ``Directory.snapshot_prefix``.
* the import owns one funding note per venture: amount empty, not recorded by a
  person, status reported.
* a link (``DatasetUse``) is created when missing and otherwise left alone, so
  an edit by the venture's team survives a re-import.

Nothing is deleted. A dataset of the directory's source that the files no
longer name is marked withdrawn, as the catalog importer does.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from catalog.models import CatalogFormat, CatalogSource, Dataset
from catalog.records import DatasetRecord
from hub.core import audit
from hub.core.rendering import render_markdown
from ventures.directory.records import Directory, VentureRecord
from ventures.models import (
    DatasetUse,
    ExternalReference,
    FundingEvent,
    FundingStatus,
    ImpactSnapshot,
    Venture,
)

BATCH = 500


# --------------------------------------------------------------------------------------
# The summary the command prints
# --------------------------------------------------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Summary:
    ventures: Counts = field(default_factory=Counts)
    merged: int = 0  # records attached to a venture another directory created
    datasets: Counts = field(default_factory=Counts)
    matched: int = 0  # datasets first found in a real catalog, so not created
    withdrawn: int = 0
    links: Counts = field(default_factory=Counts)
    snapshots: Counts = field(default_factory=Counts)
    notes: Counts = field(default_factory=Counts)
    skipped: int = 0
    skipped_reasons: list[tuple[str, str]] = field(default_factory=list)
    unlinked_urls: int = 0  # URLs given but not valid http(s) links; rows kept

    def counts(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "ventures": {**asdict(self.ventures), "merged": self.merged},
            "datasets": {
                **asdict(self.datasets),
                "matched": self.matched,
                "withdrawn": self.withdrawn,
            },
            "links": asdict(self.links),
            "snapshots": asdict(self.snapshots),
            "notes": asdict(self.notes),
        }
        data["skipped"] = self.skipped
        if self.unlinked_urls:  # only then, so the usual line stays as it was
            data["unlinked_urls"] = self.unlinked_urls
        return data

    def line(self) -> str:
        groups = [
            f"{name} " + " ".join(f"{k}={v}" for k, v in values.items())
            for name, values in self.counts().items()
            if isinstance(values, dict)
        ]
        unlinked = [f"unlinked_urls={self.unlinked_urls}"] if self.unlinked_urls else []
        return "; ".join([*groups, f"skipped={self.skipped}", *unlinked])

    @property
    def changed(self) -> int:
        return (
            sum(
                c.created + c.updated
                for c in (
                    self.ventures,
                    self.datasets,
                    self.links,
                    self.snapshots,
                    self.notes,
                )
            )
            + self.merged
            + self.withdrawn
        )


# --------------------------------------------------------------------------------------
# The import
# --------------------------------------------------------------------------------------


def import_directory(directory: Directory) -> Summary:
    """Upsert ``directory`` in one transaction; see the module docstring."""
    summary = Summary(
        skipped=len(directory.skipped),
        skipped_reasons=list(directory.skipped),
        unlinked_urls=directory.unlinked_urls,
    )
    with transaction.atomic():
        catalog, _ = CatalogSource.objects.get_or_create(
            name=directory.catalog_name,
            defaults={"format": CatalogFormat.SURVEY, "location": directory.location},
        )
        used = {link.dataset_key for v in directory.ventures for link in v.links}
        dataset_ids = _upsert_datasets(catalog, directory, used, summary)
        venture_ids = _upsert_ventures(directory, summary)
        _upsert_links(directory, venture_ids, dataset_ids, summary)
        _upsert_snapshots(directory, venture_ids, summary)
        _upsert_notes(directory, venture_ids, summary)
        catalog.location = directory.location[:2000]
        catalog.format = CatalogFormat.SURVEY
        catalog.last_imported_at = timezone.now()
        # The catalog-sources page lists these like a catalog import's counts.
        catalog.last_counts = {
            **asdict(summary.datasets),
            "matched": summary.matched,
            "withdrawn": summary.withdrawn,
            "skipped": summary.skipped,
            **(
                {"unlinked_urls": summary.unlinked_urls}
                if summary.unlinked_urls
                else {}
            ),
        }
        catalog.save()
        if summary.changed:
            audit.record(
                "ventures.import_directory",
                actor=None,
                target=catalog,
                directory=directory.source,
                counts=summary.counts(),
            )
    return summary


def _chunks(items: list[Any], size: int = BATCH) -> Any:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# -- datasets --------------------------------------------------------------------------


def _dataset_fields(record: DatasetRecord) -> dict[str, Any]:
    return {
        "title": record.title,
        "description": record.description,
        "publisher": record.publisher,
        "keywords": list(record.keywords),
        "themes": list(record.themes),
        "landing_page": record.landing_page,
        "content_hash": record.content_hash(),
    }


def _url_variants(url: str) -> set[str]:
    bare = re.sub(r"^https?://(?:www\.)?", "", url.strip(), flags=re.I).rstrip("/")
    if "/" not in bare:
        return set()  # a bare home page says nothing about which dataset
    return {
        f"{scheme}{www}{bare}{slash}"
        for scheme in ("http://", "https://")
        for www in ("", "www.")
        for slash in ("", "/")
    }


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _match_catalog(
    catalog: CatalogSource, records: list[DatasetRecord]
) -> dict[str, int]:
    """Identifier → pk of a real catalog dataset with the same landing page, or
    else the same title and publisher. Two queries per batch of records."""
    found: dict[str, int] = {}
    others = Dataset.objects.exclude(source=catalog).filter(withdrawn=False)
    for chunk in _chunks(records, 100):
        by_url: dict[str, list[str]] = defaultdict(list)
        for record in chunk:
            for variant in _url_variants(record.landing_page):
                by_url[variant].append(record.identifier)
        if by_url:
            rows = others.filter(landing_page__in=list(by_url)).order_by("pk")
            for pk, page in rows.values_list("pk", "landing_page"):
                for identifier in by_url[page]:
                    found.setdefault(identifier, pk)
        wanted = {
            (_fold(r.title), _fold(r.publisher)): r.identifier
            for r in chunk
            if r.identifier not in found
        }
        if wanted:
            title_q = Q()
            for record in chunk:
                title_q |= Q(title__iexact=record.title)
            rows = others.filter(title_q).order_by("pk")
            for pk, title, publisher in rows.values_list("pk", "title", "publisher"):
                matched = wanted.get((_fold(title), _fold(publisher)))
                if matched:
                    found.setdefault(matched, pk)
    return found


def _upsert_datasets(
    catalog: CatalogSource, directory: Directory, used: set[str], summary: Summary
) -> dict[str, int]:
    existing = {
        identifier: (pk, digest, withdrawn)
        for identifier, pk, digest, withdrawn in Dataset.objects.filter(
            source=catalog
        ).values_list("identifier", "pk", "content_hash", "withdrawn")
    }
    records = [directory.datasets[key] for key in sorted(used)]
    new = [r for r in records if r.identifier not in existing]
    matched = _match_catalog(
        catalog, [r for r in new if r.identifier in directory.matchable]
    )
    # A match this directory already links to is old news: count it unchanged.
    linked = set(
        DatasetUse.objects.filter(
            dataset_id__in=list(matched.values()),
            venture__external_refs__source=directory.source,
        ).values_list("dataset_id", flat=True)
    )
    summary.datasets.unchanged += sum(1 for pk in matched.values() if pk in linked)
    summary.matched = len(matched) - summary.datasets.unchanged
    ids: dict[str, int] = dict(matched)
    to_create: list[Dataset] = []
    now = timezone.now()
    for record in records:
        row = existing.get(record.identifier)
        if record.identifier in matched:
            continue
        if row is None:
            to_create.append(
                Dataset(
                    source=catalog,
                    identifier=record.identifier,
                    **_dataset_fields(record),
                )
            )
        elif row[1] == record.content_hash() and not row[2]:
            summary.datasets.unchanged += 1
            ids[record.identifier] = row[0]
        else:
            Dataset.objects.filter(pk=row[0]).update(
                **_dataset_fields(record), withdrawn=False, updated_at=now
            )
            summary.datasets.updated += 1
            ids[record.identifier] = row[0]
    for dataset in Dataset.objects.bulk_create(to_create, batch_size=BATCH):
        ids[dataset.identifier] = dataset.pk
    summary.datasets.created = len(to_create)
    gone = [pk for ident, (pk, _, w) in existing.items() if not w and ident not in used]
    for chunk in _chunks(gone):
        Dataset.objects.filter(pk__in=chunk).update(withdrawn=True, updated_at=now)
    summary.withdrawn = len(gone)
    return ids


# -- ventures --------------------------------------------------------------------------


def _venture_fields(record: VentureRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "description": record.description,
        "description_html": render_markdown(record.description),
        "website": record.website,
        "founded_on": record.founded_on,
        "launched_on": record.launched_on or timezone.localdate(),
    }


def _free_slugs(records: list[VentureRecord]) -> list[str]:
    """A unique slug per record: the slugified name, "-2", "-3"... on collision."""
    bases = [
        slugify(r.name)[:150] or slugify(r.key)[:150] or "venture" for r in records
    ]
    taken: set[str] = set()
    for chunk in _chunks(sorted(set(bases))):
        q = Q()
        for base in chunk:
            q |= Q(slug__startswith=base)
        taken.update(Venture.objects.filter(q).values_list("slug", flat=True))
    slugs = []
    for base in bases:
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        slugs.append(slug)
    return slugs


def _upsert_ventures(directory: Directory, summary: Summary) -> dict[str, int]:
    """Record key → venture pk, creating, updating or merging as needed."""
    refs = {
        ref.key: ref
        for ref in ExternalReference.objects.filter(source=directory.source)
    }
    ids: dict[str, int] = {}
    fresh: list[VentureRecord] = []
    changed: list[tuple[ExternalReference, VentureRecord]] = []
    for record in directory.ventures:
        ref = refs.get(record.key)
        if ref is None:
            fresh.append(record)
        else:
            ids[record.key] = ref.venture_id
            if not ref.primary or ref.content_hash == record.content_hash():
                summary.ventures.unchanged += 1
            else:
                changed.append((ref, record))
    # A record new to this directory may be a venture another directory made.
    others: dict[str, int] = {}
    match_keys = sorted({r.match_key for r in fresh if r.match_key})
    for chunk in _chunks(match_keys):
        rows = (
            ExternalReference.objects.filter(match_key__in=chunk)
            .exclude(source=directory.source)
            .order_by("pk")
            .values_list("match_key", "venture_id")
        )
        for match_key, other_id in rows:
            others.setdefault(match_key, other_id)
    new_refs: list[ExternalReference] = []
    to_create: list[VentureRecord] = []
    for record in fresh:
        venture_id = others.get(record.match_key) if record.match_key else None
        if venture_id is None:
            to_create.append(record)
            continue
        ids[record.key] = venture_id
        summary.merged += 1
        new_refs.append(
            ExternalReference(
                venture_id=venture_id,
                source=directory.source,
                key=record.key,
                match_key=record.match_key,
                content_hash=record.content_hash(),
            )
        )
    ventures = [
        Venture(slug=slug, **_venture_fields(record))
        for record, slug in zip(to_create, _free_slugs(to_create), strict=True)
    ]
    Venture.objects.bulk_create(ventures, batch_size=BATCH)
    summary.ventures.created = len(ventures)
    for record, venture in zip(to_create, ventures, strict=True):
        ids[record.key] = venture.pk
        new_refs.append(
            ExternalReference(
                venture=venture,
                source=directory.source,
                key=record.key,
                match_key=record.match_key,
                primary=True,
                content_hash=record.content_hash(),
            )
        )
    ExternalReference.objects.bulk_create(new_refs, batch_size=BATCH)
    _add_sectors(list(zip(to_create, ventures, strict=True)))
    for ref, record in changed:
        fields = _venture_fields(record)
        Venture.objects.filter(pk=ref.venture_id).update(**fields)
        Venture.objects.get(pk=ref.venture_id).sectors.set(list(record.sectors))
        ref.content_hash = record.content_hash()
        ref.match_key = record.match_key
        ref.save(update_fields=["content_hash", "match_key"])
        summary.ventures.updated += 1
    return ids


def _add_sectors(pairs: list[tuple[VentureRecord, Venture]]) -> None:
    """Tag new ventures in bulk: one query for existing tags, one insert."""
    names = sorted({name for record, _ in pairs for name in record.sectors})
    if not names:
        return
    q = Q()
    for name in names:
        q |= Q(name__iexact=name)
    tags = {tag.name.casefold(): tag for tag in Tag.objects.filter(q)}
    for name in names:
        if name.casefold() not in tags:
            tags[name.casefold()] = Tag.objects.create(name=name)
    content_type = ContentType.objects.get_for_model(Venture)
    TaggedItem.objects.bulk_create(
        (
            TaggedItem(
                content_type=content_type,
                object_id=venture.pk,
                tag=tags[name.casefold()],
            )
            for record, venture in pairs
            for name in dict.fromkeys(n.casefold() for n in record.sectors)
        ),
        batch_size=BATCH,
    )


# -- links, snapshots, notes -----------------------------------------------------------


def _upsert_links(
    directory: Directory,
    venture_ids: dict[str, int],
    dataset_ids: dict[str, int],
    summary: Summary,
) -> None:
    wanted: dict[tuple[int, int], str] = {}
    for record in directory.ventures:
        for link in record.links:
            pair = (venture_ids[record.key], dataset_ids[link.dataset_key])
            wanted.setdefault(pair, link.how)
    existing: set[tuple[int, int]] = set()
    for chunk in _chunks(sorted({v for v, _ in wanted})):
        existing.update(
            DatasetUse.objects.filter(venture_id__in=chunk).values_list(
                "venture_id", "dataset_id"
            )
        )
    rendered = {
        how: render_markdown(how) if how else "" for how in set(wanted.values())
    }
    to_create = [
        DatasetUse(
            venture_id=venture_id,
            dataset_id=dataset_id,
            how=how,
            how_html=rendered[how],
        )
        for (venture_id, dataset_id), how in wanted.items()
        if (venture_id, dataset_id) not in existing
    ]
    DatasetUse.objects.bulk_create(to_create, batch_size=BATCH)
    summary.links.created = len(to_create)
    summary.links.unchanged = len(wanted) - len(to_create)


def _upsert_snapshots(
    directory: Directory, venture_ids: dict[str, int], summary: Summary
) -> None:
    wanted = {venture_ids[r.key]: r.snapshot for r in directory.ventures if r.snapshot}
    existing: dict[int, ImpactSnapshot] = {}
    for chunk in _chunks(sorted(wanted)):
        rows = ImpactSnapshot.objects.filter(
            venture_id__in=chunk,
            recorded_by__isnull=True,
            source__startswith=directory.snapshot_prefix,
        ).order_by("-date", "-id")
        for row in rows:
            existing.setdefault(row.venture_id, row)
    to_create: list[ImpactSnapshot] = []
    for venture_id, record in wanted.items():
        snapshot = existing.get(venture_id)
        if snapshot is None:
            to_create.append(ImpactSnapshot(venture_id=venture_id, **asdict(record)))
        elif (snapshot.date, snapshot.full_time_jobs, snapshot.source) == (
            record.date,
            record.full_time_jobs,
            record.source,
        ):
            summary.snapshots.unchanged += 1
        else:
            for name, value in asdict(record).items():
                setattr(snapshot, name, value)
            snapshot.save(update_fields=["date", "full_time_jobs", "source"])
            summary.snapshots.updated += 1
    ImpactSnapshot.objects.bulk_create(to_create, batch_size=BATCH)
    summary.snapshots.created = len(to_create)


def _upsert_notes(
    directory: Directory, venture_ids: dict[str, int], summary: Summary
) -> None:
    wanted = {venture_ids[r.key]: r.note for r in directory.ventures if r.note}
    existing: dict[int, FundingEvent] = {}
    for chunk in _chunks(sorted(wanted)):
        rows = FundingEvent.objects.filter(
            venture_id__in=chunk,
            amount__isnull=True,
            recorded_by__isnull=True,
            status=FundingStatus.REPORTED,
        ).order_by("id")
        for row in rows:
            existing.setdefault(row.venture_id, row)
    to_create: list[FundingEvent] = []

    for venture_id, record in wanted.items():
        event = existing.get(venture_id)
        if event is None:
            to_create.append(
                FundingEvent(
                    venture_id=venture_id,
                    kind=record.kind,
                    amount=None,
                    currency=record.currency,
                    date=record.date,
                    note=record.text,
                    status=FundingStatus.REPORTED,
                )
            )
        elif (event.date, event.kind, event.note) == (
            record.date,
            record.kind,
            record.text,
        ):
            summary.notes.unchanged += 1
        else:
            event.date, event.kind, event.note = record.date, record.kind, record.text
            event.save(update_fields=["date", "kind", "note"])
            summary.notes.updated += 1
    FundingEvent.objects.bulk_create(to_create, batch_size=BATCH)
    summary.notes.created = len(to_create)
