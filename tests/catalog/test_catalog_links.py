"""Only safe links from imported catalogs (issue 13, item 1).

Every format's importer meets the hostile corpus of ``tests/support/
hostile_urls``: no such URL is stored as a link, ftp addresses are kept as
text, the summary counts them, the migration cleans rows imported before, and
the dataset page (landing page, distribution list) links none of them, even
for a row written past the importer."""

from __future__ import annotations

import importlib
import json
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.urls import reverse

from catalog.importer import import_catalog
from catalog.models import Dataset, Distribution
from hub.core.safelinks import safe_link
from tests.support.builders import make_dataset
from tests.support.hostile_urls import HOSTILE, SAFE, STORABLE, bad_links

pytestmark = pytest.mark.django_db

CORPUS = [*HOSTILE, *SAFE]
FTP = [url for url in HOSTILE if url.lower().startswith("ftp")]


def dcat_us() -> bytes:
    entries = [
        {
            "identifier": f"d{n}",
            "title": f"Dataset {n}",
            "accessLevel": "public",
            "landingPage": url,
            "distribution": [{"downloadURL": url}, {"accessURL": url}],
        }
        for n, url in enumerate(CORPUS)
    ]
    return json.dumps({"dataset": entries}).encode()


def ckan() -> bytes:
    packages = [
        {
            "id": f"d{n}",
            "name": f"d{n}",
            "title": f"Dataset {n}",
            "state": "active",
            "url": url,
            "resources": [{"name": "r", "url": url}, {"name": "s", "url": url}],
        }
        for n, url in enumerate(CORPUS)
    ]
    return json.dumps(
        {"success": True, "result": {"count": len(packages), "results": packages}}
    ).encode()


def dcat_ap() -> bytes:
    lines = [
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "<http://cat.example/c> a dcat:Catalog .",
    ]
    for n, url in enumerate(CORPUS):
        literal = json.dumps(url)  # \t, \n, \u0001: Turtle escapes too
        lines.append(
            f'<http://cat.example/d{n}> a dcat:Dataset ; dct:identifier "d{n}" ; '
            f'dct:title "Dataset {n}" ; dcat:landingPage {literal} ; '
            f"dcat:distribution [ a dcat:Distribution ; dcat:downloadURL {literal} ] , "
            f"[ a dcat:Distribution ; dcat:accessURL {literal} ] ."
        )
    return "\n".join(lines).encode()


FORMATS = {"dcat-us": dcat_us, "ckan": ckan, "dcat-ap": dcat_ap}


def _urls() -> list[str]:
    return [
        *Dataset.objects.values_list("landing_page", flat=True),
        *Distribution.objects.values_list("url", flat=True),
    ]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_an_import_keeps_no_hostile_url_and_counts_them(fmt):
    summary = import_catalog("hostile", FORMATS[fmt](), fmt)
    assert summary.created == len(CORPUS)
    # per entry: a landing page and two distributions, all with the same URL
    assert summary.counts()["unlinked_urls"] == 3 * len(HOSTILE)
    assert f"unlinked_urls={3 * len(HOSTILE)}" in summary.line()
    stored = [url for url in _urls() if url]
    links = [url for url in stored if safe_link(url)]
    assert sorted(set(stored) - set(links)) == sorted(
        {u.strip() for u in FTP}
    )  # ftp kept as text only
    assert len(links) == 3 * len(SAFE)
    assert Distribution.objects.count() == 2 * len(CORPUS)  # no entry lost
    again = import_catalog("hostile", FORMATS[fmt](), fmt)
    assert again.unchanged == len(CORPUS)


def test_a_clean_import_line_is_unchanged():
    summary = import_catalog("clean", dcat_us_of(SAFE), "dcat-us")
    assert "unlinked_urls" not in summary.counts()
    assert summary.line() == "created=3 updated=0 unchanged=0 withdrawn=0 skipped=0"


def dcat_us_of(urls: list[str]) -> bytes:
    return json.dumps(
        {
            "dataset": [
                {"identifier": f"d{n}", "title": "T", "landingPage": u}
                for n, u in enumerate(urls)
            ]
        }
    ).encode()


def test_the_import_status_says_how_many_urls_were_not_links(client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("staff")
    upload = SimpleUploadedFile("hostile.json", dcat_us(), "application/json")
    response = client.post(
        reverse("catalog-import"), {"file": upload, "format": "dcat-us"}
    )
    job = parse_qs(urlsplit(response["Location"]).query)["job"][0]
    body = client.get(reverse("catalog-import-status", args=[job])).content.decode()
    assert f"unlinked_urls={3 * len(HOSTILE)}" in body
    assert f"{3 * len(HOSTILE)} URLs are not http or https addresses" in body


@pytest.mark.parametrize("url", STORABLE)
def test_the_dataset_page_links_no_hostile_url_even_past_the_importer(client, url):
    dataset = make_dataset(landing_page=url)
    Distribution.objects.create(dataset=dataset, title="file", url=url)
    body = client.get(reverse("datasets-detail", args=[dataset.pk])).content.decode()
    assert bad_links(body) == []
    if url in SAFE:
        assert body.count('rel="nofollow noopener"') == 2  # both are links


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_imported_dataset_page_links_no_hostile_url(client, fmt):
    import_catalog("hostile", FORMATS[fmt](), fmt)
    for pk in Dataset.objects.values_list("pk", flat=True):
        body = client.get(reverse("datasets-detail", args=[pk])).content.decode()
        assert bad_links(body) == [], pk


def test_the_migration_cleans_rows_imported_before():
    migration = importlib.import_module("catalog.migrations.0002_clean_unsafe_links")
    rows = {url: make_dataset(landing_page=url) for url in STORABLE}
    for url, dataset in rows.items():
        Distribution.objects.create(dataset=dataset, url=url)
    # (What the migration reads of its schema editor: the connection.)
    migration.clean_links(django_apps, SimpleNamespace(connection=connection))
    for url, dataset in rows.items():
        dataset.refresh_from_db()
        kept = dataset.distributions.get().url
        assert dataset.landing_page == kept
        if url in SAFE or url in FTP:
            assert kept == url.strip()
        else:
            assert kept == "", url
