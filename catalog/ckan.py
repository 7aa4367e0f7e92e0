"""CKAN action API responses: package_search, package_show,
current_package_list_with_resources, and package_list (names only: reported as
skipped). Extras are read too, decoding the JSON that CKAN keeps inside strings
(``theme-secondary: '["Transport"]'``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from catalog.records import (
    CatalogError,
    DatasetRecord,
    DistributionRecord,
    Skipped,
    as_list,
    clean_line,
    clean_text,
    clean_url,
    identifier_of,
    parse_date,
    unique_strings,
)

PACKAGE_LIST_REASON = "package_list names a package without metadata; import package_show or package_search"


def looks_like(data: Any) -> bool:
    return isinstance(data, dict) and "result" in data and "success" in data


def prefix(shape: Any) -> str:
    """Where the packages are, as an ijson prefix, from the response's shape."""
    if not looks_like(shape):
        raise CatalogError("CKAN: expected an action API response with 'result'")
    if shape.get("success") is False:
        raise CatalogError("CKAN: the response reports success: false")
    result = shape["result"]
    if isinstance(result, dict) and isinstance(result.get("results"), list):
        return "result.results.item"  # package_search
    if isinstance(result, dict) and ("name" in result or "id" in result):
        return "result"  # package_show: the one package
    if isinstance(result, list):
        return "result.item"  # current_package_list_with_resources or package_list
    raise CatalogError("CKAN: 'result' is neither a package nor a list of packages")


def parse(packages: Iterable[Any]) -> Iterator[DatasetRecord | Skipped]:
    for package in packages:
        if isinstance(package, str):
            yield Skipped(package, PACKAGE_LIST_REASON)
        elif isinstance(package, dict):
            yield record(package)
        else:
            yield Skipped("", "package is not an object")


def extra(package: dict[str, Any], key: str) -> Any:
    """A field that CKAN puts at top level or in ``extras`` depending on schema."""
    if package.get(key) not in (None, ""):
        return package[key]
    for item in as_list(package.get("extras")):
        if isinstance(item, dict) and item.get("key") == key:
            return item.get("value")
    return None


def json_list(value: Any) -> list[Any]:
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            decoded = json.loads(value)
        except ValueError:
            return [value]
        return decoded if isinstance(decoded, list) else [value]
    return as_list(value)


def record(package: dict[str, Any]) -> DatasetRecord | Skipped:
    identifier = identifier_of(package.get("name") or package.get("id"))
    if not identifier:
        return Skipped(clean_line(package.get("title")), "no identifier")
    if package.get("private") is True:
        return Skipped(identifier, "private package")
    state = package.get("state") or "active"
    if state != "active":
        return Skipped(identifier, f"package state {state}")
    title = clean_line(package.get("title") or package.get("name"))
    if not title:
        return Skipped(identifier, "no title")
    organization = package.get("organization") or {}
    publisher = (
        (organization.get("title") if isinstance(organization, dict) else None)
        or extra(package, "dcat_publisher_name")
        or package.get("author")
        or package.get("maintainer")
    )
    tags = [
        t.get("name") if isinstance(t, dict) else t
        for t in as_list(package.get("tags"))
    ]
    groups = [
        g.get("title") or g.get("name")
        for g in as_list(package.get("groups"))
        if isinstance(g, dict)
    ]
    themes = [
        *groups,
        *json_list(extra(package, "theme-primary")),
        *json_list(extra(package, "theme-secondary")),
    ]
    return DatasetRecord(
        identifier=identifier,
        title=title,
        description=clean_text(package.get("notes")),
        publisher=clean_line(publisher, limit=300),
        keywords=unique_strings(tags),
        themes=unique_strings(themes),
        licence=clean_line(
            package.get("license_title") or package.get("license_id"), limit=2000
        ),
        landing_page=clean_url(package.get("url")),
        modified=parse_date(package.get("metadata_modified")),
        access_level="public",
        distributions=tuple(
            DistributionRecord(
                title=clean_line(r.get("name")),
                format=clean_line(r.get("format"), limit=100),
                url=clean_url(r.get("url")),
                media_type=clean_line(r.get("mimetype"), limit=200),
            )
            for r in as_list(package.get("resources"))
            if isinstance(r, dict)
        ),
    )
