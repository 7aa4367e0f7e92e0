"""Pagination and the whitelisted query-string filters of every API list."""

from __future__ import annotations

import datetime

import pytest

from tests.api.conftest import ids
from tests.support.builders import make_dataset, make_venture
from ventures.models import DatasetUse, FundingEvent, FundingStatus, ImpactSnapshot

pytestmark = pytest.mark.django_db

D = datetime.date


# --------------------------------------------------------------------------------------
# Pagination
# --------------------------------------------------------------------------------------


def test_pages_follow_each_other(db, api_for):
    for n in range(5):
        make_venture(name=f"V{n}", launched_on=D(2024, 1, 1 + n))
    client = api_for("anonymous")
    first = client.get("/api/v1/ventures/?page_size=2").json()
    assert first["count"] == 5
    assert [v["name"] for v in first["results"]] == ["V4", "V3"]
    assert first["previous"] is None
    second = client.get(first["next"]).json()
    assert [v["name"] for v in second["results"]] == ["V2", "V1"]
    last = client.get("/api/v1/ventures/?page_size=2&page=3").json()
    assert [v["name"] for v in last["results"]] == ["V0"]
    assert last["next"] is None


def test_a_page_past_the_end_answers_404(db, api_for):
    make_venture()
    assert api_for("anonymous").get("/api/v1/ventures/?page=9").status_code == 404


def test_the_page_size_is_capped(db, api_for, monkeypatch):
    from api.pagination import PageNumberPagination

    for _n in range(5):
        make_venture()
    # The cap (API_MAX_PAGE_SIZE) is read at import: lower it for this test.
    monkeypatch.setattr(PageNumberPagination, "max_page_size", 3)
    body = api_for("anonymous").get("/api/v1/ventures/?page_size=1000").json()
    assert len(body["results"]) == 3 and body["count"] == 5


def test_the_default_cap_is_two_hundred(db, api_for):
    from api.pagination import PageNumberPagination

    assert PageNumberPagination.max_page_size == 200
    assert PageNumberPagination.page_size == 50


# --------------------------------------------------------------------------------------
# Filters, one by one
# --------------------------------------------------------------------------------------


@pytest.fixture
def catalog(db):
    old = make_dataset(
        "Old parks",
        publisher="Parks",
        keywords=["green", "trees"],
        themes=["Environment"],
        modified=D(2020, 1, 1),
    )
    new = make_dataset(
        "Bus stops",
        publisher="Transit Authority",
        keywords=["transit"],
        modified=D(2024, 6, 1),
    )
    gone = make_dataset("Withdrawn thing", withdrawn=True, modified=D(2022, 1, 1))
    from catalog.models import CatalogSource, Dataset

    elsewhere = Dataset.objects.create(
        source=CatalogSource.objects.create(name="Other portal"),
        identifier="x",
        title="Elsewhere",
        content_hash="x",
    )
    return {"old": old, "new": new, "gone": gone, "elsewhere": elsewhere}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["new", "elsewhere", "old", "gone"]),
        ("q=bus", ["new"]),
        ("q=green", ["old"]),  # a keyword
        ("q=transit", ["new"]),  # the publisher and a keyword
        ("publisher=parks", ["old"]),
        ("publisher=Park", []),  # exact publisher only
        ("keyword=trees", ["old"]),
        ("keyword=tree", []),  # a whole keyword
        ("theme=Environment", ["old"]),
        ("withdrawn=true", ["gone"]),
        ("withdrawn=false", ["new", "elsewhere", "old"]),
        ("withdrawn=", ["new", "elsewhere", "old", "gone"]),  # blank: any
        ("modified_from=2022-01-01", ["new", "gone"]),
        ("modified_to=2022-01-01", ["old", "gone"]),
        ("modified_from=2021-01-01&modified_to=2023-01-01", ["gone"]),
    ],
)
def test_dataset_filters(catalog, api_for, query, expected):
    response = api_for("anonymous").get(f"/api/v1/datasets/?{query}")
    assert response.status_code == 200
    assert sorted(ids(response)) == sorted(catalog[k].pk for k in expected)


def test_dataset_source_filter(catalog, api_for):
    source = catalog["elsewhere"].source_id
    response = api_for("anonymous").get(f"/api/v1/datasets/?source={source}")
    assert ids(response) == [catalog["elsewhere"].pk]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/datasets/?source=abc", "source"),
        ("/api/v1/datasets/?modified_from=yesterday", "modified_from"),
        (
            "/api/v1/datasets/?modified_from=2024-02-01&modified_to=2024-01-01",
            "modified_to",
        ),
        ("/api/v1/datasets/?withdrawn=maybe", "withdrawn"),
        ("/api/v1/ventures/?status=bogus", "status"),
        ("/api/v1/dataset-uses/?extent=most", "extent"),
        ("/api/v1/funding-events/?kind=gift", "kind"),
        ("/api/v1/funding-events/?currency=EURO", "currency"),
        ("/api/v1/funding-events/?date_to=2024-13-01", "date_to"),
        ("/api/v1/impact-snapshots/?venture=-1", "venture"),
    ],
)
def test_a_bad_filter_value_answers_400_naming_it(db, api_for, path, field):
    response = api_for("anonymous").get(path)
    assert response.status_code == 400
    assert field in response.json()


def test_unknown_parameters_are_ignored(world, api_for):
    response = api_for("anonymous").get("/api/v1/ventures/?colour=red")
    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_a_detail_lookup_ignores_list_filters(world, api_for):
    path = f"/api/v1/ventures/{world.venture.pk}/?status=closed"
    assert api_for("anonymous").get(path).status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=harbour", ["venture"]),
        ("status=closed", ["other"]),
        ("sector=MOBILITY", ["venture"]),
        ("sector=water", []),
    ],
)
def test_venture_filters(world, api_for, query, expected):
    response = api_for("anonymous").get(f"/api/v1/ventures/?{query}")
    assert ids(response) == [getattr(world, k).pk for k in expected]


def test_dataset_use_filters(world, api_for):
    second = DatasetUse.objects.create(
        venture=world.other, dataset=world.unused, extent="supporting"
    )
    client = api_for("anonymous")
    assert ids(client.get(f"/api/v1/dataset-uses/?venture={world.other.pk}")) == [
        second.pk
    ]
    assert ids(client.get(f"/api/v1/dataset-uses/?dataset={world.trees.pk}")) == [
        world.use.pk
    ]
    assert ids(client.get("/api/v1/dataset-uses/?extent=core")) == [world.use.pk]
    assert ids(client.get("/api/v1/dataset-uses/?extent=supporting")) == [second.pk]


def test_funding_filters(world, api_for):
    usd = FundingEvent.objects.create(
        venture=world.other,
        kind="prize",
        amount=10,
        currency="USD",
        date=D(2025, 2, 1),
        status=FundingStatus.VERIFIED,
    )
    staff = api_for("staff")

    def found(query: str) -> set[int]:
        return set(ids(staff.get(f"/api/v1/funding-events/?{query}")))

    w = world
    assert found(f"venture={w.other.pk}") == {usd.pk}
    assert found("kind=seed") == {w.reported.pk}
    assert found("status=reported") == {w.reported.pk, w.note.pk}
    assert found("status=verified") == {w.verified.pk, usd.pk}
    assert found("currency=usd") == {usd.pk}
    assert found("date_from=2024-01-10") == {w.verified.pk, w.reported.pk, usd.pk}
    assert found("date_to=2024-01-10") == {w.verified.pk, w.note.pk}
    assert found("date_from=2024-02-01&date_to=2024-12-31") == {w.reported.pk}


def test_an_outsider_filtering_for_reported_funding_finds_none(world, api_for):
    response = api_for("outsider").get("/api/v1/funding-events/?status=reported")
    assert response.json()["count"] == 0


def test_impact_snapshot_filters(world, api_for):
    later = ImpactSnapshot.objects.create(
        venture=world.other, date=D(2025, 1, 1), customers=3
    )
    client = api_for("anonymous")
    first = ImpactSnapshot.objects.get(venture=world.venture)
    assert ids(client.get(f"/api/v1/impact-snapshots/?venture={world.other.pk}")) == [
        later.pk
    ]
    assert ids(client.get("/api/v1/impact-snapshots/?date_from=2024-06-01")) == [
        later.pk
    ]
    assert ids(client.get("/api/v1/impact-snapshots/?date_to=2024-06-01")) == [first.pk]
