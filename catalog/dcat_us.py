"""DCAT-US ``data.json``: v1.1 (an object with a ``dataset`` list) and the
legacy v1.0 (a bare array, keywords as one comma string, ``formats`` lists)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from catalog.records import (
    NON_PUBLIC,
    CatalogError,
    DatasetRecord,
    DistributionRecord,
    Skipped,
    access_of,
    as_list,
    clean_line,
    clean_text,
    clean_url,
    identifier_of,
    parse_date,
    split_keywords,
    unique_strings,
)


def prefix(shape: Any) -> str:
    """Where the entries are, as an ijson prefix, from the document's shape."""
    if isinstance(shape, dict) and isinstance(shape.get("dataset"), list):
        return "dataset.item"
    if isinstance(shape, list):
        return "item"
    raise CatalogError("DCAT-US: expected an object with a 'dataset' list or an array")


def parse(entries: Iterable[Any]) -> Iterator[DatasetRecord | Skipped]:
    for entry in entries:
        if not isinstance(entry, dict):
            yield Skipped("", "entry is not an object")
            continue
        yield record(entry)


def record(entry: dict[str, Any]) -> DatasetRecord | Skipped:
    identifier = identifier_of(entry.get("identifier"))
    access = access_of(entry.get("accessLevel"))
    if not identifier:
        return Skipped(clean_line(entry.get("title")), "no identifier")
    if access == NON_PUBLIC:
        return Skipped(identifier, "accessLevel non-public")
    title = clean_line(entry.get("title"))
    if not title:
        return Skipped(identifier, "no title")
    keywords = split_keywords(entry.get("keyword"))
    if not keywords:
        keywords = split_keywords(entry.get("keywords"))
    return DatasetRecord(
        identifier=identifier,
        title=title,
        description=clean_text(entry.get("description")),
        publisher=publisher_name(entry.get("publisher")),
        keywords=keywords,
        themes=unique_strings(as_list(entry.get("theme"))),
        licence=clean_line(entry.get("license"), limit=2000),
        landing_page=clean_url(entry.get("landingPage")),
        modified=parse_date(entry.get("modified")),
        access_level=access,
        distributions=distributions(entry),
    )


def publisher_name(value: object) -> str:
    if isinstance(value, dict):
        return clean_line(value.get("name"), limit=300)
    return clean_line(value, limit=300) if isinstance(value, str) else ""


def distributions(entry: dict[str, Any]) -> tuple[DistributionRecord, ...]:
    found = [
        distribution(d)
        for d in as_list(entry.get("distribution"))
        if isinstance(d, dict)
    ]
    if not found and entry.get("accessURL"):
        found = [
            distribution(
                {"accessURL": entry["accessURL"], "mediaType": entry.get("format")}
            )
        ]
    return tuple(found)


def distribution(item: dict[str, Any]) -> DistributionRecord:
    fmt = item.get("format")
    media_type = item.get("mediaType")
    formats = [f for f in as_list(item.get("formats")) if isinstance(f, dict)]
    if formats:  # v1.0: [{"label": "csv", "value": "text/csv"}]
        fmt = fmt or formats[0].get("label")
        media_type = media_type or formats[0].get("value")
    return DistributionRecord(
        title=clean_line(item.get("title")),
        format=clean_line(fmt, limit=100),
        url=clean_url(item.get("downloadURL") or item.get("accessURL")),
        media_type=clean_line(media_type, limit=200),
    )
