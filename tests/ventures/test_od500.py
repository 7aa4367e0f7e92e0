"""``import_od500`` loads the Open Data 500 export with the counts a careful
reading of its files gives (rules in ``ventures/directory/od500.py``).

The expected figures are computed here from the files with plain ``csv`` code
that shares nothing with the importer, and pinned as numbers checked by hand
against a separate reading (529 companies, 29 with band "NA", 142 with
financial text, 523 named datasets by agency + name, 44 agencies with rows that
name no dataset, 1,078 distinct company × dataset pairs from 1,123 rows).
Without the shared corpus the small one in tests/support/corpus/od500 (11 of
the companies and their agency rows) is read, with its own figures.
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from catalog.models import CatalogFormat, CatalogSource, Dataset
from hub.core.models import AuditEvent, Role
from reports.open_data_return import Grouping, ReportQuery, report_rows
from tests.support.builders import make_dataset, make_venture
from tests.support.corpus import CORPUS, by_corpus, needs_full_corpus
from ventures.directory.od500 import CATALOG_NAME
from ventures.directory.records import (
    band_lower_bound,
    funding_kind,
    normalize_name,
    stable_key,
    website_of,
)
from ventures.models import (
    DatasetUse,
    ExternalReference,
    FundingEvent,
    FundingKind,
    FundingStatus,
    ImpactSnapshot,
    Venture,
)

OD500 = CORPUS / "od500"

pytestmark = pytest.mark.django_db

#: The figures of the export, checked by hand (see the module's docstring).
FIGURES = by_corpus(
    {"ventures": 529, "snapshots": 500, "notes": 142, "datasets": 567, "links": 1078},
    {"ventures": 10, "snapshots": 10, "notes": 3, "datasets": 39, "links": 41},
)
#: Agencies with rows that name no dataset.
AS_A_WHOLE = by_corpus(44, 7)


def _rows(name: str, folder: Path = OD500) -> list[dict[str, str]]:
    with open(folder / name, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def expected_counts(folder: Path = OD500) -> dict[str, int]:
    companies = _rows("us_companies.csv", folder)
    agencies = _rows("us_agencies.csv", folder)
    datasets = set()
    links = set()
    for row in agencies:
        if row["dataset_name"].strip():
            dataset = (_fold(row["agency_name"]), _fold(row["dataset_name"]))
        else:
            dataset = (_fold(row["agency_name"]),)
        datasets.add(dataset)
        links.add((row["used_by"], dataset))
    return {
        "ventures": len({row["company_name_id"] for row in companies}),
        "snapshots": sum(
            1
            for row in companies
            if row["full_time_employees"].strip() not in ("", "NA")
        ),
        "notes": sum(
            1 for row in companies if row["financial_info"].strip() not in ("", "NA")
        ),
        "datasets": len(datasets),
        "links": len(links),
    }


def run(folder: Path | str = OD500) -> str:
    out = StringIO()
    call_command("import_od500", str(folder), stdout=out)
    return out.getvalue()


def subset(tmp_path: Path, company_ids: list[str]) -> Path:
    """A copy of the export with only these companies and their agency rows."""
    folder = tmp_path / "od500"
    folder.mkdir()
    companies = [
        r for r in _rows("us_companies.csv") if r["company_name_id"] in company_ids
    ]
    names = {r["company_name"] for r in companies}
    for name, rows in (
        ("us_companies.csv", companies),
        (
            "us_agencies.csv",
            [r for r in _rows("us_agencies.csv") if r["used_by"] in names],
        ),
    ):
        with open(folder / name, "w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    shutil.copy(OD500 / "us_Agency_List.json", folder)
    return folder


def test_the_expected_figures_are_the_hand_checked_ones():
    assert expected_counts() == FIGURES


def test_it_imports_the_whole_export_with_the_counts_of_the_files():
    expected = expected_counts()
    out = run()
    assert out.strip().splitlines()[-1] == (
        f"ventures created={expected['ventures']} updated=0 unchanged=0 merged=0; "
        f"datasets created={expected['datasets']} updated=0 unchanged=0 matched=0 "
        f"withdrawn=0; links created={expected['links']} updated=0 unchanged=0; "
        f"snapshots created={expected['snapshots']} updated=0 unchanged=0; "
        f"notes created={expected['notes']} updated=0 unchanged=0; skipped=0"
    )
    assert Venture.objects.count() == expected["ventures"]
    references = ExternalReference.objects.filter(source="od500", primary=True)
    assert references.count() == FIGURES["ventures"]
    source = CatalogSource.objects.get(name=CATALOG_NAME)
    assert source.format == CatalogFormat.SURVEY
    assert source.datasets.count() == expected["datasets"]
    as_a_whole = source.datasets.filter(title__endswith="open data as a whole")
    assert as_a_whole.count() == AS_A_WHOLE
    assert DatasetUse.objects.count() == expected["links"]
    assert ImpactSnapshot.objects.count() == expected["snapshots"]
    notes = FundingEvent.objects.all()
    assert notes.count() == expected["notes"]
    # Free text is never turned into an amount; every note is unverified USD.
    assert not notes.filter(amount__isnull=False).exists()
    assert set(notes.values_list("currency", "status").distinct()) == {
        ("USD", FundingStatus.REPORTED)
    }
    # Job totals use each band's lower bound.
    total = sum(
        band_lower_bound(r["full_time_employees"]) or 0
        for r in _rows("us_companies.csv")
    )
    assert sum(ImpactSnapshot.objects.values_list("full_time_jobs", flat=True)) == total


def test_a_second_run_changes_nothing():
    run()
    before = (
        Venture.objects.count(),
        Dataset.objects.count(),
        DatasetUse.objects.count(),
    )
    out = run()
    assert out.strip() == (
        f"ventures created=0 updated=0 unchanged={FIGURES['ventures']} merged=0; "
        f"datasets created=0 updated=0 unchanged={FIGURES['datasets']} matched=0 "
        "withdrawn=0; "
        f"links created=0 updated=0 unchanged={FIGURES['links']}; "
        f"snapshots created=0 updated=0 unchanged={FIGURES['snapshots']}; "
        f"notes created=0 updated=0 unchanged={FIGURES['notes']}; skipped=0"
    )
    after = (
        Venture.objects.count(),
        Dataset.objects.count(),
        DatasetUse.objects.count(),
    )
    assert before == after
    # One audit event for the import that changed things, none for the re-run.
    events = AuditEvent.objects.filter(action="ventures.import_directory")
    assert events.count() == 1
    assert events.get().data["counts"]["ventures"]["created"] == FIGURES["ventures"]


def test_one_company_in_detail(tmp_path):
    run(subset(tmp_path, ["3-round-stones-inc", "abt-associates", "5psolutions"]))
    venture = Venture.objects.get(external_refs__key="3-round-stones-inc")
    assert venture.name == "3 Round Stones, Inc."
    assert venture.website == "http://3RoundStones.com"
    assert venture.founded_on == venture.launched_on == date(2010, 1, 1)
    assert list(venture.sectors.names()) == ["Data/Technology"]
    assert "- Headquarters: Washington, DC" in venture.description
    assert "<li>Company type: Private</li>" in venture.description_html
    snapshot = venture.impact_snapshots.get()
    assert (snapshot.date, snapshot.full_time_jobs) == (date(2014, 11, 12), 1)
    assert snapshot.source == "Open Data 500: 1-10 full-time employees (lower bound)"
    note = venture.funding_events.get()
    assert note.amount is None and note.kind == FundingKind.OTHER
    assert note.date == date(2014, 11, 12)
    assert note.note.startswith("3 Round Stones is a profitable, self-funded")
    titles = sorted(venture.dataset_uses.values_list("dataset__title", flat=True))
    assert titles == [
        "Facilities Registry Service (FRS)",
        "Multiple federal data sources: open data as a whole",
        "Toxics Release Inventory (TRI) Programs",
    ]
    frs = Dataset.objects.get(title="Facilities Registry Service (FRS)")
    assert frs.publisher == "U.S. Environmental Protection Agency"
    assert frs.source.name == CATALOG_NAME
    # A URL without a scheme gets http://; a "1,001-5,000" band counts 1001.
    abt = Venture.objects.get(external_refs__key="abt-associates")
    assert abt.website == "http://abtassoc.com"
    assert abt.impact_snapshots.get().full_time_jobs == 1001


def test_rows_naming_no_dataset_link_to_the_agency_as_a_whole():
    run()
    dol = Dataset.objects.get(identifier="department-of-labor")
    assert dol.title == "Department of Labor (DOL): open data as a whole"
    assert dol.publisher == "Department of Labor"
    assert dol.landing_page.startswith(
        "http://catalog.data.gov/dataset?q=organization:"
    )
    assert "without naming a dataset" in dol.description
    assert "Bureau of Labor Statistics" in dol.description
    # Same dataset name under two pages: one dataset, the first page given.
    unemployment = Dataset.objects.get(identifier="department-of-labor/unemployment")
    assert unemployment.landing_page == "http://www.bls.gov/webapps/legacy/cpsatab1.htm"
    rows = [
        r
        for r in _rows("us_agencies.csv")
        if r["agency_name"] == "Department of Labor" and not r["dataset_name"].strip()
    ]
    assert dol.uses.count() == len({r["used_by"] for r in rows})


def test_a_dataset_already_in_a_catalog_is_linked_not_copied(tmp_path):
    folder = subset(tmp_path, ["investormill", "brightscope"])
    by_page = make_dataset(
        "Consumer Price Index", landing_page="https://bls.gov/cpi/data.htm/"
    )
    by_title = make_dataset("retirement plan data", publisher="department of labor")
    out = run(folder)
    assert "matched=2" in out
    cpi = DatasetUse.objects.get(
        venture__external_refs__key="investormill", dataset=by_page
    )
    assert cpi.dataset.source.name == "Test catalog"
    assert DatasetUse.objects.filter(dataset=by_title).count() == 1
    assert not Dataset.objects.filter(source__name=CATALOG_NAME, title="CPI").exists()
    assert "matched=0" in run(folder) and "created=0" in run(folder)


def test_changed_rows_update_and_nothing_is_duplicated(tmp_path):
    folder = subset(tmp_path, ["3-round-stones-inc", "48-factoring-inc"])
    run(folder)
    rows = _rows("us_companies.csv", folder)
    rows[0]["full_time_employees"] = "11-50"
    rows[0]["financial_info"] = "Seed round closed in 2015."
    rows[1]["description"] = "A new description."
    with open(folder / "us_companies.csv", "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = run(folder)
    assert "ventures created=0 updated=1 unchanged=1" in out
    assert "snapshots created=0 updated=1 unchanged=1" in out
    assert "notes created=0 updated=1 unchanged=0" in out
    stones = Venture.objects.get(external_refs__key="3-round-stones-inc")
    assert stones.impact_snapshots.get().full_time_jobs == 11
    note = stones.funding_events.get()
    assert (note.kind, note.note) == (FundingKind.SEED, "Seed round closed in 2015.")
    factoring = Venture.objects.get(external_refs__key="48-factoring-inc")
    assert factoring.description.startswith("A new description.")
    assert "<p>A new description.</p>" in factoring.description_html


def test_a_taken_slug_gets_a_suffix_and_staff_ventures_are_untouched(tmp_path):
    mine = make_venture(name="3 Round Stones", slug="3-round-stones-inc")
    run(subset(tmp_path, ["3-round-stones-inc"]))
    imported = Venture.objects.get(external_refs__key="3-round-stones-inc")
    assert imported.slug == "3-round-stones-inc-2"
    mine.refresh_from_db()
    assert mine.name == "3 Round Stones" and not mine.dataset_uses.exists()


def test_agency_rows_that_join_no_company_are_skipped_with_a_reason(tmp_path):
    folder = subset(tmp_path, ["3-round-stones-inc"])
    with open(folder / "us_agencies.csv", "a", encoding="utf-8", newline="") as stream:
        stream.write("Austin,AUS,City/County,General,,,Nobody Inc,Governance,1-10,,\n")
    out = run(folder)
    assert "skipped agency row 4: used_by 'Nobody Inc' names no imported company" in out
    assert out.strip().endswith("skipped=1")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "not a folder"),
        ("empty", "missing us_companies.csv, us_agencies.csv, us_Agency_List.json"),
        ("columns", "us_companies.csv: missing columns company_name, company_name_id"),
        ("json", "us_Agency_List.json: not a JSON file"),
    ],
)
def test_a_bad_folder_is_a_clear_error_and_imports_nothing(tmp_path, setup, message):
    folder = tmp_path / "od500"
    if setup != "missing":
        folder.mkdir()
    if setup in ("columns", "json"):
        for name in ("us_companies.csv", "us_agencies.csv", "us_Agency_List.json"):
            shutil.copy(OD500 / name, folder)
    if setup == "columns":
        (folder / "us_companies.csv").write_text("name,url\nA,b\n")
    if setup == "json":
        (folder / "us_Agency_List.json").write_text("{not json")
    with pytest.raises(CommandError, match=message):
        run(folder)
    assert not Venture.objects.exists() and not CatalogSource.objects.exists()


@needs_full_corpus("the bound is set for the whole export (529 companies)")
def test_the_whole_import_uses_a_bounded_number_of_queries(
    django_assert_max_num_queries,
):
    # 125 on SQLite for 529 companies, 1,123 agency rows and ~2,800 written rows:
    # bulk inserts split by SQLite's variable limit (datasets 9, links 10,
    # ventures 6, snapshots 5, references 4, notes 2, tagged items 2), catalog
    # matching 2 per 100 datasets (12), 20 tags created one by one (taggit),
    # the savepoints bulk_create and taggit open (38), and a dozen lookups.
    # One query per row would be thousands.
    with django_assert_max_num_queries(150):
        run()


def test_the_venture_and_dataset_pages_show_the_imported_data(client_for, tmp_path):
    run(subset(tmp_path, ["3-round-stones-inc"]))
    venture = Venture.objects.get(external_refs__key="3-round-stones-inc")
    client = client_for("staff")
    page = client.get(venture.get_absolute_url()).content.decode()
    assert "3 Round Stones, Inc." in page
    assert "Company type: Private" in page
    assert "Toxics Release Inventory (TRI) Programs" in page
    assert "Named in the Open Data 500 as a dataset of U.S. Environmental" in page
    page = client.get(reverse("catalog-sources")).content.decode()
    assert CATALOG_NAME in page and "Named in a survey, not in a catalog" in page
    # Dataset counts of the last import (PostgreSQL's jsonb reorders the keys).
    assert "created=3 " in page and "matched=0" in page and "unchanged=0" in page
    dataset = Dataset.objects.get(
        title="Multiple federal data sources: open data as a whole"
    )
    page = client.get(reverse("datasets-detail", args=[dataset.pk])).content.decode()
    assert "Stands for the agency&#x27;s open data as a whole" in page
    assert "3 Round Stones, Inc." in page


def test_the_helpers_follow_the_documented_rules():
    assert [band_lower_bound(b) for b in ("1-10", "51-200", "10,001+", "NA", "")] == [
        1,
        51,
        10001,
        None,
        None,
    ]
    assert website_of("www.example.org") == "http://www.example.org"
    assert website_of("not a url") == ""
    assert funding_kind("Closed a Series A in 2013") == FundingKind.SERIES_A_PLUS
    assert funding_kind("We are bootstrapped.") == FundingKind.OTHER
    assert normalize_name("México  Evalúa, A.C.") == "mexico evalua a c"
    assert normalize_name("Виктори Пиар") == "виктори пиар"  # not dropped
    assert stable_key("Department of Labor", "CPI ") == "department-of-labor/cpi"
    assert (
        stable_key("藥要看") != stable_key("藥") and len(stable_key("x" * 900)) == 500
    )
    labels = json.loads((OD500 / "us_Agency_List.json").read_text())
    assert any(entry["aa"] == "" for entry in labels)  # why "()" is dropped


def test_the_open_data_return_report_shows_the_imported_figures(client_for):
    run()
    companies = _rows("us_companies.csv")
    users = {r["used_by"] for r in _rows("us_agencies.csv")}
    linked = [c for c in companies if c["company_name"] in users]
    jobs = sum(band_lower_bound(c["full_time_employees"]) or 0 for c in linked)
    assert (len(linked), jobs) == by_corpus((526, 691_297), (10, 1220))
    rows = {
        row["name"]: row for row in report_rows(ReportQuery(grouping=Grouping.SOURCE))
    }
    row = rows[CATALOG_NAME]
    assert (row["ventures"], row["full_jobs"], row["datasets"]) == (
        len(linked),
        jobs,
        FIGURES["datasets"],
    )
    assert row["full_verified"] == row["full_reported"] == 0  # notes have no amount
    page = client_for("staff").get(
        reverse("report-open-data-return"), {"grouping": "source"}
    )
    assert page.status_code == 200
    assert CATALOG_NAME in page.content.decode()


def test_the_admin_shows_where_an_imported_venture_came_from(tmp_path, make_user):
    run(subset(tmp_path, ["3-round-stones-inc"]))
    venture = Venture.objects.get(external_refs__key="3-round-stones-inc")
    admin = make_user(role=Role.STAFF)
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    client = Client()
    client.force_login(admin)
    page = client.get(reverse("admin:ventures_venture_change", args=[venture.pk]))
    assert page.status_code == 200
    assert "3-round-stones-inc" in page.content.decode()
    listing = client.get(
        reverse("admin:ventures_venture_changelist"), {"external_refs__source": "od500"}
    )
    assert "3 Round Stones, Inc." in listing.content.decode()
