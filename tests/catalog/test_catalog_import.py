"""Re-import semantics, bad input and the management command."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog import dcat_us
from catalog.importer import import_catalog
from catalog.models import CatalogSource, Dataset
from catalog.records import CatalogError

pytestmark = pytest.mark.django_db


def entry(identifier: str, title: str, **extra: object) -> dict[str, object]:
    return {"identifier": identifier, "title": title, "accessLevel": "public", **extra}


def catalog(*entries: dict[str, object]) -> bytes:
    return json.dumps({"dataset": list(entries)}).encode()


@pytest.fixture
def imported():
    import_catalog(
        "city",
        catalog(
            entry("a", "Trees", distribution=[{"downloadURL": "https://x/a.csv"}]),
            entry("b", "Bins"),
            entry("c", "Lamps"),
        ),
    )
    return CatalogSource.objects.get(name="city")


def test_a_changed_dataset_is_updated_and_a_missing_one_withdrawn(imported):
    summary = import_catalog(
        "city",
        catalog(
            entry("a", "Trees", distribution=[{"downloadURL": "https://x/a2.csv"}]),
            entry("b", "Waste bins"),
        ),
    )
    assert summary.line() == "created=0 updated=2 unchanged=0 withdrawn=1 skipped=0"
    lamps = Dataset.objects.get(identifier="c")  # withdrawn, not deleted
    assert lamps.withdrawn
    assert Dataset.objects.get(identifier="b").title == "Waste bins"
    trees = Dataset.objects.get(identifier="a")
    assert [d.url for d in trees.distributions.all()] == ["https://x/a2.csv"]


def test_a_withdrawn_dataset_that_returns_is_restored(imported):
    import_catalog("city", catalog(entry("a", "Trees"), entry("b", "Bins")))
    summary = import_catalog(
        "city", catalog(entry("a", "Trees"), entry("b", "Bins"), entry("c", "Lamps"))
    )
    assert summary.counts() == {
        "created": 0,
        "updated": 1,
        "unchanged": 2,
        "withdrawn": 0,
        "skipped": 0,
    }
    assert not Dataset.objects.filter(withdrawn=True).exists()


def test_identifiers_are_unique_within_a_source_not_across_sources(imported):
    import_catalog("county", catalog(entry("a", "County trees")))
    assert Dataset.objects.filter(identifier="a").count() == 2


def test_duplicates_and_entries_without_identifier_are_skipped_with_a_reason(db):
    summary = import_catalog(
        "city",
        catalog(
            entry("a", "Trees"), entry(" a ", "Trees again"), {"title": "Nameless"}
        ),
    )
    assert summary.created == 1
    assert summary.skipped_reasons == [
        ("a", "duplicate identifier in this file"),
        ("Nameless", "no identifier"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"hello, world", "not JSON"),
        (b"", "not JSON"),
        (b'{"dataset": [', "invalid JSON"),
        (b'{"something": "else"}', "unknown shape"),
        (b"[1, 2, 3]", "unknown shape"),
        (b'{"success": true, "result": 5}', "CKAN"),
        (b'{"success": false, "error": {}, "result": null}', "CKAN"),
        (b"<?xml version='1.0'?><rdf:RDF", "DCAT-AP"),
        (b"@prefix dcat: <http://www.w3.org/ns/dcat#> .", "no dcat:Dataset"),
        (b"[" * 100_000, "invalid JSON"),
    ],
)
def test_bad_input_raises_a_clear_error_and_changes_nothing(imported, data, message):
    before = list(
        Dataset.objects.values_list("identifier", "content_hash", "withdrawn")
    )
    with pytest.raises(CatalogError, match=message):
        import_catalog("city", data)
    with pytest.raises(CatalogError):
        import_catalog("new source", data)
    after = list(Dataset.objects.values_list("identifier", "content_hash", "withdrawn"))
    assert after == before
    assert not CatalogSource.objects.filter(name="new source").exists()


def test_the_wrong_explicit_format_is_refused(imported):
    with pytest.raises(CatalogError, match="Socrata"):
        import_catalog("city", catalog(entry("a", "Trees")), fmt="socrata")


def test_a_failure_midway_rolls_back_the_whole_import(imported, monkeypatch):
    real = dcat_us.record

    def failing(item):
        if item["identifier"] == "z":
            raise RuntimeError("boom")
        return real(item)

    monkeypatch.setattr(dcat_us, "record", failing)
    with pytest.raises(RuntimeError):
        import_catalog("city", catalog(entry("a", "Renamed"), entry("z", "Boom")))
    assert Dataset.objects.get(identifier="a").title == "Trees"
    assert not Dataset.objects.filter(withdrawn=True).exists()
    assert imported.last_counts == CatalogSource.objects.get(name="city").last_counts


def test_the_command_lists_skips_then_prints_one_summary_line(tmp_path: Path):
    path = tmp_path / "data.json"
    path.write_bytes(
        catalog(
            entry("a", "Trees"),
            entry("b", "Secret", accessLevel="non-public"),
        )
    )
    out = StringIO()
    call_command("import_catalog", str(path), "--source", "city", stdout=out)
    assert out.getvalue().splitlines() == [
        "skipped b: accessLevel non-public",
        "created=1 updated=0 unchanged=0 withdrawn=0 skipped=1",
    ]
    out = StringIO()
    call_command("import_catalog", str(path), "--format", "dcat-us", stdout=out)
    assert out.getvalue().splitlines()[-1] == (
        "created=1 updated=0 unchanged=0 withdrawn=0 skipped=1"
    )
    assert CatalogSource.objects.get(name="data.json").format == "dcat-us"
    assert CatalogSource.objects.get(name="data.json").location == "data.json"


def test_the_command_refuses_bad_files_and_urls(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text("not a catalog")
    with pytest.raises(CommandError, match="not JSON"):
        call_command("import_catalog", str(bad))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_catalog", str(tmp_path / "missing.json"))
    with pytest.raises(CommandError, match="refused address"):
        call_command("import_catalog", "http://127.0.0.1/data.json")
    assert not CatalogSource.objects.exists()


JSON_LD = {
    "@context": {
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
    },
    "@graph": [
        {
            "@id": "https://example.org/ds/1",
            "@type": "dcat:Dataset",
            "dct:identifier": "ds-1",
            "dct:title": "Parks",
            "dct:description": "&lt;p&gt;Green&lt;/p&gt;",
            "dct:modified": "2013",
        }
    ],
}


def test_json_ld_dcat_ap_is_detected_and_imported(db):
    summary = import_catalog("eu", json.dumps(JSON_LD).encode())
    assert summary.created == 1
    dataset = Dataset.objects.get(identifier="ds-1")
    assert (dataset.title, dataset.description) == ("Parks", "Green")
    assert CatalogSource.objects.get(name="eu").format == "dcat-ap"


def test_json_ld_with_a_remote_context_is_refused_not_fetched(db):
    remote = {**JSON_LD, "@context": "http://169.254.169.254/latest/meta-data/"}
    with pytest.raises(CatalogError, match="remote @context"):
        import_catalog("eu", json.dumps(remote).encode())
    nested = {**JSON_LD, "@graph": [{"@context": ["http://10.0.0.1/ctx"]}]}
    with pytest.raises(CatalogError, match="remote @context"):
        import_catalog("eu", json.dumps(nested).encode())


def test_socrata_view_lists_skip_unpublished_views(db):
    views = [
        {"id": "abcd-1234", "name": "Potholes", "viewType": "tabular"},
        {
            "id": "wxyz-9876",
            "name": "Draft",
            "viewType": "tabular",
            "publicationStage": "unpublished",
        },
    ]
    summary = import_catalog("socrata", json.dumps(views).encode())
    assert summary.created == 1
    assert summary.skipped_reasons == [("wxyz-9876", "publicationStage unpublished")]


def test_nul_and_oversized_values_are_stored_safely(db):
    summary = import_catalog(
        "city",
        catalog(
            entry("a\x00b", "T\x00rees" + "x" * 900, accessLevel="public" * 20),
        ),
    )
    assert summary.created == 1
    dataset = Dataset.objects.get()
    assert dataset.identifier == "ab"
    assert len(dataset.title) == 500
    assert len(dataset.access_level) == 50
    assert "\x00" not in dataset.title


def test_rdf_xml_external_entities_are_not_resolved(db, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRETVALUE")
    doc = f"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "{secret.as_uri()}">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns:dct="http://purl.org/dc/terms/" xmlns:dcat="http://www.w3.org/ns/dcat#">
<dcat:Dataset rdf:about="https://example.org/ds/1"><dct:title>a&x;b</dct:title>
</dcat:Dataset></rdf:RDF>"""
    import_catalog("rdf", doc.encode())
    assert Dataset.objects.get().title == "ab"
