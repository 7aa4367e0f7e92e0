"""Read the input once and tell its format from the content, not the file name
(catalog URLs rarely end in a telling extension)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from ventures.catalog import ckan, dcat_ap, dcat_us, socrata
from ventures.catalog.records import CatalogError, DatasetRecord, Skipped

FORMATS = ("auto", "dcat-us", "ckan", "dcat-ap", "socrata")
JSON_PARSERS = {"dcat-us": dcat_us.parse, "ckan": ckan.parse, "socrata": socrata.parse}
SNIFF_BYTES = 4096


def sniff(stream: IO[bytes]) -> str:
    """'json', or the rdflib format name for RDF text."""
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if text[:1] in ("{", "["):
        return "json"
    if text.startswith(("<?xml", "<rdf:RDF", "<RDF")):
        return "xml"
    if text.startswith(("@prefix", "@base", "PREFIX", "BASE", "prefix")) or (
        text.startswith("<") and ("> a " in text or "> <" in text)
    ):
        return "turtle"
    raise CatalogError("not JSON, RDF/XML or Turtle")


def load_json(stream: IO[bytes]) -> Any:
    try:
        return json.load(stream)
    except (ValueError, RecursionError) as exc:
        raise CatalogError(f"invalid JSON: {exc}") from exc


def json_format(data: Any) -> str:
    if isinstance(data, dict) and isinstance(data.get("dataset"), list):
        return "dcat-us"
    if ckan.looks_like(data):
        return "ckan"
    if socrata.looks_like(data):
        return "socrata"
    if isinstance(data, list) and data and isinstance(data[0], dict):
        if "identifier" in data[0]:
            return "dcat-us"  # v1.0, a bare array
        if "@id" in data[0] or "@type" in data[0]:
            return "dcat-ap"
    if isinstance(data, dict) and ("@graph" in data or "@context" in data):
        return "dcat-ap"
    raise CatalogError(
        "JSON of an unknown shape: not DCAT-US, CKAN, Socrata or JSON-LD"
    )


def read_catalog(
    stream: IO[bytes], fmt: str = "auto"
) -> tuple[str, Iterator[DatasetRecord | Skipped]]:
    """Parse ``stream`` and return the format name and its records. Syntax errors
    raise here; shape errors may raise while iterating (inside the import's
    transaction, so nothing is kept)."""
    if fmt not in FORMATS:
        raise CatalogError(
            f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}"
        )
    kind = sniff(stream)
    if kind != "json":
        if fmt not in ("auto", "dcat-ap"):
            raise CatalogError(f"{fmt} expects JSON, the input is RDF")
        return "dcat-ap", dcat_ap.parse(dcat_ap.load(stream, kind))
    data = load_json(stream)
    detected = json_format(data) if fmt == "auto" else fmt
    if detected == "dcat-ap":
        dcat_ap.refuse_remote_contexts(data)
        del data  # rdflib reads the stream itself; do not hold two copies
        stream.seek(0)
        return "dcat-ap", dcat_ap.parse(dcat_ap.load(stream, "json-ld"))
    return detected, JSON_PARSERS[detected](data)
