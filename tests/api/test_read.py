"""Reading the API: public data for everyone, reported funding for the team
and staff only, and 404 for what a person may not see."""

from __future__ import annotations

import pytest

from tests.api.conftest import TEAM, ids
from tests.support.personas import PERSONAS

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/datasets/",
    "/api/v1/catalog-sources/",
    "/api/v1/ventures/",
    "/api/v1/dataset-uses/",
    "/api/v1/funding-events/",
    "/api/v1/impact-snapshots/",
]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_is_public_and_paginated(world, api_for, path):
    response = api_for("anonymous").get(path)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == len(body["results"]) > 0


def test_the_api_root_lists_the_endpoints(api_for):
    body = api_for("anonymous").get("/api/v1/").json()
    assert set(body) == {
        "datasets",
        "catalog-sources",
        "ventures",
        "dataset-uses",
        "funding-events",
        "impact-snapshots",
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_reported_funding_and_notes_only_for_the_team_and_staff(
    world, api_for, persona
):
    response = api_for(persona).get("/api/v1/funding-events/")
    assert response.status_code == 200
    sees_all = persona in TEAM or persona == "staff"
    expected = (
        {world.verified.pk, world.reported.pk, world.note.pk}
        if sees_all
        else {world.verified.pk}
    )
    assert set(ids(response)) == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_hidden_funding_event_answers_404(world, api_for, persona):
    client = api_for(persona)
    sees_all = persona in TEAM or persona == "staff"
    for event in (world.reported, world.note):
        response = client.get(f"/api/v1/funding-events/{event.pk}/")
        assert response.status_code == (200 if sees_all else 404)
    assert client.get(f"/api/v1/funding-events/{world.verified.pk}/").status_code == 200


def test_a_verified_event_shows_its_fields(world, api_for):
    body = api_for("anonymous").get(f"/api/v1/funding-events/{world.verified.pk}/")
    assert body.json() == {
        "id": world.verified.pk,
        "venture": world.venture.pk,
        "venture_name": "Harbour Bikes",
        "kind": "grant",
        "amount": "5000.00",
        "currency": "EUR",
        "date": "2024-01-10",
        "investors": "City fund",
        "evidence_url": "",
        "note": "",
        "status": "verified",
        "verified_at": None,
        "created_at": body.json()["created_at"],
    }


def test_an_inactive_members_token_is_refused(world, api_for, people):
    client = api_for("editor")
    people["editor"].is_active = False
    people["editor"].save(update_fields=["is_active"])
    assert client.get("/api/v1/funding-events/").status_code == 401


def test_a_bad_token_is_refused_not_treated_as_anonymous(world):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert client.get("/api/v1/ventures/").status_code == 401


def test_a_venture_in_full(world, api_for):
    body = api_for("anonymous").get(f"/api/v1/ventures/{world.venture.pk}/").json()
    assert body["name"] == "Harbour Bikes"
    assert body["slug"] == "harbour-bikes"
    assert body["sectors"] == ["mobility"]
    assert body["html_url"] == "http://testserver/ventures/harbour-bikes/"
    assert "members" not in body and "team" not in body  # no people's data


def test_a_dataset_in_full(world, api_for):
    world.trees.distributions.create(format="CSV", url="https://x.org/t.csv")
    body = api_for("anonymous").get(f"/api/v1/datasets/{world.trees.pk}/").json()
    assert body["title"] == "Street trees"
    assert body["source_name"] == "Test catalog"
    assert body["keywords"] == ["trees"]
    assert body["distributions"] == [
        {"title": "", "format": "CSV", "url": "https://x.org/t.csv", "media_type": ""}
    ]
    assert body["html_url"] == f"http://testserver/datasets/{world.trees.pk}/"


def test_a_dataset_use_names_both_sides(world, api_for):
    body = api_for("anonymous").get(f"/api/v1/dataset-uses/{world.use.pk}/").json()
    assert body["venture"] == world.venture.pk
    assert body["venture_name"] == "Harbour Bikes"
    assert body["dataset_title"] == "Street trees"
    assert body["extent"] == "core" and body["quality"] == 4


@pytest.mark.parametrize(
    ("persona", "staff_fields"),
    [("anonymous", False), ("outsider", False), ("staff", True)],
)
def test_catalog_source_location_is_for_staff(world, api_for, persona, staff_fields):
    row = api_for(persona).get("/api/v1/catalog-sources/").json()["results"][0]
    assert row["name"] == "Test catalog"
    assert row["dataset_count"] == 2
    assert ("location" in row) is staff_fields
    assert ("last_counts" in row) is staff_fields


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/ventures/999999/",
        "/api/v1/datasets/999999/",
        "/api/v1/dataset-uses/999999/",
        "/api/v1/funding-events/999999/",
        "/api/v1/impact-snapshots/999999/",
        "/api/v1/catalog-sources/999999/",
        "/api/v1/ventures/not-a-number/",
    ],
)
def test_missing_objects_answer_404(world, api_for, path):
    assert api_for("staff").get(path).status_code == 404
