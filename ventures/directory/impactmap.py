"""Read Open Data Impact Map organisation profiles (2015) into a ``Directory``.

The file (``{"results": [...]}``, 1,259 profiles from the Center for Open Data
Enterprise) is imported with the same rules as the Open Data 500
(``ventures.directory.od500``) where the fields agree. Decided after reading it:

* **Only published profiles** (``org_profile_status`` "publish", 1,183) are
  imported; "dnd" (do not display), "hold" and "submitted" are skipped with
  their status as the reason, as is a profile without an id or a name.
* **Organisations → ventures**, keyed by ``objectId``. Two published
  profiles of one organisation (same normalized name and country, 10 pairs)
  give one venture: the most recently updated profile is kept, the other is
  skipped with the kept one's id. An organisation headquartered in the United
  States whose normalized name equals an Open Data 500 company's (the 2015 map
  re-published the OD500) is attached to that venture ("merged") instead of
  duplicated, whichever import runs first. Description, website (scheme
  added), founding year and sector tag (``industry_id``) follow the OD500
  rules; a founding year after the profile's date (2016, 2018 and 2019 in
  three published profiles) is ignored. The launch date, which a venture
  must have, is the founding date, else the day the profile was created (the
  earliest day it is known to have operated).
* **``org_size_id`` → one impact snapshot** dated from ``updatedAt``, full-time
  jobs the band's lower bound (``"201-1000"`` → 201, ``"1000+"`` → 1000), the
  band kept in the source; no band, no snapshot.
* **Data used → links.** ``data_use_unparsed`` lists "theme; country; level"
  triples (``|``-separated; a few use commas or run two triples together). Each
  triple links the organisation to one dataset standing for "open data on this
  theme from this level of government of this country", publisher the level
  and country, in the catalog source "Open Data Impact Map 2015
  (uncatalogued)". "Null" parts read as not stated; country names and two
  stray codes seen in the file map to their ISO 3166 alpha-3 codes
  (``COUNTRY_ALIASES``); themes are matched ignoring case. A profile without
  triples links to one such dataset per ``data_use_type`` theme, country and
  level not stated. These datasets stand for a publisher and a theme, never
  for a catalog entry, so they are not matched against the catalogs.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from catalog.records import DatasetRecord, clean_line, clean_text, parse_date
from ventures.directory.records import (
    Directory,
    DirectoryError,
    LinkRecord,
    SnapshotRecord,
    VentureRecord,
    band_lower_bound,
    founding_date,
    normalize_name,
    stable_key,
)

SOURCE = "impactmap"
CATALOG_NAME = "Open Data Impact Map 2015 (uncatalogued)"
SNAPSHOT_PREFIX = "Open Data Impact Map 2015"
PROFILE_DATE = date(2015, 12, 31)  # the profiles' year, for a missing updatedAt
COUNTRY_ALIASES = {
    "india": "IND",
    "nepal": "NPL",
    "nigeria": "NGA",
    "slovenia": "SVN",
    "ngr": "NGA",
    "tw": "TWN",
}
_NOT_STATED = {"", "null", "none", "n/a"}
_PART = re.compile(r"[;,]")


def read_impactmap(path: str | Path) -> Directory:
    """Parse the profiles file; ``DirectoryError`` if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise DirectoryError(f"{path}: no such file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DirectoryError(f"{path.name}: not a JSON file ({exc})") from exc
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise DirectoryError(f'{path.name}: expected {{"results": [profiles]}}')
    directory = Directory(
        source=SOURCE,
        catalog_name=CATALOG_NAME,
        location=path.name,
        snapshot_prefix=SNAPSHOT_PREFIX,
    )
    kept = _published(results, directory)
    themes: dict[str, str] = {}  # folded theme → its first spelling
    for profile in kept:
        directory.ventures.append(_venture(profile, directory, themes))
    return directory


def _text(profile: dict[str, Any], key: str) -> str:
    """A one-line field; HTML clean-up only when there is markup to remove."""
    value = profile.get(key)
    if isinstance(value, str) and "<" not in value and "&" not in value:
        return " ".join(value.replace("\x00", "").split())[:2000]
    return clean_line(value, limit=2000) if isinstance(value, str | int) else ""


def _country(profile: dict[str, Any]) -> str:
    code = _text(profile, "org_hq_country_locode").lower()
    return code or normalize_name(_text(profile, "org_hq_country"))


def _match_key(profile: dict[str, Any]) -> str:
    return f"{_country(profile)}:{normalize_name(_text(profile, 'org_name'))}"


def _published(results: list[Any], directory: Directory) -> list[dict[str, Any]]:
    """Published, named profiles, one per organisation (the latest update)."""
    candidates: dict[str, dict[str, Any]] = {}
    order: list[dict[str, Any]] = []
    seen_ids: set[str] = set()
    for number, profile in enumerate(results, 1):
        if not isinstance(profile, dict):
            directory.skipped.append((f"profile {number}", "not an object"))
            continue
        key = _text(profile, "objectId")[:200]
        status = _text(profile, "org_profile_status")
        if not key or not _text(profile, "org_name"):
            directory.skipped.append((f"profile {number}", "no id or no name"))
        elif key in seen_ids:
            directory.skipped.append((key, "repeats a profile id"))
        elif status != "publish":
            directory.skipped.append((key, f"profile status {status!r}, not published"))
        else:
            seen_ids.add(key)
            order.append(profile)
            match_key = _match_key(profile)
            current = candidates.get(match_key)
            if current is None or _text(profile, "updatedAt") > _text(
                current, "updatedAt"
            ):
                candidates[match_key] = profile
    kept = []
    for profile in order:
        winner = candidates[_match_key(profile)]
        if winner is profile:
            kept.append(profile)
        else:
            directory.skipped.append(
                (
                    _text(profile, "objectId"),
                    f"same organisation as profile {_text(winner, 'objectId')}",
                )
            )
    return kept


def _facts(profile: dict[str, Any], updated: date) -> str:
    place = ", ".join(
        p
        for p in (
            _text(profile, "org_hq_city"),
            _text(profile, "org_hq_st_prov"),
            _text(profile, "org_hq_country"),
        )
        if p
    )
    kind = _text(profile, "org_type")
    if kind == "Other" and _text(profile, "org_type_other"):
        kind = _text(profile, "org_type_other")
    impact = _text(profile, "org_greatest_impact")
    if detail := _text(profile, "org_greatest_impact_detail"):
        impact = f"{impact} ({detail})" if impact else detail
    facts = [
        ("Headquarters", place),
        ("Organisation type", kind),
        ("Greatest impact", impact),
        ("Products and services", _text(profile, "use_prod_srvc_desc")),
        ("Data used", _text(profile, "org_additional")),
    ]
    lines = [f"- {label}: {value}" for label, value in facts if value]
    origin = _text(profile, "org_profile_src")
    via = f", {origin}" if origin else ""
    lines.append(
        f"- Source: Open Data Impact Map 2015{via}, profile of {updated.isoformat()}"
    )
    return "\n".join(lines)


def _venture(
    profile: dict[str, Any], directory: Directory, themes: dict[str, str]
) -> VentureRecord:
    updated = parse_date(_text(profile, "updatedAt")) or PROFILE_DATE
    created = parse_date(_text(profile, "createdAt")) or updated
    founded = founding_date(profile.get("org_year_founded"), updated)
    band = _text(profile, "org_size_id")
    jobs = band_lower_bound(band)
    industry = _text(profile, "industry_id")[:100]
    description = clean_text(profile.get("org_description") or "")
    website = "" if profile.get("no_org_url") is True else _text(profile, "org_url")
    return VentureRecord(
        key=_text(profile, "objectId")[:200],
        match_key=_match_key(profile),
        name=_text(profile, "org_name")[:140],
        description=f"{description}\n\n{_facts(profile, updated)}".strip(),
        website=directory.website(website),
        founded_on=founded,
        launched_on=founded or created,
        sectors=(industry,) if industry else (),
        snapshot=SnapshotRecord(
            date=updated,
            full_time_jobs=jobs,
            source=f"{SNAPSHOT_PREFIX}: {band} employees (lower bound)",
        )
        if jobs is not None
        else None,
        links=tuple(
            LinkRecord(_dataset_key(directory, theme, country, level, themes))
            for theme, country, level in _data_used(profile)
        ),
    )


def _stated(value: str) -> str:
    value = " ".join(value.split())
    return "" if value.casefold() in _NOT_STATED else value


def _data_used(profile: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(theme, country, level) triples, "" where not stated, de-duplicated."""
    triples: dict[tuple[str, str, str], None] = {}
    unparsed = profile.get("data_use_unparsed")
    if isinstance(unparsed, str) and unparsed.strip():
        for group in unparsed.split("|"):
            parts = [_stated(p) for p in _PART.split(group)]
            size = 3 if len(parts) % 3 == 0 else len(parts)
            for start in range(0, len(parts), size):
                theme, country, level = ([*parts[start : start + 3], "", ""])[:3]
                country = COUNTRY_ALIASES.get(country.casefold(), country.upper())
                if theme or country or level:
                    triples.setdefault((theme, country, level.casefold()), None)
    else:
        for theme in profile.get("data_use_type") or []:
            if isinstance(theme, str) and _stated(theme):
                triples.setdefault((_stated(theme), "", ""), None)
    return list(triples)


def _dataset_key(
    directory: Directory,
    theme: str,
    country: str,
    level: str,
    themes: dict[str, str],
) -> str:
    theme = themes.setdefault(theme.casefold(), theme[:1].upper() + theme[1:])
    key = stable_key(country or "any-country", level or "any-level", theme or "any")
    if key not in directory.datasets:
        government = f"{level.capitalize()} government" if level else "Government"
        where = country or "country not stated"
        publisher = f"{government}, {where}"
        subject = f"{theme} open data" if theme else "Open data (theme not stated)"
        directory.datasets[key] = DatasetRecord(
            identifier=key,
            title=f"{subject} — {publisher}"[:500],
            description=(
                "Stands for the open data on this theme published by this level "
                "of government of this country, as organisations named it in "
                "their Open Data Impact Map 2015 profiles. It is not a catalog "
                "entry."
            ),
            publisher=publisher[:300],
            themes=(theme,) if theme else (),
        )
    return key
