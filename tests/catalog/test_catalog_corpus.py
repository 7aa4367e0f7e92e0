"""Every real catalog in ../shared/corpus imports with the counts a careful
reading of the file gives (the rules are in ``catalog/__init__.py``).

Quirks pinned here: ARM's identifiers with a leading space and space-separated
datetimes; OPM's year-only dates and 97 non-public entries (skipped); FCC's
HTML descriptions; Antwerp's entity-escaped HTML and blank-node datasets keyed
by dc:identifier; Chicago/Austin v1.0 keywords as one comma string; CKAN's JSON
inside extras strings and package_list names (skipped, nothing imported).
Without the shared corpus, the small one committed in tests/support/corpus/
(the same files, the large ones cut to a few records) is read instead, with
its own counts (``tests/support/corpus.py``)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from catalog.importer import import_catalog
from catalog.models import CatalogSource, Dataset, Distribution
from tests.support.corpus import CORPUS, by_corpus

FORMAT_DIRS = ("dcat-us", "ckan", "dcat-ap", "socrata")

pytestmark = pytest.mark.django_db

# file: (detected format, datasets created, skipped, distributions)
FULL_EXPECTED = {
    "dcat-us/arm.doe.data.json": ("dcat-us", 997, 0, 997),
    "dcat-us/consumerfinance.gov.data.json": ("dcat-us", 11, 0, 11),
    "dcat-us/data.austintexas.gov.2013-08-28.v1.0.data.json": ("dcat-us", 139, 0, 508),
    "dcat-us/data.cityofchicago.org.2013-08-28.v1.0.data.json": (
        "dcat-us",
        514,
        0,
        1923,
    ),
    "dcat-us/data.ny.gov.excerpt.data.json": ("dcat-us", 1, 0, 4),
    "dcat-us/opendata.fcc.gov.data.json": ("dcat-us", 59, 0, 225),
    "dcat-us/opm.gov.data.json": ("dcat-us", 37, 97, 25),
    "ckan/data.gov.uk.package_show_create.json": ("ckan", 1, 0, 1),
    "ckan/data.gov.uk.package_show_inspire.json": ("ckan", 1, 0, 3),
    "ckan/data.gov.uk.package_show_update.json": ("ckan", 1, 0, 2),
    "ckan/demo.ckan.org.package_list.2017-10.json": ("ckan", 0, 3, 0),
    "ckan/demo.ckan.org.package_search.2017-10.json": ("ckan", 3, 0, 3),
    "dcat-ap/antwerpen.dcat-ap-vl.catalog.rdf": ("dcat-ap", 491, 0, 2884),
    "dcat-ap/datos.gob.es.madrid.dataset.ttl": ("dcat-ap", 1, 0, 1),
    "dcat-ap/opendata-hro.de.rostock.dataset.dcat-ap-de.rdf": ("dcat-ap", 1, 0, 9),
    "socrata/data.cityofchicago.org.api-views.7ray-xvet.json": ("socrata", 1, 0, 0),
    "socrata/data.cityofnewyork.us.api-views.hdr6-7r95.json": ("socrata", 1, 0, 0),
}
# The small corpus: the files under 35 KB whole (same counts), the others cut
# by tests/support/make_small_corpus.py.
SMALL_EXPECTED = {
    **FULL_EXPECTED,
    "dcat-us/arm.doe.data.json": ("dcat-us", 5, 0, 5),
    "dcat-us/data.austintexas.gov.2013-08-28.v1.0.data.json": ("dcat-us", 5, 0, 4),
    "dcat-us/data.cityofchicago.org.2013-08-28.v1.0.data.json": ("dcat-us", 5, 0, 14),
    "dcat-us/opendata.fcc.gov.data.json": ("dcat-us", 5, 0, 20),
    "dcat-us/opm.gov.data.json": ("dcat-us", 5, 3, 3),
    "dcat-ap/antwerpen.dcat-ap-vl.catalog.rdf": ("dcat-ap", 7, 0, 38),
}
EXPECTED = by_corpus(FULL_EXPECTED, SMALL_EXPECTED)
# ftp:// downloads (Austin, FCC): not links, kept as text, counted as unlinked.
UNLINKED = by_corpus(
    {
        "dcat-us/data.austintexas.gov.2013-08-28.v1.0.data.json": 5,
        "dcat-us/opendata.fcc.gov.data.json": 1,
    },
    {"dcat-us/data.austintexas.gov.2013-08-28.v1.0.data.json": 4},
)


def _import(name: str):
    return import_catalog(name, CORPUS / name)


def test_every_corpus_catalog_has_expected_counts():
    found = {f"{d}/{path.name}" for d in FORMAT_DIRS for path in (CORPUS / d).iterdir()}
    assert found == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_it_imports_the_file_then_reimports_it_unchanged(name):
    fmt, created, skipped, distributions = EXPECTED[name]
    unlinked = {"unlinked_urls": UNLINKED[name]} if name in UNLINKED else {}
    first = _import(name)
    assert first.counts() == {
        "created": created,
        "updated": 0,
        "unchanged": 0,
        "withdrawn": 0,
        "skipped": skipped,
        **unlinked,
    }
    assert len(first.skipped_reasons) == skipped
    source = CatalogSource.objects.get(name=name)
    assert source.format == fmt
    assert source.last_counts == first.counts()
    assert Dataset.objects.filter(source=source).count() == created
    assert Distribution.objects.filter(dataset__source=source).count() == distributions

    second = _import(name)
    assert second.counts() == {
        "created": 0,
        "updated": 0,
        "unchanged": created,
        "withdrawn": 0,
        "skipped": skipped,
        **unlinked,
    }


def test_identifiers_are_stripped_and_space_separated_dates_parsed():
    _import("dcat-us/arm.doe.data.json")
    dataset = Dataset.objects.get(identifier="10.5439/1150252")
    assert not Dataset.objects.filter(identifier__startswith=" ").exists()
    assert dataset.modified is not None
    assert Dataset.objects.get(identifier="ncepgfsbrwpprof").modified == date(
        2019, 6, 27
    )


def test_year_only_dates_and_non_public_entries():
    summary = _import("dcat-us/opm.gov.data.json")
    assert {reason for _, reason in summary.skipped_reasons} == {
        "accessLevel non-public"
    }
    assert not Dataset.objects.filter(identifier="OPM-OPO-0002").exists()
    datasets = Dataset.objects.all()
    assert {d.modified for d in datasets} == {date(2023, 1, 1)}
    assert sorted({d.access_level for d in datasets}) == ["public", "restricted public"]
    assert datasets.filter(access_level="restricted public").count() == by_corpus(8, 2)


def test_html_descriptions_become_plain_text_with_paragraphs():
    _import("dcat-us/opendata.fcc.gov.data.json")
    broadband = Dataset.objects.filter(description__contains="broadbandmap.fcc.gov")
    assert broadband.exists()
    assert not Dataset.objects.filter(description__contains="<b>").exists()
    assert all("\n\n" in d.description for d in broadband)


def test_rdf_blank_nodes_are_keyed_by_identifier_and_escaped_html_stripped():
    _import("dcat-ap/antwerpen.dcat-ap-vl.catalog.rdf")
    datasets = Dataset.objects.all()
    assert all(
        d.identifier.startswith("https://portaal-stadantwerpen.opendata.arcgis.com/")
        for d in datasets
    )
    # "< 0,5 ha" is text and stays; no tag does.
    assert datasets.filter(description__contains="< 0,5 ha").exists()
    assert not datasets.filter(description__regex=r"<[a-zA-Z/!]").exists()
    assert not datasets.filter(description__contains="&nbsp;").exists()
    assert {d.publisher for d in datasets} == {"Stad Antwerpen"}
    assert datasets.filter(licence="(c) Stad Antwerpen 2019").count() == by_corpus(9, 1)


def test_v1_0_keywords_given_as_one_string_are_split():
    _import("dcat-us/data.cityofchicago.org.2013-08-28.v1.0.data.json")
    dataset = Dataset.objects.get(identifier="zgvr-7yfd")
    assert dataset.keywords == ["benchmarks", "gis"]
    assert dataset.distributions.first().media_type == "text/csv"


def test_ckan_json_inside_extras_strings_is_decoded():
    _import("ckan/data.gov.uk.package_show_update.json")
    dataset = Dataset.objects.get(identifier="ford-crossings")
    assert dataset.themes == ["Environment", "Transport"]
    assert dataset.publisher == "Durham County Council"
    assert dataset.modified == date(2018, 3, 18)


def test_a_package_list_reports_names_and_withdraws_none_of_them():
    _import("ckan/demo.ckan.org.package_search.2017-10.json")
    summary = import_catalog(
        "ckan/demo.ckan.org.package_search.2017-10.json",
        CORPUS / "ckan/demo.ckan.org.package_list.2017-10.json",
    )
    assert summary.counts()["withdrawn"] == 0
    assert summary.skipped_reasons[0][0] == "100-validated-species-of-plants"
    assert not Dataset.objects.filter(withdrawn=True).exists()


def test_socrata_epoch_timestamps_become_dates():
    _import("socrata/data.cityofchicago.org.api-views.7ray-xvet.json")
    dataset = Dataset.objects.get(identifier="7ray-xvet")
    assert dataset.modified == date(2013, 6, 20)
    assert dataset.publisher == "City of Chicago"
    assert dataset.themes == ["Administration & Finance"]


def test_turtle_and_dcat_ap_de_fields():
    _import("dcat-ap/datos.gob.es.madrid.dataset.ttl")
    _import("dcat-ap/opendata-hro.de.rostock.dataset.dcat-ap-de.rdf")
    madrid = Dataset.objects.get(
        identifier="https://datos.madrid.es/egob/catalogo/300676-0-deporte-encuesta-escuelas"
    )
    assert madrid.publisher == "Ayuntamiento de Madrid"
    assert madrid.distributions.get().media_type == "application/vnd.ms-excel"
    rostock = Dataset.objects.get(identifier="c1be4007-d811-48fb-8818-2cb358b06a63")
    assert rostock.access_level == "public"
    assert rostock.licence == "http://dcat-ap.de/def/licenses/cc-zero"


def test_naughty_strings_are_stored_as_harmless_plain_text():
    naughty = json.loads((CORPUS / "bad-input/blns/blns.json").read_text())
    entries = [
        {
            "identifier": f"n{i}",
            "title": f"t{i} {text}",
            "description": text,
            "keyword": text,
            "accessLevel": "public",
            "distribution": [{"downloadURL": text, "format": text}],
        }
        for i, text in enumerate(naughty)
    ]
    data = json.dumps({"dataset": entries}).encode()
    summary = import_catalog("naughty", data)
    assert summary.created == len(naughty)
    assert not Dataset.objects.filter(description__icontains="<script").exists()
    assert not Dataset.objects.filter(title__icontains="<img").exists()
    assert import_catalog("naughty", data).unchanged == len(naughty)
