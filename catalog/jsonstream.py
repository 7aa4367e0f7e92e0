"""Read JSON catalogs with ijson, one record at a time, so memory stays flat
however many datasets a file holds.

Two passes over the (seekable) input. ``shape`` is the document with every
array cut to its first element: all that format detection looks at (top-level
keys, the first entry's keys, CKAN's ``result``), a few KiB whatever the size.
A DCAT-US v1.1 catalog ends that pass where its ``dataset`` array starts, a
top-level array (DCAT-US v1.0, Socrata views) after its first item.
``items`` then yields the values under one ijson prefix (``dataset.item``,
``result.results.item``...), checking the syntax of the whole file as it goes.

ijson picks its fastest backend (``yajl2_c``, a C extension shipped in its
wheels). yajl refuses integers beyond 64 bits, which ``json`` reads: such a
file raises ``NumberTooLarge`` and the importer reads it again with ijson's
pure-Python backend (slower, exact). Floats beyond the double range stay
refused, as do NaN and Infinity.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import IO, Any

import ijson

from catalog.records import CatalogError

FAST: ModuleType = ijson.get_backend(ijson.backend)
EXACT: ModuleType = ijson.get_backend("python")
_OPEN = ("start_map", "start_array")
_CLOSE = ("end_map", "end_array")


class NumberTooLarge(CatalogError):
    """The fast backend met an integer it cannot hold; read with ``EXACT``."""


class _Recoded:
    """A UTF-16/32 input as the UTF-8 bytes ijson reads."""

    def __init__(self, stream: IO[bytes], encoding: str):
        self.reader = codecs.getreader(encoding)(stream)

    def read(self, size: int = -1) -> bytes:
        return self.reader.read(size).encode("utf-8")


def _utf8(stream: IO[bytes]) -> IO[bytes] | _Recoded:
    """The input from its start, as UTF-8 without a BOM. The encodings are the
    ones ``json.loads`` accepts for bytes."""
    stream.seek(0)
    encoding = json.detect_encoding(stream.read(4))
    stream.seek(3 if encoding == "utf-8-sig" else 0)
    if encoding in ("utf-8", "utf-8-sig"):
        return stream
    return _Recoded(stream, encoding)


@contextmanager
def _as_catalog_error(backend: ModuleType) -> Iterator[None]:
    try:
        yield
    except ijson.JSONError as exc:
        message = exc.args[0] if exc.args else exc
        if isinstance(message, bytes):
            message = message.decode("utf-8", errors="replace")
        first_line = (str(message).strip().splitlines() or [""])[0]
        if backend is not EXACT and "integer overflow" in first_line:
            raise NumberTooLarge(f"invalid JSON: {first_line}") from exc
        raise CatalogError(f"invalid JSON: {first_line}") from exc
    except (UnicodeError, RecursionError) as exc:
        raise CatalogError(f"invalid JSON: {exc}") from exc


def shape(
    stream: IO[bytes], *, backend: ModuleType = FAST, dcat_us: bool = True
) -> Any:
    """The document with each array cut to its first element. With ``dcat_us``
    the pass stops at a top-level ``dataset`` array (left empty): that key alone
    makes the file DCAT-US v1.1, whatever follows."""
    root: Any = None
    stack: list[Any] = []
    key = ""
    skipping = 0  # depth inside an array element past the first
    with _as_catalog_error(backend):
        for event, value in backend.basic_parse(_utf8(stream), use_float=True):
            if skipping:
                skipping += (event in _OPEN) - (event in _CLOSE)
                continue
            if event == "map_key":
                key = value
                continue
            if event in _CLOSE:
                stack.pop()
                continue
            parent = stack[-1] if stack else None
            if isinstance(parent, list) and parent:
                if len(stack) == 1:  # a top-level array: its first item decides
                    return root
                skipping = int(event in _OPEN)
                continue
            node = (
                {} if event == "start_map" else [] if event == "start_array" else value
            )
            if parent is None:
                root = node
            elif isinstance(parent, list):
                parent.append(node)
            else:
                parent[key] = node
                if (
                    dcat_us
                    and key == "dataset"
                    and len(stack) == 1
                    and event == "start_array"
                ):
                    return root
            if event in _OPEN:
                stack.append(node)
    return root


def items(stream: IO[bytes], prefix: str, backend: ModuleType = FAST) -> Iterator[Any]:
    """Each value under ``prefix`` (ijson's dotted path, ``item`` for an array
    member), built one at a time; a syntax error anywhere raises on the way."""
    with _as_catalog_error(backend):
        yield from backend.items(_utf8(stream), prefix, use_float=True)
