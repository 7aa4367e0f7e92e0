"""A small published world for the API tests, and API clients per persona.

The venture "Harbour Bikes" has the owner (founder) and the editor (member) on
its team; the other personas are outsiders to it. Its funding: one verified
grant (public), one reported seed round and one note without an amount (both
for the team and staff only).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.support.builders import make_dataset, make_venture
from ventures.models import (
    DatasetUse,
    FundingEvent,
    FundingKind,
    FundingStatus,
    ImpactSnapshot,
    UseExtent,
    Venture,
    VentureMember,
    VentureRole,
)

D = datetime.date
TEAM = ("owner", "editor")


@dataclass
class World:
    venture: Venture
    other: Venture  # nobody's venture
    verified: FundingEvent
    reported: FundingEvent
    note: FundingEvent
    use: DatasetUse
    trees: object  # the dataset the venture uses
    unused: object  # a dataset nobody uses yet


@pytest.fixture
def world(people) -> World:
    venture = make_venture(
        founder=people["owner"], name="Harbour Bikes", slug="harbour-bikes"
    )
    VentureMember.objects.create(
        venture=venture, user=people["editor"], role=VentureRole.MEMBER
    )
    venture.sectors.set(["mobility"])
    other = make_venture(name="Quay Water", slug="quay-water", status="closed")
    trees = make_dataset("Street trees", publisher="Parks", keywords=["trees"])
    unused = make_dataset("Bus stops", publisher="Transit", keywords=["transit"])
    use = DatasetUse.objects.create(
        venture=venture, dataset=trees, extent=UseExtent.CORE, quality=4
    )
    common = {"venture": venture, "currency": "EUR", "investors": "City fund"}
    verified = FundingEvent.objects.create(
        kind=FundingKind.GRANT,
        amount=Decimal("5000.00"),
        date=D(2024, 1, 10),
        status=FundingStatus.VERIFIED,
        **common,
    )
    reported = FundingEvent.objects.create(
        kind=FundingKind.SEED,
        amount=Decimal("250000.00"),
        date=D(2024, 6, 1),
        **common,
    )
    note = FundingEvent.objects.create(
        kind=FundingKind.LOAN,
        amount=None,
        date=D(2023, 5, 1),
        note="Bank talks",
        **common,
    )
    ImpactSnapshot.objects.create(venture=venture, date=D(2024, 1, 1), full_time_jobs=4)
    return World(venture, other, verified, reported, note, use, trees, unused)


@pytest.fixture
def api_for(people) -> Callable[[str], APIClient]:
    """An API client authenticated by the persona's token (none if anonymous)."""

    def make(persona: str) -> APIClient:
        client = APIClient()
        user = people[persona]
        if user is not None:
            token, _created = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]
