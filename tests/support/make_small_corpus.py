"""Cuts the small test corpus (``tests/support/corpus/``) from the shared one.

    python tests/support/make_small_corpus.py [../shared/corpus]

Small files are copied as they are. The large catalogs and directories keep
their first few records plus the records the tests pin by name, and stay
valid files of their format (JSON re-serialized with the same keys; the
Antwerp RDF/XML keeps its original text, only whole ``rdf:Description``
blocks are left out). Run it again after changing a selection and update the
``by_corpus`` figures the corpus tests pin for the small corpus.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "corpus"
FIRST = 5  # records kept from the top of each large file

COPIED = [
    "bad-input/blns/blns.json",
    "bad-input/blns/LICENSE",
    "bad-input/payloadsallthethings/CSV_Injection-README.md",
    "bad-input/payloadsallthethings/XSS_Injection-Intruders-RSNAKE_XSS.txt",
    "bad-input/payloadsallthethings/XSS_Injection-Intruders-XSS_Polyglots.txt",
    "bad-input/payloadsallthethings/XSS_Injection-Files-SVG_XSS1.svg",
    "bad-input/payloadsallthethings/XSS_Injection-Files-SVG_XSS_nested_svg.svg",
    "bad-input/payloadsallthethings/LICENSE",
    "dcat-us/consumerfinance.gov.data.json",
    "dcat-us/data.ny.gov.excerpt.data.json",
    "ckan/data.gov.uk.package_show_create.json",
    "ckan/data.gov.uk.package_show_inspire.json",
    "ckan/data.gov.uk.package_show_update.json",
    "ckan/demo.ckan.org.package_list.2017-10.json",
    "ckan/demo.ckan.org.package_search.2017-10.json",
    "dcat-ap/datos.gob.es.madrid.dataset.ttl",
    "dcat-ap/opendata-hro.de.rostock.dataset.dcat-ap-de.rdf",
    "socrata/data.cityofchicago.org.api-views.7ray-xvet.json",
    "socrata/data.cityofnewyork.us.api-views.hdr6-7r95.json",
    "od500/us_Agency_List.json",
]

# file -> identifiers kept besides the first FIRST records
DCAT_US = {
    # a leading-space identifier with a space-separated datetime, and one
    # without the space
    "dcat-us/arm.doe.data.json": {" 10.5439/1150252", "ncepgfsbrwpprof"},
    # year-only dates; non-public (skipped) and "restricted public" entries
    "dcat-us/opm.gov.data.json": {"OPM-OPO-0002"},
    # HTML descriptions (the first records already have them)
    "dcat-us/opendata.fcc.gov.data.json": set(),
    # v1.0: keywords as one comma string
    "dcat-us/data.cityofchicago.org.2013-08-28.v1.0.data.json": {"zgvr-7yfd"},
    "dcat-us/data.austintexas.gov.2013-08-28.v1.0.data.json": set(),
}
OPM_LEVELS = {"public": 3, "restricted public": 2, "non-public": 3}

# Antwerp: datasets kept by a word of their description
ANTWERP = "dcat-ap/antwerpen.dcat-ap-vl.catalog.rdf"
ANTWERP_PINNED = ("&amp;lt; 0,5 ha", "(c) Stad Antwerpen 2019")

# Open Data 500: companies the tests name, and a few with edge cases
OD500_COMPANIES = [
    "3-round-stones-inc",
    "48-factoring-inc",
    "5psolutions",
    "abt-associates",
    "brightscope",
    "investormill",
    "socrata",
]
OD500_AGENCY = "Department of Labor"  # rows naming no dataset, a repeated name

# Impact Map: profiles the tests name, plus the founding-year and
# duplicate-organisation cases and the OD500 companies above
IMPACT_PROFILES = ["sNv49u2P6m", "03uOCCArr0", "0SZg1JPXmT", "cKgPiElr2L", "yhjU4yDFbs"]


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def _dcat_us(src: Path, name: str, pinned: set[str]) -> None:
    data = json.loads((src / name).read_text())
    entries = data if isinstance(data, list) else data["dataset"]
    if name.endswith("opm.gov.data.json"):
        wanted = dict(OPM_LEVELS)
        kept = []
        for entry in entries:
            level = entry.get("accessLevel")
            if entry["identifier"] in pinned or wanted.get(level, 0) > 0:
                kept.append(entry)
                wanted[level] = wanted.get(level, 0) - 1
    else:
        kept = [
            e for i, e in enumerate(entries) if i < FIRST or e["identifier"] in pinned
        ]
    if isinstance(data, list):
        _write_json(OUT / name, kept)
    else:
        _write_json(OUT / name, {**data, "dataset": kept})


def _antwerp(src: Path) -> None:
    text = (src / ANTWERP).read_text()
    pattern = re.compile(
        r'  <rdf:Description rdf:(nodeID|about)="([^"]+)">\n(.*?)\n'
        r"  </rdf:Description>\n",
        re.S,
    )
    blocks = {m.group(2): m for m in pattern.finditer(text)}
    datasets = [
        m for m in blocks.values() if "dcat#Dataset" in m.group(3).split("\n", 1)[0]
    ]
    kept_datasets = datasets[:FIRST] + [
        next(m for m in datasets if word in m.group(3)) for word in ANTWERP_PINNED
    ]
    keep: set[str] = set()
    for m in kept_datasets:
        keep.add(m.group(2))
        keep |= set(re.findall(r'rdf:nodeID="([^"]+)"', m.group(3)))
    first = min(m.start() for m in blocks.values())
    last = max(m.end() for m in blocks.values())
    parts = [text[:first]]
    for m in pattern.finditer(text):
        if m.group(1) == "about":  # the catalog, its licence, its publisher
            body = "\n".join(
                line
                for line in m.group(0).split("\n")
                if "<dcat:dataset " not in line
                or re.search(r'rdf:nodeID="([^"]+)"', line).group(1) in keep
            )
            parts.append(body)
        elif m.group(2) in keep:
            parts.append(m.group(0))
    parts.append(text[last:])
    (OUT / ANTWERP).parent.mkdir(parents=True, exist_ok=True)
    (OUT / ANTWERP).write_text("".join(parts))


def _csv_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        return list(reader.fieldnames or []), list(reader)


def _write_csv(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _od500(src: Path) -> set[str]:
    fields, companies = _csv_rows(src / "od500/us_companies.csv")
    agency_fields, agencies = _csv_rows(src / "od500/us_agencies.csv")
    ids = set(OD500_COMPANIES)
    # Two more users of the agency's data as a whole, if not already in.
    dol = [
        r["used_by"]
        for r in agencies
        if r["agency_name"] == OD500_AGENCY and not r["dataset_name"].strip()
    ]
    by_name = {r["company_name"]: r["company_name_id"] for r in companies}
    ids |= {by_name[name] for name in dol[:2] if name in by_name}
    # The same dataset name under two pages.
    unemployment = [
        r["used_by"]
        for r in agencies
        if r["agency_name"] == OD500_AGENCY
        and r["dataset_name"].strip().casefold() == "unemployment"
    ]
    ids |= {by_name[name] for name in unemployment if name in by_name}
    kept = [r for r in companies if r["company_name_id"] in ids]
    names = {r["company_name"] for r in kept}
    _write_csv(OUT / "od500/us_companies.csv", fields, kept)
    _write_csv(
        OUT / "od500/us_agencies.csv",
        agency_fields,
        [r for r in agencies if r["used_by"] in names],
    )
    return names


def _impact(src: Path, od500_names: set[str]) -> None:
    name = "impact/ode_impactmap_org_profile_2015.json"
    data = json.loads((src / name).read_text())
    profiles = data["results"]
    late = [
        p["objectId"]
        for p in profiles
        if p["org_profile_status"] == "publish" and (p["org_year_founded"] or 0) > 2015
    ]
    folded = {n.casefold() for n in od500_names}
    merged = [
        p["objectId"]
        for p in profiles
        if p["org_name"].casefold() in folded and p["org_hq_country_locode"] == "US"
    ]
    ids = set(IMPACT_PROFILES) | set(late) | set(merged)
    _write_json(
        OUT / name, {**data, "results": [p for p in profiles if p["objectId"] in ids]}
    )


def main(src: Path) -> None:
    if OUT.exists():
        for child in OUT.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
    for name in COPIED:
        (OUT / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / name, OUT / name)
    for name, pinned in DCAT_US.items():
        _dcat_us(src, name, pinned)
    _antwerp(src)
    _impact(src, _od500(src))


if __name__ == "__main__":
    default = HERE.parents[1].parent / "shared" / "corpus"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
