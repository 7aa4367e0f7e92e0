"""Normalized records and the text, date and keyword clean-up all formats share."""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime

import nh3


class CatalogError(ValueError):
    """The input is not a catalog we can read; nothing was imported."""


@dataclass(frozen=True)
class DistributionRecord:
    title: str = ""
    format: str = ""
    url: str = ""
    media_type: str = ""


@dataclass(frozen=True)
class DatasetRecord:
    identifier: str
    title: str
    description: str = ""
    publisher: str = ""
    keywords: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    licence: str = ""
    landing_page: str = ""
    modified: date | None = None
    access_level: str = ""
    distributions: tuple[DistributionRecord, ...] = field(default=())

    def content_hash(self) -> str:
        """A digest of everything we store, so an unchanged entry costs no write."""
        data = asdict(self)
        data["modified"] = self.modified.isoformat() if self.modified else None
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class Skipped:
    identifier: str
    reason: str


NON_PUBLIC = "non-public"
_LINE_BREAK = re.compile(r"<\s*br\b[^>]*>", re.I)
_BLOCK_TAG = re.compile(r"<\s*/?\s*(?:p|div|li|ul|ol|h[1-6]|tr|table)\b[^>]*>", re.I)
_SPACES = re.compile(r"[ \t\r\f\v\xa0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:$|[T ])")


def clean_text(value: object) -> str:
    """Plain text from possibly HTML (or entity-escaped HTML), paragraphs kept."""
    if value is None:
        return ""
    text = html.unescape(str(value))
    text = _BLOCK_TAG.sub("\n\n", _LINE_BREAK.sub("\n", text))
    text = html.unescape(nh3.clean(text, tags=set()))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_line(value: object, limit: int = 500) -> str:
    """A one-line field (title, publisher): plain text, whitespace collapsed."""
    return " ".join(clean_text(value).split())[:limit]


def clean_url(value: object) -> str:
    # NUL is refused by PostgreSQL text columns; it has no place in a URL.
    return str(value).replace("\x00", "").strip()[:2000] if value else ""


def parse_date(value: object) -> date | None:
    """Lenient: the catalogs disagree on date formats, and a bad date should
    not cost the dataset."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    match = _DATE.match(str(value).strip())
    if not match:
        return None
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def unique_strings(values: Iterable[object]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        text = clean_line(value, limit=200) if value is not None else ""
        if text:
            seen.setdefault(text, None)
    return tuple(seen)


def split_keywords(value: object) -> tuple[str, ...]:
    """Keywords as a list, or as one comma-separated string (DCAT-US v1.0)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return unique_strings(value.split(","))
    if isinstance(value, list | tuple):
        return unique_strings(v for v in value if isinstance(v, str | int | float))
    return ()


def as_list(value: object) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def identifier_of(value: object) -> str:
    if value is None:
        return ""
    return str(value).replace("\x00", "").strip()[:500]


def access_of(value: object) -> str:
    return clean_line(value, limit=50).lower()
