"""The records a company-directory reader produces, and the clean-up rules
the Open Data 500 and Impact Map readers share (bands, names, keys, URLs,
founding years, the funding-kind guess). ``ventures.directory.importer`` writes
them."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.text import slugify

from catalog.records import DatasetRecord
from hub.core.safelinks import browser_view, safe_link
from ventures.models import FundingKind

_BAND = re.compile(r"^\s*([\d,]+)\s*(?:[-–]\s*([\d,]+)|\+)\s*$")
_NOT_WORD = re.compile(r"[^\w]+")
_VALIDATE_URL = URLValidator(schemes=["http", "https"])
EARLIEST_FOUNDING_YEAR = 1600


class DirectoryError(ValueError):
    """The input is not a directory we can read; nothing was imported."""


@dataclass(frozen=True)
class SnapshotRecord:
    date: date
    full_time_jobs: int
    source: str


@dataclass(frozen=True)
class NoteRecord:
    date: date
    kind: str
    text: str
    currency: str = "USD"


@dataclass(frozen=True)
class LinkRecord:
    dataset_key: str
    how: str = ""


@dataclass(frozen=True)
class VentureRecord:
    key: str
    match_key: str
    name: str
    description: str = ""
    website: str = ""
    founded_on: date | None = None
    launched_on: date | None = None
    sectors: tuple[str, ...] = ()
    snapshot: SnapshotRecord | None = None
    note: NoteRecord | None = None
    links: tuple[LinkRecord, ...] = ()

    def content_hash(self) -> str:
        """A digest of the venture's own fields (not its snapshot, note, links)."""
        data = {
            "name": self.name,
            "description": self.description,
            "website": self.website,
            "founded_on": self.founded_on.isoformat() if self.founded_on else None,
            "launched_on": self.launched_on.isoformat() if self.launched_on else None,
            "sectors": list(self.sectors),
        }
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class Directory:
    source: str  # short name stored on ExternalReference.source, e.g. "od500"
    catalog_name: str  # the CatalogSource for its uncatalogued datasets
    location: str
    snapshot_prefix: str
    ventures: list[VentureRecord] = field(default_factory=list)
    datasets: dict[str, DatasetRecord] = field(default_factory=dict)
    matchable: set[str] = field(default_factory=set)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    unlinked_urls: int = 0  # URLs given but not kept: not a valid http(s) address

    def website(self, value: object) -> str:
        """``website_of(value)``, counting a URL given but dropped."""
        url = website_of(value)
        if not url and str(value or "").strip():
            self.unlinked_urls += 1
        return url


def band_lower_bound(band: str) -> int | None:
    """``"1-10"`` → 1, ``"1,001-5,000"`` → 1001, ``"10,001+"`` → 10001; anything
    else (``"NA"``, empty) → None. The lower bound keeps job totals conservative."""
    match = _BAND.match(band or "")
    return int(match.group(1).replace(",", "")) if match else None


def normalize_name(name: str) -> str:
    """Case, accents, punctuation and spacing ignored (letters of any script
    kept): ``"Moody's  Inc."`` → ``"moody s inc"``, ``"Evalúa"`` → ``"evalua"``."""
    text = "".join(
        ch
        for ch in unicodedata.normalize("NFKD", name)
        if not unicodedata.combining(ch)
    )
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def stable_key(*parts: str, limit: int = 500) -> str:
    """Slug parts joined by "/"; a part that slugifies to nothing (non-Latin
    script) becomes a short digest of itself so that distinct names stay
    distinct. Over-long keys end in a digest of the whole."""
    slugs = [
        slugify(unicodedata.normalize("NFKD", p))
        or hashlib.sha256(normalize_name(p).encode()).hexdigest()[:12]
        for p in parts
    ]
    key = "/".join(slugs)
    if len(key) > limit:
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        key = f"{key[: limit - 17]}~{digest}"
    return key


def website_of(value: object) -> str:
    """An http(s) URL, ``http://`` added when the scheme is missing; "" when
    what is left is still not a valid URL or not a safe link
    (``hub.core.safelinks``: read as a browser reads it)."""
    url = browser_view(value)
    if not url:
        return ""
    if "://" not in url:
        url = f"http://{url}"
    if len(url) > 500:
        return ""
    try:
        _VALIDATE_URL(url)
    except ValidationError:
        return ""
    return safe_link(url)


def founding_date(year: object, latest: date) -> date | None:
    """1 January of the founding year (only the year is known); None for a
    missing year, one before 1600 or one after the record's own date."""
    try:
        value = int(str(year).strip())
    except (TypeError, ValueError):
        return None
    if EARLIEST_FOUNDING_YEAR <= value <= latest.year:
        return date(value, 1, 1)
    return None


_FUNDING_KIND_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bacquired by\b", re.I), FundingKind.ACQUISITION),
    (re.compile(r"\bseries [a-e]\b", re.I), FundingKind.SERIES_A_PLUS),
    (
        re.compile(r"\bseed (?:round|funding|investment|capital)\b", re.I),
        FundingKind.SEED,
    ),
    (re.compile(r"\bgrants?\b", re.I), FundingKind.GRANT),
    (re.compile(r"\bloans?\b", re.I), FundingKind.LOAN),
    (re.compile(r"\bprize\b", re.I), FundingKind.PRIZE),
)


def funding_kind(text: str) -> str:
    """Best effort: the first rule whose words occur in the text, else "other".
    A hint for staff, never a fact; the note keeps the full text."""
    for pattern, kind in _FUNDING_KIND_RULES:
        if pattern.search(text):
            return kind
    return FundingKind.OTHER
