"""Demo data for ventures (called by ``seed_demo`` once the ventures exist; a
second run creates nothing).

A fictional city's open-data catalog (``data/demo_catalog.json``, a
DCAT-US 1.1 ``data.json`` of twelve datasets) goes in through the catalog
importer, as "Demo city open data portal". Each demo venture (the ones
seed_demo launched from ideas, plus staff-entered ones while there are fewer
than five) then gets the datasets it builds on, its funding (grants, rounds,
a contract, a loan, a prize; one in euros; some verified by Dana, the rest
only reported) and two impact snapshots, a year apart. Staff enter one
EUR→USD rate, and two teams ask the city for data it does not publish yet.

Everything goes through the same services the pages use (``ventures.services``
and ``ventures.funding.services``), so the audit log reads as if people had done it.
Random amounts come from a generator seeded per venture, so every run (and
every machine) gets the same figures.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.importer import import_catalog
from catalog.models import CatalogSource, Dataset
from hub.core.models import User
from ventures import services
from ventures.funding import services as funding
from ventures.models import (
    DataRequest,
    ExchangeRate,
    FundingKind,
    RequestStatus,
    RevenueBand,
    UseExtent,
    Venture,
    VentureRole,
)

SOURCE_NAME = "Demo city open data portal"
CATALOG_FILE = Path(__file__).resolve().parent / "data" / "demo_catalog.json"
DATASET_URL = "https://data.example-city.gov/dataset/"
STAFF = "staff@demo.clusterhub.test"
DEMO_DOMAIN = "@demo.clusterhub.test"
SEED = "clusterhub-demo-ventures"
MIN_VENTURES = 5

#: Ventures that reached the city another way; added while the demo has fewer
#: than ``MIN_VENTURES`` launched from ideas.
STAFF_VENTURES: list[dict[str, Any]] = [
    {
        "name": "PermitPath Analytics",
        "description": (
            "Predicts how long a building permit will take, from the city's own "
            "permit history, so contractors can plan crews and lenders can plan "
            "draws."
        ),
        "website": "https://permitpath.example.com",
        "founded_years_ago": 3,
        "sectors": ["construction", "open data"],
    },
    {
        "name": "Canopy Count",
        "description": (
            "Tree-by-tree canopy and heat reports for neighbourhood associations "
            "and property managers, built on the street tree inventory."
        ),
        "website": "https://canopycount.example.com",
        "founded_years_ago": 2,
        "sectors": ["climate", "open data"],
    },
]

#: Datasets each venture builds on: (dataset slug, extent, quality 1–5, how).
#: A venture not listed here gets two supporting datasets drawn at random.
USES: dict[str, list[tuple[str, str, int, str]]] = {
    "Air quality at school gates": [
        (
            "air-quality",
            UseExtent.CORE,
            4,
            "Hourly **PM2.5** and **NO2** from the station nearest each school "
            "set the day's alert level sent to parents at 7:30.",
        ),
        (
            "bike-counts",
            UseExtent.SUPPORTING,
            3,
            "Counts on the streets around each school show whether the school-run "
            "plan moves families onto bikes.",
        ),
        (
            "transit-stops-ridership",
            UseExtent.SUPPORTING,
            3,
            "Stops within 400 m of a school gate, for the *walk from the bus* "
            "option in the plan.",
        ),
    ],
    "Community solar subscriptions": [
        (
            "parcel-values",
            UseExtent.CORE,
            4,
            "Lot areas and land-use classes shortlist the flat-roofed parcels big "
            "enough for a 100 kW array.",
        ),
        (
            "zoning-districts",
            UseExtent.SUPPORTING,
            3,
            "Checks that rooftop solar is a permitted use before we approach an owner.",
        ),
        (
            "building-permits",
            UseExtent.SUPPORTING,
            2,
            "Recent roof permits flag roofs replaced in the last five years. The "
            "work type field is free text, so we clean it by hand.",
        ),
    ],
    "Tourist crowd nowcast": [
        (
            "transit-stops-ridership",
            UseExtent.CORE,
            5,
            "Boardings at the stops next to each sight are the strongest signal in "
            "the crowd model:\n\n- weekday averages train it\n- the monthly update "
            "recalibrates it",
        ),
        (
            "311-service-requests",
            UseExtent.SUPPORTING,
            3,
            "Noise and litter requests near sights mark the hours when crowds "
            "bother neighbours.",
        ),
        (
            "business-licences",
            UseExtent.SUPPORTING,
            4,
            "Licensed cafés and shops around each sight, suggested as quieter "
            "places to wait.",
        ),
    ],
    "Refill station network": [
        (
            "business-licences",
            UseExtent.CORE,
            4,
            "Cafés, gyms and grocers with an active licence are the shops we "
            "invite to host a station.",
        ),
        (
            "restaurant-inspections",
            UseExtent.SUPPORTING,
            4,
            "A host must have passed its last food-safety inspection.",
        ),
        (
            "311-service-requests",
            UseExtent.SUPPORTING,
            2,
            "Requests about broken drinking fountains show where refills are "
            "missing. Categories changed in 2024, which breaks the trend.",
        ),
    ],
    "PermitPath Analytics": [
        (
            "building-permits",
            UseExtent.CORE,
            5,
            "Every review step's dates since 2015 train the **time-to-permit** model.",
        ),
        (
            "zoning-districts",
            UseExtent.CORE,
            4,
            "The district of each parcel explains most of the variance in review time.",
        ),
        (
            "parcel-values",
            UseExtent.SUPPORTING,
            3,
            "Assessed values size the projects the model has not seen before.",
        ),
    ],
    "Canopy Count": [
        (
            "street-trees",
            UseExtent.CORE,
            4,
            "Species, trunk diameter and condition give each tree's canopy and "
            "its shade on the street.",
        ),
        (
            "air-quality",
            UseExtent.SUPPORTING,
            3,
            "Sensor readings near schools, set against canopy cover per block.",
        ),
        (
            "city-budget",
            UseExtent.SUPPORTING,
            2,
            "The forestry line of the parks budget, to show clients what the city "
            "spends per tree.",
        ),
    ],
}


@dataclass(frozen=True)
class Money:
    kind: str
    low: int  # amounts drawn in [low, high], rounded to ``step``
    high: int
    step: int
    investors: str
    verified: bool
    currency: str = "USD"
    by_team: bool = True  # recorded by the founder (if any), else by staff
    evidence_url: str = ""
    note: str = ""


GRANT = Money(
    FundingKind.GRANT,
    25_000,
    250_000,
    5_000,
    "City Innovation Fund",
    verified=True,
    by_team=False,
    evidence_url="https://www.example-city.gov/innovation-fund/awards",
)
#: Funding per venture, in order; the first venture gets the first plan, etc.
PLANS: list[list[Money]] = [
    [
        GRANT,
        Money(FundingKind.SEED, 500_000, 2_000_000, 50_000, "Harbour Seed Partners", verified=True, evidence_url="https://news.example.com/seed-round"),
        Money(FundingKind.CONTRACT, 40_000, 120_000, 1_000, "City School Board", verified=False, note="Two-year pilot contract for 14 schools."),
    ],
    [
        GRANT,
        Money(FundingKind.LOAN, 100_000, 400_000, 10_000, "Community Energy Bank", verified=False),
    ],
    [
        Money(FundingKind.PRE_SEED, 150_000, 400_000, 10_000, "Northbridge Angels", verified=True),
        Money(FundingKind.SEED, 500_000, 1_500_000, 50_000, "Rhein Tourism Ventures", verified=True, currency="EUR", evidence_url="https://news.example.com/eur-seed"),
    ],
    [
        GRANT,
        Money(FundingKind.PRIZE, 10_000, 50_000, 5_000, "Circular City Challenge", verified=True, by_team=False),
    ],
    [
        Money(FundingKind.SEED, 500_000, 2_000_000, 50_000, "Granite Street Capital", verified=True),
        Money(FundingKind.GRANT, 25_000, 250_000, 5_000, "State Small Business Innovation Program", verified=False),
    ],
    [
        GRANT,
        Money(FundingKind.REVENUE_BASED, 50_000, 150_000, 5_000, "Clearline Capital", verified=False),
    ],
]  # fmt: skip

#: Two impact snapshots per venture: about a year ago and last month.
SNAPSHOT_DAYS_AGO = (365, 30)
DATA_REQUESTS = [
    # venture, title, description
    (
        "Air quality at school gates",
        "School drop-off traffic counts",
        "Vehicle counts on the streets next to each school, **7:00 to 9:00**, "
        "so parents see whether the new plan cuts traffic.",
    ),
    (
        "Refill station network",
        "Public drinking fountains",
        "Location and working status of every public drinking fountain, to "
        "avoid placing refill stations next to one.",
    ),
]
#: One unit of EUR in USD, valid from long before the demo's euro event.
EUR_USD = Decimal("1.0850")
RATE_DAYS_AGO = 720


def _rng(venture: Venture) -> random.Random:
    return random.Random(f"{SEED}:{venture.name}")  # noqa: S311 - demo data


def _draw(rng: random.Random, low: int, high: int, step: int) -> Decimal:
    return Decimal(rng.randrange(low, high + 1, step))


@transaction.atomic
def seed_ventures_data() -> dict[str, int]:
    """Load the demo catalog and the demo ventures' data uses, funding, impact,
    rate and data requests, each only where it is missing. Returns how many
    of each were created (all zero on a second run)."""
    created = dict.fromkeys(
        ["datasets", "ventures", "uses", "funding", "snapshots", "rates", "requests"],
        0,
    )
    staff = User.objects.filter(email=STAFF).first()
    if staff is None:
        return created
    created["datasets"] = _catalog()
    ventures, created["ventures"] = _ventures(staff)
    today = timezone.localdate()
    for index, venture in enumerate(ventures):
        founder = _founder(venture)
        created["uses"] += _uses(venture, founder or staff)
        created["funding"] += _funding(venture, index, founder, staff, today)
        created["snapshots"] += _snapshots(venture, founder or staff, today)
    created["rates"] = _rate(staff, today)
    created["requests"] = _requests(staff)
    return created


def _catalog() -> int:
    if CatalogSource.objects.filter(name=SOURCE_NAME).exists():
        return 0
    return import_catalog(SOURCE_NAME, CATALOG_FILE, "dcat-us").created


def _ventures(staff: User) -> tuple[list[Venture], int]:
    """The demo ventures, oldest first: launched from demo ideas, then the
    staff-entered ones (created here when missing)."""
    launched = list(
        Venture.objects.filter(idea__owner__email__endswith=DEMO_DOMAIN).order_by(
            "idea__created_at", "pk"
        )
    )
    if len(launched) >= MIN_VENTURES:
        return launched, 0
    names = [spec["name"] for spec in STAFF_VENTURES]
    entered = {
        v.name: v for v in Venture.objects.filter(name__in=names, idea__isnull=True)
    }
    created = 0
    for spec in STAFF_VENTURES:
        if spec["name"] in entered:
            continue
        founded = date(timezone.localdate().year - spec["founded_years_ago"], 6, 1)
        entered[spec["name"]] = services.create_venture(
            actor=staff,
            fields={
                "name": spec["name"],
                "description": spec["description"],
                "website": spec["website"],
                "founded_on": founded,
                "launched_on": founded,
            },
            sectors=spec["sectors"],
        )
        created += 1
    return launched + [entered[name] for name in names], created


def _founder(venture: Venture) -> User | None:
    member = (
        venture.members.filter(role=VentureRole.FOUNDER).select_related("user").first()
    )
    return member.user if member else None


def _uses(venture: Venture, actor: User) -> int:
    if venture.dataset_uses.exists():
        return 0
    datasets = {
        d.identifier.removeprefix(DATASET_URL): d
        for d in Dataset.objects.filter(source__name=SOURCE_NAME, withdrawn=False)
    }
    plan = USES.get(venture.name)
    if plan is None:  # a demo venture this module does not know: two at random
        picks = _rng(venture).sample(sorted(datasets), k=min(2, len(datasets)))
        plan = [
            (slug, UseExtent.SUPPORTING, 3, "Part of the product's background data.")
            for slug in picks
        ]
    count = 0
    for slug, extent, quality, how in plan:
        if slug in datasets:
            services.record_dataset_use(
                venture,
                datasets[slug],
                actor=actor,
                fields={"extent": extent, "quality": quality, "how": how},
            )
            count += 1
    return count


def _funding(
    venture: Venture, index: int, founder: User | None, staff: User, today: date
) -> int:
    if venture.funding_events.exists():
        return 0
    rng = _rng(venture)
    plan = PLANS[index % len(PLANS)]
    # Oldest first: each event a few months after the one before.
    days_ago = 620
    for money in plan:
        days_ago -= rng.randint(90, 200)
        event = funding.record_funding(
            venture,
            actor=founder if money.by_team and founder else staff,
            kind=money.kind,
            amount=_draw(rng, money.low, money.high, money.step),
            currency=money.currency,
            date=today - timedelta(days=max(days_ago, 7)),
            investors=money.investors,
            evidence_url=money.evidence_url,
            note=money.note,
        )
        if money.verified:
            funding.verify_funding(event, actor=staff)
    return len(plan)


def _snapshots(venture: Venture, actor: User, today: date) -> int:
    if venture.impact_snapshots.exists():
        return 0
    rng = _rng(venture)
    jobs = rng.randint(2, 6)
    customers = rng.randint(5, 40)
    bands = [RevenueBand.UNDER_100K, RevenueBand.FROM_100K]
    for step, days_ago in enumerate(SNAPSHOT_DAYS_AGO):
        funding.record_snapshot(
            venture,
            actor=actor,
            date=today - timedelta(days=days_ago),
            full_time_jobs=jobs,
            customers=customers,
            revenue_band=bands[step],
            source="Cluster survey" if step == 0 else "Quarterly check-in",
        )
        jobs += rng.randint(2, 9)
        customers += rng.randint(20, 200)
    return len(SNAPSHOT_DAYS_AGO)


def _rate(staff: User, today: date) -> int:
    """EUR into the base currency (or USD into EUR when EUR is the base)."""
    base = settings.BASE_CURRENCY
    currency, rate = ("USD", 1 / EUR_USD) if base == "EUR" else ("EUR", EUR_USD)
    if ExchangeRate.objects.filter(currency=currency, base_currency=base).exists():
        return 0
    funding.set_exchange_rate(
        actor=staff,
        currency=currency,
        rate=rate.quantize(Decimal("0.00000001")),
        valid_on=today - timedelta(days=RATE_DAYS_AGO),
    )
    return 1


def _requests(staff: User) -> int:
    created = 0
    for index, (name, title, description) in enumerate(DATA_REQUESTS):
        venture = Venture.objects.filter(name=name).first()
        if venture is None or DataRequest.objects.filter(title=title).exists():
            continue
        request = services.request_dataset(
            venture,
            actor=_founder(venture) or staff,
            title=title,
            description=description,
        )
        if index == 0:  # staff have put the first one on the plan
            services.set_request_status(request, RequestStatus.PLANNED, actor=staff)
        created += 1
    return created
