"""``import_impactmap`` loads the Open Data Impact Map 2015 organisation
profiles with the counts a careful reading gives (rules in
``ventures/directory/impactmap.py``).

Figures: 1,259 profiles, 1,183 published (76 "dnd", "hold" or "submitted"
skipped), 9 published profiles repeating an organisation (same country and
name) skipped, so 1,174 organisations; 684 of them give an employee band. The
data-use figures (457 datasets, 2,485 links) were checked with a separate
script that parses the triples with its own code; the simpler ones are
recomputed below from the file. Without the shared corpus the small one in
tests/support/corpus/impact (12 of the profiles: those named below, the ones
founded after 2015 and the Open Data 500 companies of the small od500 cut) is
read, with its own figures.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from catalog.models import Dataset
from tests.support.corpus import CORPUS, by_corpus
from ventures.directory.impactmap import CATALOG_NAME
from ventures.models import DatasetUse, ExternalReference, ImpactSnapshot, Venture

PROFILES = CORPUS / "impact" / "ode_impactmap_org_profile_2015.json"
OD500 = CORPUS / "od500"

pytestmark = pytest.mark.django_db

#: Checked by hand (see the module's docstring).
FIGURES = by_corpus(
    {
        "profiles": 1259,
        "published": 1183,
        "ventures": 1174,
        "snapshots": 684,
        "skipped": 85,
    },
    {"profiles": 12, "published": 11, "ventures": 10, "snapshots": 9, "skipped": 2},
)
#: Websites given but not kept (not a valid http(s) address): one profile
#: gives two URLs in one field, one gives the word "Null".
UNLINKED = by_corpus("; unlinked_urls=2", "")
#: The data-use figures, checked with a separate script (on the small cut,
#: pinned from a run).
DATASETS, LINKS = by_corpus((457, 2485), (16, 18))
#: Open Data 500 ventures, and how many of them an Impact Map profile joins.
OD500_VENTURES, BOTH = by_corpus((529, 114), (10, 4))


def run(path: Path | str = PROFILES) -> str:
    out = StringIO()
    call_command("import_impactmap", str(path), stdout=out)
    return out.getvalue()


def subset(tmp_path: Path, ids: list[str]) -> Path:
    """A copy of the profiles file with only these profiles."""
    profiles = json.loads(PROFILES.read_text())["results"]
    path = tmp_path / "profiles.json"
    path.write_text(
        json.dumps({"results": [p for p in profiles if p["objectId"] in ids]})
    )
    return path


def _name(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).split())


def expected() -> dict[str, int]:
    profiles = json.loads(PROFILES.read_text())["results"]
    published = [p for p in profiles if p["org_profile_status"] == "publish"]
    latest: dict[tuple[str, str], dict] = {}
    for p in published:
        org = (
            (p["org_hq_country_locode"] or p["org_hq_country"]).lower(),
            _name(p["org_name"]),
        )
        if org not in latest or p["updatedAt"] > latest[org]["updatedAt"]:
            latest[org] = p
    return {
        "profiles": len(profiles),
        "published": len(published),
        "ventures": len(latest),
        "snapshots": sum(1 for p in latest.values() if p["org_size_id"]),
        "skipped": len(profiles) - len(latest),
    }


def test_the_expected_figures_are_the_hand_checked_ones():
    assert expected() == FIGURES


def test_it_imports_the_profiles_and_a_second_run_changes_nothing():
    figures = expected()
    out = run()
    assert out.strip().splitlines()[-1] == (
        f"ventures created={figures['ventures']} updated=0 unchanged=0 merged=0; "
        f"datasets created={DATASETS} updated=0 unchanged=0 matched=0 withdrawn=0; "
        f"links created={LINKS} updated=0 unchanged=0; "
        f"snapshots created={figures['snapshots']} updated=0 unchanged=0; "
        f"notes created=0 updated=0 unchanged=0; skipped={figures['skipped']}"
        f"{UNLINKED}"
    )
    assert "skipped yhjU4yDFbs: profile status 'dnd', not published" in out
    assert "skipped 0SZg1JPXmT: same organisation as profile cKgPiElr2L" in out
    assert Venture.objects.count() == figures["ventures"]
    assert Dataset.objects.filter(source__name=CATALOG_NAME).count() == DATASETS
    assert DatasetUse.objects.count() == LINKS
    assert ImpactSnapshot.objects.count() == figures["snapshots"]
    again = run().strip().splitlines()[-1]
    assert again == (
        f"ventures created=0 updated=0 unchanged={figures['ventures']} merged=0; "
        f"datasets created=0 updated=0 unchanged={DATASETS} matched=0 withdrawn=0; "
        f"links created=0 updated=0 unchanged={LINKS}; "
        f"snapshots created=0 updated=0 unchanged={figures['snapshots']}; "
        f"notes created=0 updated=0 unchanged=0; skipped={figures['skipped']}"
        f"{UNLINKED}"
    )
    assert Venture.objects.count() == figures["ventures"]


def test_one_organisation_in_detail(tmp_path):
    run(subset(tmp_path, ["sNv49u2P6m", "03uOCCArr0", "0SZg1JPXmT", "cKgPiElr2L"]))
    alterra = Venture.objects.get(external_refs__key="sNv49u2P6m")
    assert alterra.website.startswith("http://www.wageningenur.nl/")
    assert alterra.founded_on is None
    assert list(alterra.sectors.names())
    snapshot = alterra.impact_snapshots.get()
    assert (snapshot.date, snapshot.full_time_jobs) == (date(2015, 7, 25), 201)
    assert (
        snapshot.source == "Open Data Impact Map 2015: 201-1000 employees (lower bound)"
    )
    titles = sorted(alterra.dataset_uses.values_list("dataset__title", flat=True))
    assert titles == [
        "Geospatial/mapping open data — National government, NLD",
        "Geospatial/mapping open data — National government, USA",
    ]
    edf = Venture.objects.get(external_refs__key="03uOCCArr0")
    assert edf.impact_snapshots.get().full_time_jobs == 1000  # "1000+"
    # Two profiles of Fundar: the later one (with a band) is the venture.
    fundar = Venture.objects.get(name="Fundar")
    assert fundar.external_refs.get().key == "cKgPiElr2L"
    assert fundar.founded_on == date(1999, 1, 1)


def test_a_founding_year_after_the_profile_is_ignored(tmp_path):
    profiles = json.loads(PROFILES.read_text())["results"]
    late = [
        p["objectId"]
        for p in profiles
        if p["org_profile_status"] == "publish" and (p["org_year_founded"] or 0) > 2015
    ]
    assert len(late) == 3
    run(subset(tmp_path, late))
    assert Venture.objects.count() == 3
    assert not Venture.objects.filter(
        external_refs__key__in=late, founded_on__isnull=False
    ).exists()


@pytest.mark.parametrize("od500_first", [True, False])
def test_od500_companies_are_merged_whichever_import_runs_first(od500_first):
    commands = [("import_od500", OD500), ("import_impactmap", PROFILES)]
    for name, path in commands if od500_first else commands[::-1]:
        call_command(name, str(path), stdout=StringIO())
    assert Venture.objects.count() == OD500_VENTURES + FIGURES["ventures"] - BOTH
    socrata = Venture.objects.get(name="Socrata")
    assert set(socrata.external_refs.values_list("source", flat=True)) == {
        "od500",
        "impactmap",
    }
    # One snapshot from each directory: a small time series.
    assert sorted(socrata.impact_snapshots.values_list("date", "full_time_jobs")) == [
        (date(2014, 11, 20), 51),
        (date(2015, 7, 25), 51),
    ]
    assert ExternalReference.objects.filter(primary=False).count() == BOTH
    uses = socrata.dataset_uses.values_list("dataset__source__name", flat=True)
    assert {"Open Data 500 (uncatalogued)", CATALOG_NAME} <= set(uses)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), ("[1, 2]", "expected"), ("{oops", "not a JSON file")],
)
def test_a_bad_file_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "profiles.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(CommandError, match=message):
        run(path)
    assert not Venture.objects.exists()


def test_the_pages_show_an_imported_organisation(client_for, tmp_path):
    run(subset(tmp_path, ["sNv49u2P6m"]))
    venture = Venture.objects.get(external_refs__key="sNv49u2P6m")
    client = client_for("staff")
    page = client.get(venture.get_absolute_url()).content.decode()
    assert (
        "Alterra" in page and "Source: Open Data Impact Map 2015, GODAN paper" in page
    )
    dataset = Dataset.objects.get(
        title="Geospatial/mapping open data — National government, NLD"
    )
    page = client.get(reverse("datasets-detail", args=[dataset.pk])).content.decode()
    assert "It is not a catalog entry." in page and "Alterra" in page
