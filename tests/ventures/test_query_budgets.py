"""Query budgets of the public venture and dataset pages (issue 4's performance
clause): the dataset page, the venture page, the venture directory and the
dataset list run the same number of queries with a little data and with ten
times as much. The open-data return report's budgets are in
test_report_pages.py.

Each world holds ``size`` ventures; every venture has team members, sector
tags, uses of ``size`` datasets (one withdrawn), funding events (verified,
reported, a note without an amount, two currencies) and impact snapshots, so
a query per row of any kind shows up as a difference between the two sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import CatalogSource, Dataset, Distribution
from hub.core.models import User
from tests.support.builders import make_venture
from ventures.models import (
    DatasetUse,
    FundingEvent,
    FundingKind,
    FundingStatus,
    ImpactSnapshot,
    Venture,
    VentureMember,
    VentureRole,
)

pytestmark = pytest.mark.django_db

SIZES = [2, 20]


@dataclass
class World:
    dataset: Dataset  # used by every venture, with ``size`` distributions
    venture: Venture  # the owner's, using every dataset


def build(size: int, owner: User, others: list[User]) -> World:
    sources = [CatalogSource.objects.create(name=f"Portal {n}") for n in range(2)]
    datasets = [
        Dataset.objects.create(
            source=sources[n % 2],
            identifier=f"d{n}",
            title=f"Budget set {n:02}",
            publisher=f"Publisher {n % 3}",
            keywords=["budget"],
            themes=["Economy"],
            withdrawn=n == size - 1,
            content_hash="x",
        )
        for n in range(size)
    ]
    Distribution.objects.bulk_create(
        Distribution(dataset=datasets[0], format="CSV", url=f"https://x.example/{n}")
        for n in range(size)
    )
    ventures = []
    for n in range(size):
        venture = make_venture(
            name=f"Budget venture {n:02}", founder=owner if n == 0 else None
        )
        venture.sectors.set(["mobility", f"sector {n}"])
        for member in others[: 1 + n % 3]:
            VentureMember.objects.create(
                venture=venture, user=member, role=VentureRole.MEMBER
            )
        chosen = datasets if n == 0 else [datasets[0], datasets[n]]
        DatasetUse.objects.bulk_create(
            DatasetUse(venture=venture, dataset=d, how="Maps *it*", quality=3)
            for d in chosen
        )
        for k in range(size):
            FundingEvent.objects.create(
                venture=venture,
                kind=FundingKind.GRANT,
                amount=None if k == 0 else Decimal(100 * k),
                currency="USD" if k % 2 else "EUR",
                date=date(2026, 1, 1) + timedelta(days=k),
                status=FundingStatus.VERIFIED if k % 3 else FundingStatus.REPORTED,
                recorded_by=owner,
            )
            ImpactSnapshot.objects.create(
                venture=venture,
                date=date(2025, 1, 1) + timedelta(days=k),
                full_time_jobs=k,
                recorded_by=owner,
            )
        ventures.append(venture)
    return World(dataset=datasets[0], venture=ventures[0])


@pytest.fixture
def world(people, make_user):
    def make(size: int) -> World:
        others = [make_user(name=f"Member {n}") for n in range(3)]
        return build(size, people["owner"], others)

    return make


@pytest.mark.parametrize("size", SIZES)
def test_dataset_page(world, client, django_assert_num_queries, size):
    w = world(size)
    # The dataset with its source; its distributions; its uses with ventures.
    with django_assert_num_queries(3):
        response = client.get(reverse("datasets-detail", args=[w.dataset.pk]))
    assert len(response.context["uses"]) == size
    assert len(response.context["distributions"]) == size


@pytest.mark.parametrize("size", SIZES)
def test_venture_page_for_anyone(world, client, django_assert_num_queries, size):
    w = world(size)
    # The venture; members with users; dataset uses with datasets; sector tags;
    # funding events with who recorded and verified them; their totals; the
    # latest impact snapshots.
    with django_assert_num_queries(7):
        response = client.get(w.venture.get_absolute_url())
    assert len(response.context["uses"]) == size
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_venture_page_for_its_founder(
    world, client_for, django_assert_num_queries, size
):
    w = world(size)
    client = client_for("owner")
    # The venture; members with users; dataset uses with datasets; session and
    # user; the team lookup behind the permission checks; sector tags; funding
    # events; the latest impact snapshots; the funding totals; the bell's
    # unread count; the datasets offered in the "record a dataset" form.
    # (No originating idea here, so no query for it.)
    with django_assert_num_queries(12):
        response = client.get(w.venture.get_absolute_url())
    assert response.context["can_record"]


@pytest.mark.parametrize("size", SIZES)
def test_venture_directory(world, client, django_assert_num_queries, size):
    world(size)
    # The count; one page of ventures; their sector tags.
    with django_assert_num_queries(3):
        response = client.get(reverse("ventures-list"))
    assert len(response.context["page"].object_list) == size
    with django_assert_num_queries(3):
        response = client.get(reverse("ventures-list") + "?sector=mobility&q=budget")
    assert len(response.context["page"].object_list) == size


@pytest.mark.parametrize("size", SIZES)
def test_dataset_list(world, client, django_assert_num_queries, size):
    world(size)
    # The catalogs for the filter form; the count; one page of datasets with
    # their source.
    with django_assert_num_queries(3):
        response = client.get(reverse("datasets-list") + "?withdrawn=on")
    assert len(response.context["page"].object_list) == size
    with django_assert_num_queries(3):
        response = client.get(reverse("datasets-list") + "?q=budget&theme=Economy")
    assert len(response.context["page"].object_list) == size - 1
