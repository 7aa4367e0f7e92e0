"""The catalog pages: public dataset list and detail, and the staff sources and
import pages (the import runs inline in tests: CATALOG_IMPORT_IN_BACKGROUND)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.importer import import_catalog
from catalog.models import CatalogSource, Dataset, Distribution
from ventures.models import DatasetUse, Venture

pytestmark = pytest.mark.django_db


def data_json(datasets: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        {
            "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
            "dataset": datasets,
        }
    ).encode()


def entry(n: int, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "identifier": f"ds-{n}",
        "title": f"Dataset {n}",
        "description": f"About dataset {n}.",
        "publisher": {"name": "Parks Department"},
        "keyword": ["parks"],
        "accessLevel": "public",
        "modified": "2024-03-01",
        "distribution": [
            {
                "downloadURL": f"https://data.example.org/{n}.csv",
                "mediaType": "text/csv",
            }
        ],
    }
    record.update(fields)
    return record


def make_source(name: str, count: int, **fields: Any) -> CatalogSource:
    source = CatalogSource.objects.create(name=name, format="dcat-us")
    for n in range(count):
        dataset = Dataset.objects.create(
            source=source,
            identifier=f"{name}-{n}",
            title=f"{name} dataset {n}",
            publisher="Parks Department",
            keywords=["parks", "trees"],
            themes=["Environment"],
            content_hash="x",
            **fields,
        )
        Distribution.objects.create(dataset=dataset, format="CSV", url="https://x/a")
    return source


def titles(response: Any) -> set[str]:
    return {d.title for d in response.context["page"].object_list}


# --------------------------------------------------------------------------------------
# Dataset list and detail
# --------------------------------------------------------------------------------------


def test_list_hides_withdrawn_datasets_unless_asked(client):
    make_source("Open", 1)
    make_source("Gone", 1, withdrawn=True)
    assert titles(client.get(reverse("datasets-list"))) == {"Open dataset 0"}
    response = client.get(reverse("datasets-list") + "?withdrawn=on")
    assert titles(response) == {"Open dataset 0", "Gone dataset 0"}
    assert b"Withdrawn" in response.content


def test_list_searches_title_keywords_and_publisher(client):
    make_source("Alpha", 1)
    Dataset.objects.create(
        source=CatalogSource.objects.get(name="Alpha"),
        identifier="bikes",
        title="Bike counts",
        publisher="Transport Office",
        keywords=["cycling", "Café counts"],
        themes=["Mobility"],
        content_hash="x",
    )
    url = reverse("datasets-list")
    assert titles(client.get(url + "?q=bike")) == {"Bike counts"}
    assert titles(client.get(url + "?q=cycling")) == {"Bike counts"}
    assert titles(client.get(url + "?q=café")) == {"Bike counts"}
    assert titles(client.get(url + "?q=transport")) == {"Bike counts"}
    assert titles(client.get(url + "?publisher=transport office")) == {"Bike counts"}
    assert titles(client.get(url + "?theme=mobility")) == {"Bike counts"}
    assert titles(client.get(url + "?theme=mob")) == set()  # whole themes only
    assert titles(client.get(url + "?q=nothing-like-it")) == set()


def test_list_filters_by_source(client):
    make_source("Alpha", 2)
    beta = make_source("Beta", 1)
    response = client.get(reverse("datasets-list") + f"?source={beta.pk}")
    assert titles(response) == {"Beta dataset 0"}
    bogus = client.get(reverse("datasets-list") + "?source=nope")
    assert bogus.status_code == 200
    assert len(titles(bogus)) == 3  # an invalid filter is ignored, and said so
    assert b'role="alert"' in bogus.content


def test_list_paginates_keeping_the_filters(client):
    make_source("Alpha", 30)
    response = client.get(reverse("datasets-list") + "?q=alpha&page=2")
    assert len(titles(response)) == 5
    assert b'href="?q=alpha&amp;page=1"' in response.content


@pytest.mark.parametrize("size", [3, 40])
def test_list_runs_a_constant_number_of_queries(
    client, django_assert_num_queries, size
):
    make_source("Alpha", size)
    # Catalog choices for the filter form, the count, one page of datasets
    # with their source joined.
    with django_assert_num_queries(3):
        response = client.get(reverse("datasets-list") + "?q=alpha&theme=Environment")
    assert response.status_code == 200
    assert len(titles(response)) == min(size, 25)


def test_detail_shows_the_dataset(client):
    source = CatalogSource.objects.create(name="City portal")
    dataset = Dataset.objects.create(
        source=source,
        identifier="trees",
        title="Street trees",
        description="First paragraph <b>not markup</b>.\n\nSecond one.",
        publisher="Parks Department",
        keywords=["trees", "urban forest"],
        themes=["Environment"],
        licence="CC-BY-4.0",
        landing_page="https://data.example.org/trees",
        access_level="public",
        content_hash="x",
    )
    Distribution.objects.create(
        dataset=dataset, title="Trees CSV", format="CSV", url="https://x/t.csv"
    )
    body = client.get(reverse("datasets-detail", args=[dataset.pk])).content.decode()
    assert "<p>First paragraph &lt;b&gt;not markup&lt;/b&gt;.</p>" in body
    assert "<p>Second one.</p>" in body
    assert 'href="https://data.example.org/trees" rel="nofollow noopener"' in body
    for text in ("Parks Department", "urban forest", "Environment", "CC-BY-4.0"):
        assert text in body
    assert 'href="https://x/t.csv" rel="nofollow noopener"' in body
    assert "withdrawn" not in body


def test_detail_of_a_withdrawn_dataset_says_so(client):
    source = make_source("Gone", 1, withdrawn=True)
    dataset = source.datasets.get()
    response = client.get(reverse("datasets-detail", args=[dataset.pk]))
    assert response.status_code == 200
    assert "This dataset has been withdrawn" in response.content.decode()


@pytest.mark.parametrize("size", [1, 20])
def test_detail_runs_a_constant_number_of_queries(
    client, django_assert_num_queries, size
):
    source = make_source("Alpha", 1)
    dataset = source.datasets.get()
    Distribution.objects.bulk_create(
        Distribution(dataset=dataset, format="JSON", url=f"https://x/{n}")
        for n in range(size)
    )
    for n in range(size):
        venture = Venture.objects.create(name=f"V{n}", slug=f"v{n}")
        DatasetUse.objects.create(venture=venture, dataset=dataset, how="*Maps*")
    # The dataset with its source; its distributions; its uses with ventures.
    with django_assert_num_queries(3):
        response = client.get(reverse("datasets-detail", args=[dataset.pk]))
    assert len(response.context["distributions"]) == size + 1
    assert len(response.context["uses"]) == size


def test_the_dataset_page_lists_the_ventures_using_it(client):
    source = make_source("Alpha", 1)
    dataset = source.datasets.get()
    assert (
        "No venture has said it uses this dataset yet."
        in client.get(reverse("datasets-detail", args=[dataset.pk])).content.decode()
    )
    venture = Venture.objects.create(name="Curb Labs", slug="curb-labs")
    DatasetUse.objects.create(
        venture=venture, dataset=dataset, how="Routes <script>x</script>*fast*"
    )
    body = client.get(reverse("datasets-detail", args=[dataset.pk])).content.decode()
    assert 'href="/ventures/curb-labs/"' in body
    assert "<em>fast</em>" in body and "<script>x" not in body


def test_detail_of_an_unknown_dataset_is_404(client):
    assert client.get(reverse("datasets-detail", args=[999999])).status_code == 404


# --------------------------------------------------------------------------------------
# Catalog sources (staff)
# --------------------------------------------------------------------------------------


def test_sources_page_lists_counts_and_last_import(client_for):
    import_catalog("Parks", data_json([entry(1), entry(2)]))
    make_source("Gone", 2, withdrawn=True)
    body = client_for("staff").get(reverse("catalog-sources")).content.decode()
    assert "Parks" in body and "DCAT-US data.json" in body
    assert "2 (0 withdrawn)" in body and "2 (2 withdrawn)" in body
    assert "created=2" in body


@pytest.mark.parametrize("size", [1, 12])
def test_sources_page_runs_a_constant_number_of_queries(
    client_for, django_assert_num_queries, size
):
    for n in range(size):
        make_source(f"Source {n}", 2)
    client = client_for("staff")
    # Session, user, the bell's unread count, sources annotated with counts.
    with django_assert_num_queries(4):
        assert client.get(reverse("catalog-sources")).status_code == 200


# --------------------------------------------------------------------------------------
# Import page (staff)
# --------------------------------------------------------------------------------------


def _job(response: Any) -> str:
    assert response.status_code == 302, response.content
    location = urlsplit(response["Location"])
    assert location.path == reverse("catalog-import")
    return parse_qs(location.query)["job"][0]


def test_staff_uploads_a_catalog_and_watches_it_finish(client_for):
    client = client_for("staff")
    upload = SimpleUploadedFile(
        "parks.data.json",
        data_json([entry(1), entry(2), entry(3), {"title": "No identifier"}]),
        content_type="application/json",
    )
    response = client.post(
        reverse("catalog-import"), {"file": upload, "format": "auto"}
    )
    job = _job(response)
    status = client.get(reverse("catalog-import-status", args=[job]))
    body = status.content.decode()
    assert "created=3 updated=0 unchanged=0 withdrawn=0 skipped=1" in body
    assert "1 record skipped" in body
    assert "hx-trigger" not in body  # done: the fragment stops polling
    assert 'value="1" max="1" aria-valuenow="4"' in body
    source = CatalogSource.objects.get(name="parks.data.json")
    assert source.location == "parks.data.json"
    assert source.last_counts["created"] == 3
    assert source.datasets.count() == 3
    page = client.get(response["Location"]).content.decode()
    assert "created=3" in page


def test_import_uses_the_given_source_name_and_format(client_for):
    client = client_for("staff")
    upload = SimpleUploadedFile("x.json", data_json([entry(1)]))
    response = client.post(
        reverse("catalog-import"),
        {"file": upload, "source": "Parks portal", "format": "dcat-us"},
    )
    _job(response)
    assert CatalogSource.objects.get(name="Parks portal").datasets.count() == 1


def test_a_running_import_polls_its_status(client_for):
    cache.set(
        "catalog-import:abc123",
        {"state": "running", "processed": 1200, "source": "Big", "error": ""},
    )
    client = client_for("staff")
    body = client.get(reverse("catalog-import-status", args=["abc123"])).content
    text = body.decode()
    assert 'hx-get="/catalog/import/abc123/" hx-trigger="every 1s"' in text
    assert 'aria-valuenow="1200"' in text
    assert "1200 records processed so far" in text
    page = client.get(reverse("catalog-import") + "?job=abc123").content.decode()
    assert 'hx-trigger="every 1s"' in page


def test_unknown_job_is_404(client_for):
    response = client_for("staff").get(reverse("catalog-import-status", args=["nope"]))
    assert response.status_code == 404


def test_a_file_that_is_no_catalog_is_refused_and_changes_nothing(client_for):
    upload = SimpleUploadedFile("notes.txt", b"just some words")
    response = client_for("staff").post(reverse("catalog-import"), {"file": upload})
    assert response.status_code == 200
    assert "This file is not a catalog we can read" in response.content.decode()
    assert not CatalogSource.objects.exists()


def test_broken_json_fails_the_job_and_changes_nothing(client_for):
    import_catalog("Parks", data_json([entry(1)]))
    before = list(Dataset.objects.values_list("identifier", "title"))
    client = client_for("staff")
    upload = SimpleUploadedFile("broken.json", b'{"dataset": [')
    job = _job(
        client.post(reverse("catalog-import"), {"file": upload, "source": "Parks"})
    )
    body = client.get(reverse("catalog-import-status", args=[job])).content.decode()
    assert "failed and changed nothing" in body and "invalid JSON" in body
    assert list(Dataset.objects.values_list("identifier", "title")) == before


def test_an_upload_over_the_cap_is_refused(client_for, settings):
    settings.CATALOG_UPLOAD_MAX_BYTES = 1024
    upload = SimpleUploadedFile("big.json", data_json([entry(n) for n in range(20)]))
    response = client_for("staff").post(reverse("catalog-import"), {"file": upload})
    assert response.status_code == 200
    assert "The file is larger than 1.0\xa0KB." in response.content.decode()
    assert not CatalogSource.objects.exists()


def test_a_loopback_url_is_refused_with_a_clear_error(client_for):
    response = client_for("staff").post(
        reverse("catalog-import"), {"url": "http://127.0.0.1/data.json"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "This URL cannot be imported" in body
    assert "refused address (127.0.0.1)" in body
    assert 'aria-invalid="true"' in body
    assert not CatalogSource.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{}, {"url": "https://data.example.org/data.json", "with_file": True}],
    ids=["neither", "both"],
)
def test_one_of_file_or_url_is_required(client_for, data):
    if data.pop("with_file", False):
        data["file"] = SimpleUploadedFile("a.json", data_json([entry(1)]))
    response = client_for("staff").post(reverse("catalog-import"), data)
    assert response.status_code == 200
    assert "Upload a file or give a URL" in response.content.decode()
    assert not CatalogSource.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "reviewer", "owner"])
def test_import_is_for_staff_only(client_for, persona):
    client = client_for(persona)
    upload = SimpleUploadedFile("a.json", data_json([entry(1)]))
    assert client.get(reverse("catalog-import")).status_code == 403
    assert client.post(reverse("catalog-import"), {"file": upload}).status_code == 403
    assert client.get(reverse("catalog-sources")).status_code == 403
    assert not CatalogSource.objects.exists()


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(reverse("catalog-import"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_background_job_imports_and_cleans_up(tmp_path, monkeypatch):
    """The thread body: progress and the summary land in the cache, the upload
    copy is removed (run here in the test's thread and transaction)."""
    from catalog import views as catalog_views

    monkeypatch.setattr(catalog_views.connections, "close_all", lambda: None)
    path = tmp_path / "upload.json"
    path.write_bytes(data_json([entry(n) for n in range(250)]))
    catalog_views._background(
        "job1", source="Big", fmt="auto", path=str(path), url=None, location="big"
    )
    status = cache.get("catalog-import:job1")
    assert status["state"] == "done"
    assert status["processed"] == 250
    assert status["counts"]["created"] == 250
    assert not path.exists()


def test_importer_reports_progress():
    seen: list[int] = []
    import_catalog("P", data_json([entry(n) for n in range(250)]), progress=seen.append)
    assert seen == [100, 200, 250]
