"""Socrata view metadata (``/api/views/<id>.json``, or a list of them from
``/api/views.json``). Views carry no download URL without the domain, so no
distributions are recorded."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from catalog.records import (
    CatalogError,
    DatasetRecord,
    Skipped,
    clean_line,
    clean_text,
    identifier_of,
    parse_date,
    split_keywords,
    unique_strings,
)


def looks_like(data: Any) -> bool:
    view = data[0] if isinstance(data, list) and data else data
    return isinstance(view, dict) and "viewType" in view and "id" in view


NOT_VIEWS = "Socrata: expected a view object or a list of views"


def prefix(shape: Any) -> str:
    """Where the views are, as an ijson prefix, from the document's shape."""
    if not looks_like(shape):
        raise CatalogError(NOT_VIEWS)
    return "item" if isinstance(shape, list) else ""


def parse(views: Iterable[Any]) -> Iterator[DatasetRecord | Skipped]:
    for view in views:
        if not isinstance(view, dict):
            raise CatalogError(NOT_VIEWS)
        yield record(view)


def record(view: dict[str, Any]) -> DatasetRecord | Skipped:
    identifier = identifier_of(view.get("id"))
    if not identifier:
        return Skipped(clean_line(view.get("name")), "no identifier")
    stage = view.get("publicationStage") or "published"
    if stage != "published":
        return Skipped(identifier, f"publicationStage {stage}")
    title = clean_line(view.get("name"))
    if not title:
        return Skipped(identifier, "no title")
    licence = view.get("license")
    return DatasetRecord(
        identifier=identifier,
        title=title,
        description=clean_text(view.get("description")),
        publisher=clean_line(view.get("attribution"), limit=300),
        keywords=split_keywords(view.get("tags")),
        themes=unique_strings([view.get("category")]),
        licence=clean_line(
            licence.get("name") if isinstance(licence, dict) else view.get("licenseId"),
            limit=2000,
        ),
        modified=parse_date(view.get("viewLastModified") or view.get("rowsUpdatedAt")),
        access_level="public",
    )
