"""DCAT-AP in RDF/XML, Turtle or JSON-LD, read with rdflib.

Datasets may be blank nodes (Antwerp's catalog): the key is ``dct:identifier``,
falling back to the subject IRI; a blank node without one is skipped. Graph
order is not stable, so multi-valued fields are sorted to keep the content hash
(and so re-imports) stable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS
from rdflib.term import Node

from catalog.records import (
    NON_PUBLIC,
    CatalogError,
    DatasetRecord,
    DistributionRecord,
    Skipped,
    access_of,
    clean_line,
    clean_text,
    clean_url,
    identifier_of,
    parse_date,
    unique_strings,
)

POD = Namespace("https://project-open-data.cio.gov/v1.1/schema#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
RDF_FORMATS = {"xml", "turtle", "json-ld"}


def refuse_remote_contexts(data: Any) -> None:
    """rdflib would fetch a JSON-LD ``@context`` (or ``@import``) given by URL:
    a request to wherever the file says, so refuse rather than fetch."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            context = node.get("@context")
            contexts = context if isinstance(context, list) else [context]
            if any(isinstance(c, str) for c in contexts) or "@import" in node:
                raise CatalogError(
                    "DCAT-AP: JSON-LD with a remote @context is refused; inline it"
                )
            stack.extend(node.values())


def load(stream: IO[bytes], rdf_format: str) -> Graph:
    graph = Graph()
    try:
        graph.parse(source=stream, format=rdf_format)
    except Exception as exc:  # rdflib raises many unrelated types on bad input
        raise CatalogError(f"DCAT-AP: cannot parse {rdf_format}: {exc}") from exc
    return graph


def parse(graph: Graph) -> Iterator[DatasetRecord | Skipped]:
    subjects = sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str)
    if not subjects:
        raise CatalogError("DCAT-AP: the graph has no dcat:Dataset")
    for subject in subjects:
        yield record(graph, subject)


def first(graph: Graph, subject: Node, *predicates: URIRef) -> Node | None:
    """The preferred value: untagged or English literals first, then sorted."""
    for predicate in predicates:
        values = list(graph.objects(subject, predicate))
        if values:
            return min(
                values,
                key=lambda v: (
                    getattr(v, "language", None) not in (None, "en"),
                    str(v),
                ),
            )
    return None


def label(graph: Graph, node: Node | None) -> str:
    """A literal's text, or a node's name/label, or an IRI."""
    if node is None:
        return ""
    if isinstance(node, URIRef | BNode):
        name = first(
            graph, node, FOAF.name, SKOS.prefLabel, RDFS.label, VCARD.fn, DCTERMS.title
        )
        if name is not None:
            return str(name)
        return "" if isinstance(node, BNode) else str(node)
    return str(node)


def record(graph: Graph, subject: Node) -> DatasetRecord | Skipped:
    found = first(graph, subject, DCTERMS.identifier)
    if found is None and isinstance(subject, URIRef):
        found = subject  # an IRI identifies the dataset; a blank node does not
    identifier = identifier_of(found)
    title = clean_line(first(graph, subject, DCTERMS.title))
    if not identifier:
        return Skipped(title, "blank node without dct:identifier")
    access = access_level(graph, subject)
    if access == NON_PUBLIC:
        return Skipped(identifier, "access level non-public")
    if not title:
        return Skipped(identifier, "no title")
    dists = tuple(
        sorted(
            (distribution(graph, d) for d in graph.objects(subject, DCAT.distribution)),
            key=lambda d: (d.url, d.title, d.format, d.media_type),
        )
    )
    return DatasetRecord(
        identifier=identifier,
        title=title,
        description=clean_text(first(graph, subject, DCTERMS.description)),
        publisher=clean_line(
            label(graph, first(graph, subject, DCTERMS.publisher)), limit=300
        ),
        keywords=unique_strings(
            sorted(str(k) for k in graph.objects(subject, DCAT.keyword))
        ),
        themes=unique_strings(
            sorted(label(graph, t) for t in graph.objects(subject, DCAT.theme))
        ),
        licence=clean_line(licence_of(graph, subject), limit=2000),
        landing_page=clean_url(first(graph, subject, DCAT.landingPage)),
        modified=parse_date(_str(first(graph, subject, DCTERMS.modified))),
        access_level=access,
        distributions=dists,
    )


def licence_of(graph: Graph, subject: Node) -> str:
    """The dataset's licence, else its first distribution licence (DCAT-AP
    puts licences on distributions)."""
    licence = label(graph, first(graph, subject, DCTERMS.license))
    if licence:
        return licence
    licences = sorted(
        label(graph, o)
        for d in graph.objects(subject, DCAT.distribution)
        for o in graph.objects(d, DCTERMS.license)
    )
    return licences[0] if licences else ""


def _str(node: Node | None) -> str | None:
    return None if node is None else str(node)


def access_level(graph: Graph, subject: Node) -> str:
    pod = first(graph, subject, POD.accessLevel)
    if pod is not None:
        return access_of(pod)
    rights = first(graph, subject, DCTERMS.accessRights)
    if rights is None:
        return ""
    code = str(rights).rstrip("/").rsplit("/", 1)[-1].lower().replace("_", "-")
    return access_of(code)  # EU authority codes: PUBLIC, RESTRICTED, NON_PUBLIC


def distribution(graph: Graph, node: Node) -> DistributionRecord:
    fmt = first(graph, node, DCTERMS.format)
    media = first(graph, node, DCAT.mediaType)
    if media is None and isinstance(fmt, URIRef | BNode):
        media = first(graph, fmt, RDF.value)
    fmt_text = label(graph, fmt)
    if isinstance(fmt, URIRef) and fmt_text == str(fmt):
        fmt_text = fmt_text.rstrip("/").rsplit("/", 1)[-1]
    media_text = label(graph, media) if not isinstance(media, Literal) else str(media)
    if "/media-types/" in media_text:  # IANA registry IRI
        media_text = media_text.split("/media-types/", 1)[1]
    return DistributionRecord(
        title=clean_line(first(graph, node, DCTERMS.title)),
        format=clean_line(fmt_text, limit=100),
        url=clean_url(
            first(graph, node, DCAT.downloadURL) or first(graph, node, DCAT.accessURL)
        ),
        media_type=clean_line(media_text, limit=200),
    )
