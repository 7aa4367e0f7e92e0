"""Read the Open Data 500 (GovLab, United States) export into a ``Directory``.

The folder holds ``us_companies.csv`` (one row per company),
``us_agencies.csv`` (one row per company × agency × dataset named) and
``us_Agency_List.json`` (agency names, abbreviations and display labels).
The rules, decided after reading the 2016 export (529 companies, 1,123
agency rows):

* **Companies → ventures**, keyed by ``company_name_id``. A row without an id
  or name, or repeating an id, is skipped with its reason. ``NA`` means empty
  in every column. The description (HTML stripped, paragraphs kept) is
  followed by a short list of the profile's other facts (headquarters, type,
  revenue sources, business model, social impact, impacts of the data) and
  its date. ``url`` gets ``http://`` when it has no scheme (129 rows) and is
  dropped if still invalid. ``year_founded`` becomes 1 January of that year
  (only the year is known); a year before 1600 or after the profile's date is
  ignored. The launch date, which a venture must have, is the founding date, else
  the profile's date (the day it is known to have operated).
  ``company_category`` (trailing comma removed) becomes the sector tag.
* **Employee band → one impact snapshot** dated from ``last_updated`` (the
  files' last change, 2016-08-19, if a row has none), with the band's lower
  bound as full-time jobs (``"51-200"`` → 51, ``"10,001+"`` → 10001) so totals
  are conservative; the band text is kept in the snapshot's source. ``NA``
  (29 companies) gives no snapshot.
* **``financial_info`` → one funding note**: no amount (never parsed out of
  the prose), currency USD, status reported (unverified), dated like the
  snapshot, the text (HTML stripped) as the note, the kind a best-effort
  keyword guess (``ventures.directory.records.funding_kind``) or "other".
* **Agency rows → dataset links.** ``used_by`` names the company exactly as
  ``company_name`` does (every row joins in the 2016 export; a row that does
  not, even ignoring case and punctuation, is skipped with its reason). A
  named dataset becomes one dataset per agency and normalized name (so the
  same name under two subagencies of one agency is one dataset; the
  subagencies are listed in its description) in the catalog source
  "Open Data 500 (uncatalogued)", publisher the agency, landing page the first
  ``dataset_url`` given. Before one is created it is looked for in the real
  catalogs by landing page, then by title and publisher. A row naming no
  dataset links the company to one dataset per agency that stands for "the
  agency's open data as a whole" (said in its title and description), whose
  landing page is the agency's own ``url``. Repeated rows (9) give one link;
  3 companies have no agency row. A link's extent is "supporting" (the files
  do not say how central a dataset is) and its text says what the row named.
* Imported ventures have no team; staff add people as for any venture.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from catalog.records import DatasetRecord, clean_line, clean_text, parse_date
from ventures.directory.records import (
    Directory,
    DirectoryError,
    LinkRecord,
    NoteRecord,
    SnapshotRecord,
    VentureRecord,
    band_lower_bound,
    founding_date,
    funding_kind,
    normalize_name,
    stable_key,
)

SOURCE = "od500"
CATALOG_NAME = "Open Data 500 (uncatalogued)"
SNAPSHOT_PREFIX = "Open Data 500"
FILES = ("us_companies.csv", "us_agencies.csv", "us_Agency_List.json")
#: When the export's files last changed (see the corpus SOURCES.md); the date
#: of a company row that has no ``last_updated``.
FILE_DATE = date(2016, 8, 19)
COMPANY_COLUMNS = {"company_name_id", "company_name", "full_time_employees"}
AGENCY_COLUMNS = {"agency_name", "used_by", "dataset_name"}
_IMPACT = re.compile(r"u?'([^']*)'")


def _value(row: dict[str, str | None], column: str) -> str:
    """The cell with surrounding space removed; ``NA`` counts as empty."""
    text = (row.get(column) or "").strip()
    return "" if text == "NA" else text


def _read_csv(path: Path, required: set[str]) -> list[dict[str, str | None]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            reader = csv.DictReader(stream)
            rows = list(reader)
            columns = set(reader.fieldnames or ())
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DirectoryError(f"{path.name}: not a UTF-8 CSV file ({exc})") from exc
    if missing := required - columns:
        raise DirectoryError(
            f"{path.name}: missing columns {', '.join(sorted(missing))}"
        )
    return rows


def _read_labels(path: Path) -> dict[tuple[str, str], str]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DirectoryError(f"{path.name}: not a JSON file ({exc})") from exc
    if not isinstance(entries, list):
        raise DirectoryError(f"{path.name}: expected a list of agencies")
    return {
        (str(e.get("a", "")).strip(), str(e.get("s", "")).strip()): clean_line(
            str(e.get("label", "")).replace("()", ""), limit=300
        )
        for e in entries
        if isinstance(e, dict) and e.get("a")
    }


def read_od500(folder: str | Path) -> Directory:
    """Parse the three files in ``folder``; ``DirectoryError`` if one is missing
    or unreadable (nothing is imported then)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DirectoryError(f"{folder}: not a folder")
    if missing := [name for name in FILES if not (folder / name).is_file()]:
        raise DirectoryError(f"{folder}: missing {', '.join(missing)}")
    companies = _read_csv(folder / FILES[0], COMPANY_COLUMNS)
    agency_rows = _read_csv(folder / FILES[1], AGENCY_COLUMNS)
    labels = _read_labels(folder / FILES[2])
    directory = Directory(
        source=SOURCE,
        catalog_name=CATALOG_NAME,
        location=str(folder.name),
        snapshot_prefix=SNAPSHOT_PREFIX,
    )
    kept = _companies(companies, directory)
    links = _agency_links(agency_rows, kept, labels, directory)
    directory.ventures = [
        VentureRecord(**{**fields, "links": tuple(links.get(key, ()))})
        for key, fields in kept.items()
    ]
    return directory


# -- companies -------------------------------------------------------------------------


def _facts(row: dict[str, str | None], updated: date) -> str:
    place = ", ".join(p for p in (_value(row, "city"), _value(row, "state")) if p)
    impacts = ", ".join(_IMPACT.findall(_value(row, "data_impacts")))
    facts = [
        ("Headquarters", place),
        ("Company type", _value(row, "company_type")),
        ("Revenue sources", _value(row, "revenue_source")),
        ("Business model", _value(row, "business_model")),
        ("Social impact", _value(row, "social_impact")),
        ("Impacts of open data", impacts),
    ]
    lines = [f"- {label}: {clean_line(value)}" for label, value in facts if value]
    lines.append(f"- Source: Open Data 500 (GovLab), profile of {updated.isoformat()}")
    return "\n".join(lines)


def _companies(
    rows: list[dict[str, str | None]], directory: Directory
) -> dict[str, dict[str, Any]]:
    """Record key → VentureRecord fields (links added later), in file order."""
    kept: dict[str, dict[str, Any]] = {}
    for number, row in enumerate(rows, 1):
        key = _value(row, "company_name_id")[:200]
        name = clean_line(_value(row, "company_name"), limit=140)
        if not key or not name:
            directory.skipped.append((f"company row {number}", "no id or no name"))
            continue
        if key in kept:
            directory.skipped.append((key, "repeats a company id"))
            continue
        updated = parse_date(_value(row, "last_updated")) or FILE_DATE
        text = clean_text(
            _value(row, "description") or _value(row, "description_short")
        )
        founded = founding_date(_value(row, "year_founded"), updated)
        category = _value(row, "company_category").rstrip(", ").strip()
        band = _value(row, "full_time_employees")
        jobs = band_lower_bound(band)
        funding = clean_text(_value(row, "financial_info"))[:5000]
        kept[key] = {
            "key": key,
            "match_key": f"us:{normalize_name(name)}",
            "name": name,
            "description": f"{text}\n\n{_facts(row, updated)}".strip(),
            "website": directory.website(_value(row, "url")),
            "founded_on": founded,
            "launched_on": founded or updated,
            "sectors": (category[:100],) if category else (),
            "snapshot": SnapshotRecord(
                date=updated,
                full_time_jobs=jobs,
                source=f"{SNAPSHOT_PREFIX}: {band} full-time employees (lower bound)",
            )
            if jobs is not None
            else None,
            "note": NoteRecord(date=updated, kind=funding_kind(funding), text=funding)
            if funding
            else None,
        }
    return kept


# -- agencies and datasets -------------------------------------------------------------


@dataclass
class _DatasetDraft:
    title: str
    agency: str
    agency_type: str
    whole_agency: bool
    landing_page: str = ""
    label: str = ""

    def __post_init__(self) -> None:
        self.subagencies: dict[str, None] = {}
        self.pages: dict[str, None] = {}


def _subagency(row: dict[str, str | None]) -> str:
    name = _value(row, "subagency_name")
    return "" if name.casefold() == "general" else clean_line(name, limit=200)


def _agency_links(
    rows: list[dict[str, str | None]],
    kept: dict[str, dict[str, Any]],
    labels: dict[tuple[str, str], str],
    directory: Directory,
) -> dict[str, list[LinkRecord]]:
    by_name = {str(f["name"]): key for key, f in kept.items()}
    by_folded = {normalize_name(str(f["name"])): key for key, f in kept.items()}
    drafts: dict[str, _DatasetDraft] = {}
    agency_pages: dict[str, str] = {}
    # (company key, dataset key) → subagencies named, in file order
    pairs: dict[tuple[str, str], dict[str, None]] = {}
    for number, row in enumerate(rows, 1):
        used_by = _value(row, "used_by")
        agency = clean_line(_value(row, "agency_name"), limit=300)
        key = by_name.get(used_by) or by_folded.get(normalize_name(used_by))
        where = f"agency row {number}"
        if not agency:
            directory.skipped.append((where, "no agency name"))
            continue
        if key is None:
            directory.skipped.append(
                (where, f"used_by {used_by!r} names no imported company")
            )
            continue
        sub = _subagency(row)
        url = directory.website(_value(row, "url"))
        if not sub and url:
            agency_pages.setdefault(agency, url)
        name = clean_line(_value(row, "dataset_name"))
        dataset_key = stable_key(agency, name) if name else stable_key(agency)
        draft = drafts.get(dataset_key)
        if draft is None:
            draft = drafts[dataset_key] = _DatasetDraft(
                title=name,
                agency=agency,
                agency_type=_value(row, "agency_type"),
                whole_agency=not name,
                label=labels.get((_value(row, "agency_name"), ""), ""),
            )
            if name:
                directory.matchable.add(dataset_key)
        if sub:
            draft.subagencies.setdefault(sub, None)
        if page := directory.website(_value(row, "dataset_url")):
            draft.pages.setdefault(page, None)
        pairs.setdefault((key, dataset_key), {})
        if sub:
            pairs[(key, dataset_key)].setdefault(sub, None)
    for dataset_key, draft in drafts.items():
        directory.datasets[dataset_key] = _dataset(
            dataset_key, draft, agency_pages.get(draft.agency, "")
        )
    links: dict[str, list[LinkRecord]] = defaultdict(list)
    for (key, dataset_key), subs in pairs.items():
        links[key].append(LinkRecord(dataset_key, _how(drafts[dataset_key], subs)))
    return links


def _how(draft: _DatasetDraft, subagencies: dict[str, None]) -> str:
    via = f" ({', '.join(subagencies)})" if subagencies else ""
    if draft.whole_agency:
        return (
            f"The Open Data 500 lists {draft.agency}{via} as a source of this "
            "company's data without naming a dataset."
        )
    return f"Named in the Open Data 500 as a dataset of {draft.agency}{via}."


def _dataset(key: str, draft: _DatasetDraft, agency_page: str) -> DatasetRecord:
    label = draft.label or draft.agency
    kind = f", {draft.agency_type.lower()}" if draft.agency_type else ""
    parts = []
    if draft.whole_agency:
        title = f"{label}: open data as a whole"
        parts.append(
            "Stands for the agency's open data as a whole: Open Data 500 "
            "companies said they use data from this agency without naming a "
            "dataset. It is not a catalog entry."
        )
        landing = agency_page
    else:
        title = draft.title
        parts.append(
            "Named by companies in the Open Data 500 (GovLab's survey of US "
            "companies using open government data); not found in a data "
            "catalog when imported."
        )
        landing = next(iter(draft.pages), "")
    parts.append(f"Agency: {label}{kind}.")
    if draft.subagencies:
        parts.append(f"Subagencies named: {', '.join(draft.subagencies)}.")
    if len(draft.pages) > 1 or (draft.whole_agency and draft.pages):
        parts.append(f"Pages given: {' '.join(draft.pages)}")
    return DatasetRecord(
        identifier=key,
        title=title[:500],
        description="\n\n".join(parts),
        publisher=draft.agency[:300],
        landing_page=landing[:2000],
    )
