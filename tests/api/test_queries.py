"""Every API list and export costs the same number of queries at any size."""

from __future__ import annotations

import datetime

import pytest

from tests.support.builders import make_dataset, make_venture
from ventures.models import DatasetUse, FundingEvent, ImpactSnapshot

pytestmark = pytest.mark.django_db


def _grow(n: int) -> None:
    """``n`` more ventures, each with a sector, a dataset with a distribution,
    a use of it, a verified and a reported funding event and a snapshot."""
    for _i in range(n):
        venture = make_venture()
        venture.sectors.set(["mobility", "water"])
        dataset = make_dataset(keywords=["k"])
        dataset.distributions.create(url="https://x.org/d.csv")
        DatasetUse.objects.create(venture=venture, dataset=dataset)
        for status in ("verified", "reported"):
            FundingEvent.objects.create(
                venture=venture,
                kind="grant",
                amount=1,
                currency="EUR",
                date=datetime.date(2024, 1, 1),
                status=status,
            )
        ImpactSnapshot.objects.create(
            venture=venture, date=datetime.date(2024, 1, 1), customers=1
        )


# path -> queries for an anonymous reader, named.
LISTS = {
    # count, the page with each dataset's source, the page's distributions
    "/api/v1/datasets/": 3,
    # count, the page with each source's dataset count
    "/api/v1/catalog-sources/": 2,
    # count, the page, the page's sector tags
    "/api/v1/ventures/": 3,
    # count, the page with each use's venture and dataset
    "/api/v1/dataset-uses/": 2,
    # count, the page with each event's venture (visibility is in the WHERE)
    "/api/v1/funding-events/": 2,
    # count, the page with each snapshot's venture
    "/api/v1/impact-snapshots/": 2,
}


@pytest.mark.parametrize(("path", "queries"), LISTS.items())
def test_lists_cost_constant_queries(api_for, django_assert_num_queries, path, queries):
    client = api_for("anonymous")
    for more in (2, 10):  # 2 rows, then 12
        _grow(more)
        with django_assert_num_queries(queries):
            response = client.get(path)
        assert response.json()["count"] >= 1


def test_a_team_member_reading_funding_costs_one_more_query(
    people, api_for, django_assert_num_queries
):
    client = api_for("editor")
    for more in (2, 10):
        _grow(more)
        # the token with its user, count, the page (membership is an EXISTS)
        with django_assert_num_queries(3):
            client.get("/api/v1/funding-events/")


EXPORTS = {
    # the ventures, their sector tags (one prefetch per chunk)
    "/api/v1/exports/ventures.csv": 2,
    # the datasets with their source
    "/api/v1/exports/datasets.json": 1,
    # the uses with venture and dataset
    "/api/v1/exports/dataset-uses.csv": 1,
    # the visible funding events with their venture
    "/api/v1/exports/funding-events.json": 1,
}


@pytest.mark.parametrize(("path", "queries"), EXPORTS.items())
def test_exports_cost_constant_queries(
    api_for, django_assert_num_queries, path, queries
):
    client = api_for("anonymous")
    for more in (2, 10):
        _grow(more)
        with django_assert_num_queries(queries):
            response = client.get(path)
            body = b"".join(response.streaming_content)
        assert len(body) > 100
