"""Tell a catalog's format from the content, not the file name (catalog URLs
rarely end in a telling extension), and hand back its records as a stream.

JSON formats (DCAT-US, CKAN, Socrata) are streamed: detection reads the
document's shape (``jsonstream.shape``: arrays cut to their first element),
then the records are parsed one at a time. RDF, JSON-LD included, is parsed
whole by rdflib."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType
from typing import IO, Any

from catalog import ckan, dcat_ap, dcat_us, jsonstream, socrata
from catalog.records import CatalogError, DatasetRecord, Skipped

FORMATS = ("auto", "dcat-us", "ckan", "dcat-ap", "socrata")
JSON_FORMATS: dict[str, ModuleType] = {
    "dcat-us": dcat_us,
    "ckan": ckan,
    "socrata": socrata,
}
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
    """The format of a parsed document or of its ``jsonstream.shape`` (which
    keeps everything this looks at)."""
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
    stream: IO[bytes], fmt: str = "auto", *, backend: ModuleType = jsonstream.FAST
) -> tuple[str, Iterator[DatasetRecord | Skipped]]:
    """Detect the format of ``stream`` (seekable) and return its name and its
    records. Syntax errors in the part detection reads raise here; later ones,
    and shape errors, raise while iterating (inside the import's transaction, so
    nothing is kept). ``backend`` is the ijson backend for JSON."""
    if fmt not in FORMATS:
        raise CatalogError(
            f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}"
        )
    kind = sniff(stream)
    if kind != "json":
        if fmt not in ("auto", "dcat-ap"):
            raise CatalogError(f"{fmt} expects JSON, the input is RDF")
        return "dcat-ap", dcat_ap.parse(dcat_ap.load(stream, kind))
    if fmt == "dcat-ap":
        return "dcat-ap", _json_ld(stream)
    shape = jsonstream.shape(
        stream, backend=backend, dcat_us=fmt in ("auto", "dcat-us")
    )
    detected = json_format(shape) if fmt == "auto" else fmt
    if detected == "dcat-ap":
        return "dcat-ap", _json_ld(stream)
    module = JSON_FORMATS[detected]
    prefix = module.prefix(shape)
    return detected, module.parse(jsonstream.items(stream, prefix, backend))


def _json_ld(stream: IO[bytes]) -> Iterator[DatasetRecord | Skipped]:
    """rdflib reads the whole graph; the JSON is loaded once first, whole, to
    refuse remote contexts before rdflib would fetch them."""
    stream.seek(0)
    data = load_json(stream)
    dcat_ap.refuse_remote_contexts(data)
    del data  # rdflib reads the stream itself; do not hold two copies
    stream.seek(0)
    return dcat_ap.parse(dcat_ap.load(stream, "json-ld"))
