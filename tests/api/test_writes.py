"""Writing through the API: token (or session + CSRF) authentication, the
roles allowed per endpoint, and bad input refused with nothing saved.

Every write goes through the service functions, so each accepted one leaves
its audit row; refused ones leave none.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from hub.core.models import AuditEvent
from tests.api.conftest import World
from tests.support.builders import make_dataset
from tests.support.personas import PERSONAS
from ventures.models import (
    DatasetUse,
    FundingEvent,
    FundingStatus,
    ImpactSnapshot,
    Venture,
)

pytestmark = pytest.mark.django_db

STAFF = frozenset({"staff"})
TEAM_AND_STAFF = frozenset({"owner", "editor", "staff"})


@dataclass(frozen=True)
class Write:
    method: str
    path: Callable[[World], str]
    payload: Callable[[World], dict[str, Any]]
    allowed: frozenset[str]  # personas whose write lands
    success: int
    landed: Callable[[World], bool]
    audit: str
    #: What the refused personas get; 404 where they may not even see it.
    refused: int = 403


NEW_FUNDING = {
    "kind": "pre_seed",
    "amount": "12000.50",
    "currency": "eur",
    "date": "2024-09-01",
    "investors": "Angels",
}

WRITES = {
    "venture create": Write(
        "post",
        lambda w: "/api/v1/ventures/",
        lambda w: {"name": "API Venture", "sectors": ["energy"], "status": "operating"},
        STAFF,
        201,
        lambda w: Venture.objects.filter(name="API Venture").exists(),
        "ventures.create",
    ),
    "venture update": Write(
        "patch",
        lambda w: f"/api/v1/ventures/{w.venture.pk}/",
        lambda w: {"name": "Harbour Bikes Ltd", "sectors": ["mobility", "retail"]},
        STAFF,
        200,
        lambda w: Venture.objects.filter(name="Harbour Bikes Ltd").exists(),
        "ventures.update",
    ),
    "use create": Write(
        "post",
        lambda w: "/api/v1/dataset-uses/",
        lambda w: {
            "venture": w.venture.pk,
            "dataset": w.unused.pk,
            "extent": "core",
            "how": "Routes *buses*",
        },
        TEAM_AND_STAFF,
        201,
        lambda w: DatasetUse.objects.filter(dataset=w.unused).exists(),
        "ventures.use_add",
    ),
    "use update": Write(
        "patch",
        lambda w: f"/api/v1/dataset-uses/{w.use.pk}/",
        lambda w: {"quality": 2},
        TEAM_AND_STAFF,
        200,
        lambda w: DatasetUse.objects.get(pk=w.use.pk).quality == 2,
        "ventures.use_update",
    ),
    "use delete": Write(
        "delete",
        lambda w: f"/api/v1/dataset-uses/{w.use.pk}/",
        lambda w: {},
        TEAM_AND_STAFF,
        204,
        lambda w: not DatasetUse.objects.filter(pk=w.use.pk).exists(),
        "ventures.use_remove",
    ),
    "funding create": Write(
        "post",
        lambda w: "/api/v1/funding-events/",
        lambda w: {"venture": w.venture.pk, **NEW_FUNDING},
        TEAM_AND_STAFF,
        201,
        lambda w: FundingEvent.objects.filter(
            investors="Angels", currency="EUR", status="reported"
        ).exists(),
        "ventures.funding_add",
    ),
    "reported funding update": Write(
        "patch",
        lambda w: f"/api/v1/funding-events/{w.reported.pk}/",
        lambda w: {"investors": "Seed fund"},
        TEAM_AND_STAFF,
        200,
        lambda w: FundingEvent.objects.get(pk=w.reported.pk).investors == "Seed fund",
        "ventures.funding_update",
        refused=404,  # outsiders do not see reported funding at all
    ),
    "reported funding delete": Write(
        "delete",
        lambda w: f"/api/v1/funding-events/{w.reported.pk}/",
        lambda w: {},
        TEAM_AND_STAFF,
        204,
        lambda w: not FundingEvent.objects.filter(pk=w.reported.pk).exists(),
        "ventures.funding_delete",
        refused=404,
    ),
    "verified funding update": Write(
        "patch",
        lambda w: f"/api/v1/funding-events/{w.verified.pk}/",
        lambda w: {"amount": "5100.00"},
        STAFF,  # once verified, staff's alone
        200,
        lambda w: str(FundingEvent.objects.get(pk=w.verified.pk).amount) == "5100.00",
        "ventures.funding_update",
    ),
    "snapshot create": Write(
        "post",
        lambda w: "/api/v1/impact-snapshots/",
        lambda w: {
            "venture": w.venture.pk,
            "date": "2024-10-01",
            "full_time_jobs": 7,
            "revenue_band": "lt_100k",
        },
        TEAM_AND_STAFF,
        201,
        lambda w: ImpactSnapshot.objects.filter(full_time_jobs=7).exists(),
        "ventures.impact_add",
    ),
}


def expected_status(write: Write, persona: str) -> int:
    if persona in write.allowed:
        return write.success
    if persona == "anonymous":
        return 401
    if write.refused == 404 and persona in {"owner", "editor"}:
        return 403  # the team sees it, but may not do this
    return write.refused


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", WRITES)
def test_write_matrix(world, api_for, name, persona):
    write = WRITES[name]
    client = api_for(persona)
    response = getattr(client, write.method)(
        write.path(world), write.payload(world), format="json"
    )
    assert response.status_code == expected_status(write, persona), response.content
    lands = persona in write.allowed
    assert write.landed(world) is lands
    assert AuditEvent.objects.filter(action=write.audit).exists() is lands
    if persona == "anonymous":
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_staff_verify_funding(world, api_for, persona):
    response = api_for(persona).post(
        f"/api/v1/funding-events/{world.reported.pk}/verify/"
    )
    expected = {"anonymous": 401, "owner": 403, "editor": 403, "staff": 200}
    assert response.status_code == expected.get(persona, 404)
    world.reported.refresh_from_db()
    assert (world.reported.status == FundingStatus.VERIFIED) is (persona == "staff")
    if persona == "staff":
        assert response.json()["status"] == "verified"
        assert response.json()["verified_at"]
        # Now public: an outsider finds it.
        path = f"/api/v1/funding-events/{world.reported.pk}/"
        assert api_for("outsider").get(path).status_code == 200


def test_a_member_writes_only_for_their_own_venture(world, api_for):
    client = api_for("editor")
    for path, payload in [
        ("/api/v1/funding-events/", {"venture": world.other.pk, **NEW_FUNDING}),
        (
            "/api/v1/dataset-uses/",
            {"venture": world.other.pk, "dataset": world.unused.pk},
        ),
        (
            "/api/v1/impact-snapshots/",
            {"venture": world.other.pk, "date": "2024-01-01", "customers": 5},
        ),
    ]:
        assert client.post(path, payload, format="json").status_code == 403
    assert not FundingEvent.objects.filter(venture=world.other).exists()
    assert not DatasetUse.objects.filter(venture=world.other).exists()
    assert not ImpactSnapshot.objects.filter(venture=world.other).exists()


def test_created_objects_come_back_in_full(world, api_for):
    client = api_for("staff")
    venture = client.post(
        "/api/v1/ventures/",
        {"name": "  Tidal Labs ", "description": "We *measure* tides."},
        format="json",
    ).json()
    assert venture["name"] == "Tidal Labs"
    assert venture["slug"] == "tidal-labs"
    assert venture["description_html"] == "<p>We <em>measure</em> tides.</p>"
    use = client.post(
        "/api/v1/dataset-uses/",
        {"venture": venture["id"], "dataset": world.unused.pk, "how": "**Bold**"},
        format="json",
    ).json()
    assert use["how_html"] == "<p><strong>Bold</strong></p>"
    assert use["extent"] == "supporting"
    event = client.post(
        "/api/v1/funding-events/",
        {"venture": venture["id"], **NEW_FUNDING},
        format="json",
    ).json()
    assert event["currency"] == "EUR" and event["status"] == "reported"
    assert event["amount"] == "12000.50"


def test_put_replaces_a_venture(world, api_for):
    response = api_for("staff").put(
        f"/api/v1/ventures/{world.venture.pk}/",
        {"name": "Harbour", "status": "acquired", "sectors": []},
        format="json",
    )
    assert response.status_code == 200
    world.venture.refresh_from_db()
    assert (world.venture.name, world.venture.status) == ("Harbour", "acquired")
    assert list(world.venture.sectors.names()) == []


# --------------------------------------------------------------------------------------
# Bad input: 400 with field messages, nothing saved, no audit row
# --------------------------------------------------------------------------------------

FUTURE = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()

BAD = [
    ("post", "/api/v1/ventures/", {"name": "   "}, "name"),
    ("post", "/api/v1/ventures/", {"name": "X", "website": "javascript:alert(1)"}, "website"),
    ("post", "/api/v1/ventures/", {"name": "X", "status": "bogus"}, "status"),
    ("post", "/api/v1/ventures/", {"name": "X", "sectors": ["x" * 101]}, "sectors"),
    ("patch", "/api/v1/ventures/{venture}/", {"founded_on": "last year"}, "founded_on"),
    ("post", "/api/v1/dataset-uses/", {"venture": "{venture}", "dataset": "{unused}", "quality": 9}, "quality"),
    ("post", "/api/v1/dataset-uses/", {"venture": "{venture}", "dataset": 999999}, "dataset"),
    ("post", "/api/v1/dataset-uses/", {"venture": "{venture}", "dataset": "{trees}"}, "non_field_errors"),
    ("post", "/api/v1/dataset-uses/", {"venture": "{venture}", "dataset": "{withdrawn}"}, "non_field_errors"),
    ("patch", "/api/v1/dataset-uses/{use}/", {"extent": "all"}, "extent"),
    ("post", "/api/v1/funding-events/", {"venture": "{venture}", **NEW_FUNDING, "currency": "XXZ"}, "currency"),
    ("post", "/api/v1/funding-events/", {"venture": "{venture}", **NEW_FUNDING, "amount": "-5"}, "amount"),
    ("post", "/api/v1/funding-events/", {"venture": "{venture}", **NEW_FUNDING, "date": FUTURE}, "date"),
    ("post", "/api/v1/funding-events/", {"venture": "{venture}", **NEW_FUNDING, "evidence_url": "ftp://x.org/a"}, "evidence_url"),
    ("post", "/api/v1/funding-events/", {"venture": "{venture}", "currency": "EUR"}, "kind"),
    ("patch", "/api/v1/funding-events/{reported}/", {"currency": "ZZZ"}, "currency"),
    ("post", "/api/v1/funding-events/{note}/verify/", {}, "amount"),
    ("post", "/api/v1/impact-snapshots/", {"venture": "{venture}", "date": "2024-01-01"}, "non_field_errors"),
    ("post", "/api/v1/impact-snapshots/", {"venture": "{venture}", "date": FUTURE, "customers": 1}, "date"),
    ("post", "/api/v1/impact-snapshots/", {"venture": "{venture}", "date": "2024-01-01", "customers": -1}, "customers"),
]  # fmt: skip


def _snapshot() -> tuple:
    return (
        list(Venture.objects.values()),
        list(DatasetUse.objects.values()),
        list(FundingEvent.objects.values()),
        list(ImpactSnapshot.objects.values()),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(("method", "path", "payload", "field"), BAD)
def test_bad_input_answers_400_and_saves_nothing(
    world, api_for, method, path, payload, field
):
    refs = {
        "venture": world.venture.pk,
        "unused": world.unused.pk,
        "trees": world.trees.pk,
        "use": world.use.pk,
        "reported": world.reported.pk,
        "note": world.note.pk,
        "withdrawn": make_dataset("Gone", withdrawn=True).pk,
    }
    data = {
        k: (int(v.format(**refs)) if isinstance(v, str) and v.startswith("{") else v)
        for k, v in payload.items()
    }
    before = _snapshot()
    response = getattr(api_for("staff"), method)(
        path.format(**refs), data, format="json"
    )
    assert response.status_code == 400, response.content
    messages = response.json()[field]
    assert messages and all(isinstance(m, str) and m for m in messages)
    assert _snapshot() == before


def test_malformed_json_answers_400(world, api_for):
    response = api_for("staff").post(
        "/api/v1/ventures/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_form_encoded_bodies_are_not_accepted(world, api_for):
    response = api_for("staff").post("/api/v1/ventures/", {"name": "Form"})
    assert response.status_code == 415
    assert not Venture.objects.filter(name="Form").exists()


def test_catalog_endpoints_are_read_only(world, api_for):
    client = api_for("staff")
    assert client.post("/api/v1/datasets/", {}, format="json").status_code == 405
    path = f"/api/v1/datasets/{world.trees.pk}/"
    assert client.patch(path, {"title": "X"}, format="json").status_code == 405
    assert client.delete(path).status_code == 405
    assert client.post("/api/v1/catalog-sources/", {}, format="json").status_code == 405


def test_ventures_and_snapshots_cannot_be_deleted(world, api_for):
    client = api_for("staff")
    snapshot = ImpactSnapshot.objects.first()
    assert client.delete(f"/api/v1/ventures/{world.venture.pk}/").status_code == 405
    path = f"/api/v1/impact-snapshots/{snapshot.pk}/"
    assert client.delete(path).status_code == 405


def test_session_writes_need_the_csrf_token(world, people):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(people["staff"])
    response = client.post("/api/v1/ventures/", {"name": "Via session"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Venture.objects.filter(name="Via session").exists()
    client.get("/api/docs/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/ventures/",
        {"name": "Via session"},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201


def test_a_json_array_body_answers_400(world, api_for):
    response = api_for("editor").post(
        "/api/v1/funding-events/", [{"venture": world.venture.pk}], format="json"
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_an_outsider_hears_403_even_for_bad_input(world, api_for):
    response = api_for("outsider").post(
        "/api/v1/funding-events/",
        {"venture": world.venture.pk, "currency": "nope"},
        format="json",
    )
    assert response.status_code == 403


def test_status_and_venture_cannot_be_written_directly(world, api_for):
    response = api_for("editor").patch(
        f"/api/v1/funding-events/{world.reported.pk}/",
        {"status": "verified", "venture": world.other.pk, "note": "Term sheet"},
        format="json",
    )
    assert response.status_code == 200
    world.reported.refresh_from_db()
    assert world.reported.status == FundingStatus.REPORTED
    assert world.reported.venture_id == world.venture.pk
    assert world.reported.note == "Term sheet"
