"""seed_demo fills the ventures side too: a catalog, dataset uses, funding,
impact, a rate and data requests, once; a second run creates nothing."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse

from catalog.models import CatalogSource, Dataset, Distribution
from demo.ventures import CATALOG_FILE, SOURCE_NAME, seed_ventures_data
from hub.core.models import User
from ventures.models import (
    DataRequest,
    DatasetUse,
    ExchangeRate,
    FundingEvent,
    FundingKind,
    FundingStatus,
    ImpactSnapshot,
    Venture,
)

pytestmark = pytest.mark.django_db


def _seed() -> None:
    call_command("seed_demo", stdout=StringIO())


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def test_the_demo_catalog_goes_in_through_the_importer():
    _seed()
    source = CatalogSource.objects.get(name=SOURCE_NAME)
    assert source.format == "dcat-us"
    assert source.last_counts["created"] == 12
    datasets = Dataset.objects.filter(source=source, withdrawn=False)
    assert datasets.count() == 12
    assert "Department of Transportation" in set(
        datasets.values_list("publisher", flat=True)
    )
    assert all(d.licence.startswith("https://") for d in datasets)
    urls = Distribution.objects.filter(dataset__source=source)
    assert urls.count() == 24
    assert set(urls.values_list("format", flat=True)) == {"CSV", "JSON"}
    assert all(
        u.startswith("https://data.example-city.gov/")
        for u in urls.values_list("url", flat=True)
    )


def test_the_demo_ventures_have_data_uses_funding_and_impact():
    _seed()
    ventures = Venture.objects.all()
    assert ventures.count() >= 5
    for venture in ventures:
        assert venture.dataset_uses.filter(extent="core").exists(), venture
        assert venture.funding_events.exists(), venture
        assert venture.impact_snapshots.count() == 2, venture
    uses = DatasetUse.objects.all()
    assert all(u.how_html and 1 <= u.quality <= 5 for u in uses)
    events = FundingEvent.objects.all()
    assert len({e.kind for e in events}) >= 5
    assert {e.status for e in events} == set(FundingStatus.values)
    assert events.filter(currency="EUR").count() == 1
    staff = User.objects.get(email="staff@demo.clusterhub.test")
    assert all(e.verified_by == staff for e in events.verified())
    for event in events.filter(kind=FundingKind.GRANT):
        assert Decimal(25_000) <= event.amount <= Decimal(250_000)
    for event in events.filter(kind=FundingKind.SEED, currency="USD"):
        assert Decimal(500_000) <= event.amount <= Decimal(2_000_000)
    assert len(set(ImpactSnapshot.objects.values_list("date", flat=True))) == 2
    assert ExchangeRate.objects.filter(currency="EUR", base_currency="USD").exists()
    assert DataRequest.objects.count() == 2


def test_the_report_and_a_venture_page_show_figures():
    _seed()
    try:
        url = reverse("report-open-data-return")
    except NoReverseMatch:  # the report page is not wired up in this checkout
        url = None
    if url is not None:
        response = Client().get(url)
        assert response.status_code == 200
        rows = response.context["rows"]
        assert sum(row["full_verified"] for row in rows) > 0
        assert sum(row["full_jobs"] for row in rows) > 0

    venture = Venture.objects.get(name="Air quality at school gates")
    response = Client().get(venture.get_absolute_url())
    assert response.status_code == 200
    assert response.context["funding_totals"].base_verified > 0
    assert response.context["latest_snapshot"].full_time_jobs > 0
    assert b"Air quality measurements" in response.content

    dataset = Dataset.objects.get(title="Air quality measurements")
    response = Client().get(reverse("datasets-detail", args=[dataset.pk]))
    assert response.status_code == 200
    assert venture.name.encode() in response.content


def test_a_second_run_creates_nothing():
    _seed()
    before = _row_counts()
    _seed()
    assert _row_counts() == before
    assert set(seed_ventures_data().values()) == {0}


def test_the_catalog_file_ships_with_the_package():
    """A non-editable install carries the demo catalog (package data)."""
    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["demo"]
    package = root / "demo"
    shipped = {p for pattern in patterns for p in package.glob(pattern)}
    assert CATALOG_FILE in shipped
