"""CSV and JSON exports: the rows a person may see, streamed, filtered like
the lists, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.support.builders import make_venture
from ventures.models import DatasetUse

pytestmark = pytest.mark.django_db

EVIL_NAMES = ["=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "-2+3", "\tTab"]


def _csv(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def _json(response) -> list[dict]:
    return json.loads(b"".join(response.streaming_content))


@pytest.mark.parametrize(
    "name", ["ventures", "datasets", "dataset-uses", "funding-events"]
)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_every_export_downloads(world, api_for, name, fmt):
    response = api_for("anonymous").get(f"/api/v1/exports/{name}.{fmt}")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="clusterhub-{name}-'
    )
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    assert response["Content-Type"].startswith(
        "text/csv" if fmt == "csv" else "application/json"
    )
    rows = _csv(response) if fmt == "csv" else _json(response)
    assert rows


def test_an_unknown_format_is_404(api_for):
    assert api_for("anonymous").get("/api/v1/exports/ventures.xlsx").status_code == 404


def test_ventures_export_content(world, api_for):
    rows = _csv(api_for("anonymous").get("/api/v1/exports/ventures.csv"))
    assert [r["name"] for r in rows] == ["Harbour Bikes", "Quay Water"]
    first = rows[0]
    assert first["slug"] == "harbour-bikes"
    assert first["status"] == "operating"
    assert first["sectors"] == "mobility"
    assert first["url"] == "http://testserver/ventures/harbour-bikes/"
    as_json = _json(api_for("anonymous").get("/api/v1/exports/ventures.json"))
    assert as_json[0]["id"] == world.venture.pk
    assert as_json[0]["launched_on"] == world.venture.launched_on.isoformat()


def test_uses_and_datasets_export_content(world, api_for):
    uses = _json(api_for("anonymous").get("/api/v1/exports/dataset-uses.json"))
    assert uses == [
        {
            "id": world.use.pk,
            "venture_id": world.venture.pk,
            "venture": "Harbour Bikes",
            "dataset_id": world.trees.pk,
            "dataset": "Street trees",
            "extent": "core",
            "quality": 4,
            "how": "",
        }
    ]
    datasets = _csv(api_for("anonymous").get("/api/v1/exports/datasets.csv"))
    assert {d["title"]: d["keywords"] for d in datasets} == {
        "Bus stops": "transit",
        "Street trees": "trees",
    }


@pytest.mark.parametrize(
    ("persona", "sees_reported"),
    [("anonymous", False), ("outsider", False), ("editor", True), ("staff", True)],
)
def test_funding_export_follows_visibility(world, api_for, persona, sees_reported):
    for fmt in ("csv", "json"):
        response = api_for(persona).get(f"/api/v1/exports/funding-events.{fmt}")
        rows = _csv(response) if fmt == "csv" else _json(response)
        found = {int(r["id"]) for r in rows}
        hidden = {world.reported.pk, world.note.pk}
        assert world.verified.pk in found
        assert (hidden <= found) is sees_reported
        assert (hidden & found == set()) is not sees_reported


def test_exports_take_the_list_filters(world, api_for):
    client = api_for("anonymous")
    rows = _csv(client.get("/api/v1/exports/ventures.csv?status=closed"))
    assert [r["name"] for r in rows] == ["Quay Water"]
    response = client.get("/api/v1/exports/funding-events.json?kind=gift")
    assert response.status_code == 400
    assert "kind" in response.json()


def test_csv_cells_cannot_become_formulas(world, api_for):
    for name in EVIL_NAMES:
        venture = make_venture(name=name, website="")
        DatasetUse.objects.create(venture=venture, dataset=world.unused, how=name)
    ventures = _csv(api_for("anonymous").get("/api/v1/exports/ventures.csv"))
    names = {r["name"] for r in ventures}
    assert "'=cmd|' /C calc'!A0" in names
    assert "'@SUM(1+1)" in names
    assert {"'+1+1", "'-2+3", "'\tTab"} <= names
    for row in ventures:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    uses = _csv(api_for("anonymous").get("/api/v1/exports/dataset-uses.csv"))
    assert {"'=cmd|' /C calc'!A0", "'@SUM(1+1)"} <= {u["how"] for u in uses}
    assert {"'=cmd|' /C calc'!A0", "'@SUM(1+1)"} <= {u["venture"] for u in uses}
    # JSON is data, not a spreadsheet: the names stay as they are.
    as_json = _json(api_for("anonymous").get("/api/v1/exports/ventures.json"))
    assert "=cmd|' /C calc'!A0" in {v["name"] for v in as_json}


def test_the_list_pages_link_the_exports(world, client):
    ventures = client.get("/ventures/").content.decode()
    assert 'href="/api/v1/exports/ventures.csv"' in ventures
    assert 'href="/api/v1/exports/ventures.json"' in ventures
    datasets = client.get("/datasets/").content.decode()
    assert 'href="/api/v1/exports/datasets.csv"' in datasets
    assert 'href="/api/v1/exports/datasets.json"' in datasets
