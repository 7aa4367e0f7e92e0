"""JSON catalogs are streamed: detection reads only the document's shape, the
records are parsed one at a time, and a big import's peak memory stays well
below what loading the file whole costs."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import pytest
from django.db import connection

from catalog import jsonstream
from catalog.detect import read_catalog
from catalog.importer import import_catalog
from catalog.models import CatalogSource, Dataset
from catalog.records import CatalogError

BENCH = Path(__file__).resolve().parents[2] / "bench" / "catalog_import.py"


def entry(identifier: str, **extra: object) -> dict[str, object]:
    return {"identifier": identifier, "title": f"Title {identifier}", **extra}


def data_json(*entries: dict[str, object]) -> bytes:
    return json.dumps({"@context": "x", "dataset": list(entries)}).encode()


class CountingReader(io.BytesIO):
    """Counts the bytes read, to show what detection touches."""

    bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_the_shape_keeps_objects_and_the_first_element_of_each_array():
    response = {
        "help": "h",
        "success": True,
        "result": {
            "count": 2,
            "results": [
                {"name": "p", "tags": [{"name": "a"}, {"name": "b"}]},
                {"name": "q", "tags": []},
            ],
        },
    }
    shape = jsonstream.shape(io.BytesIO(json.dumps(response).encode()))
    assert shape == {
        "help": "h",
        "success": True,
        "result": {"count": 2, "results": [{"name": "p", "tags": [{"name": "a"}]}]},
    }


@pytest.mark.parametrize("version", ["v1.1", "v1.0"])
def test_detecting_a_dcat_us_catalog_reads_only_its_head(version):
    entries = [entry(f"id-{n}", description="x" * 200) for n in range(20_000)]
    body = data_json(*entries) if version == "v1.1" else json.dumps(entries).encode()
    stream = CountingReader(body)
    fmt, records = read_catalog(stream)
    assert fmt == "dcat-us"
    assert len(body) > 4_000_000
    assert stream.bytes_read <= 4096 + 64 * 1024  # the sniff, one ijson buffer
    assert sum(1 for _ in records) == 20_000


@pytest.mark.django_db
def test_ckan_keys_in_any_order_and_package_show_are_detected():
    search = {
        "result": {"results": [{"name": "a", "title": "A"}, {"name": "b"}]},
        "success": True,
    }
    assert import_catalog("ckan", json.dumps(search).encode()).created == 2
    show = {"success": True, "result": {"name": "c", "resources": [{"url": "u"}]}}
    assert import_catalog("show", json.dumps(show).encode()).created == 1
    assert Dataset.objects.get(identifier="c").distributions.count() == 1
    assert CatalogSource.objects.get(name="show").format == "ckan"


@pytest.mark.django_db
def test_a_syntax_error_after_the_records_rolls_the_import_back():
    import_catalog("city", data_json(entry("a")))
    broken = data_json(entry("a", title="Renamed"), entry("b"))[:-1] + b", 7"
    with pytest.raises(CatalogError, match="invalid JSON"):
        import_catalog("city", broken)
    with pytest.raises(CatalogError, match="invalid JSON"):
        import_catalog("new", data_json(entry("x")) + b" trailing")
    assert list(Dataset.objects.values_list("identifier", "title")) == [
        ("a", "Title a")
    ]
    assert not CatalogSource.objects.filter(name="new").exists()


@pytest.mark.django_db
def test_integers_beyond_64_bits_are_read_again_exactly():
    body = data_json(entry("a"), entry("b", title=10**30))
    with pytest.raises(jsonstream.NumberTooLarge):
        list(read_catalog(io.BytesIO(body))[1])
    summary = import_catalog("city", body)
    assert summary.created == 2
    assert Dataset.objects.get(identifier="b").title == str(10**30)
    assert CatalogSource.objects.get().last_counts["created"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le"])
def test_byte_order_marks_and_utf16_are_read_like_json_load(encoding):
    views = [{"id": "abcd-1234", "name": "Baumkataster é", "viewType": "tabular"}]
    summary = import_catalog("views", json.dumps(views).encode(encoding))
    assert summary.created == 1
    assert Dataset.objects.get().title == "Baumkataster é"


@pytest.mark.django_db
def test_a_reimport_in_several_batches_keeps_the_summary_and_withdraws(monkeypatch):
    monkeypatch.setattr("catalog.importer.BATCH", 3)
    import_catalog("city", data_json(*(entry(f"d{n}") for n in range(10))))
    changed = [entry(f"d{n}") for n in range(1, 10)]
    changed[4] = entry("d5", title="Changed")
    summary = import_catalog("city", data_json(*changed, entry("d1"), entry("new")))
    assert summary.counts() == {
        "created": 1,
        "updated": 1,
        "unchanged": 8,
        "withdrawn": 1,
        "skipped": 1,
    }
    assert list(Dataset.objects.filter(withdrawn=True).values_list("identifier")) == [
        ("d0",)
    ]


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="measured in subprocesses on their own SQLite database whatever the "
    "suite's database: the SQLite pass runs it",
)
def test_a_big_import_grows_memory_far_less_than_json_load(tmp_path: Path):
    """20,000 datasets (about 23 MiB): ``json.load`` alone grows the heap by
    over 100 MiB; the streaming import (parse, clean, hash, write in batches)
    by a small, size-independent amount. Each is measured in its own process
    by the catalog benchmark, on a fresh SQLite database."""
    spec = importlib.util.spec_from_file_location("catalog_bench", BENCH)
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    floor, ours = bench.measure(tmp_path, 20_000)
    assert floor["info"] == "datasets=20000"
    assert ours["info"].startswith(
        "created=20000 updated=0 unchanged=0 withdrawn=0 skipped=0"
    )
    assert floor["growth"] > 60 * 1024  # KiB: json.load holds the whole file
    assert ours["growth"] < floor["growth"] / 2
