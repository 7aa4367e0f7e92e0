"""The access matrix of ventures (their team, dataset uses, data requests) and
their funding and impact. Staff enter and edit ventures; the venture's team
(owner as founder, editor as member; not the idea's viewer) and staff record
dataset uses, ask for data and record funding and impact; a reported funding
event is hidden (404) from everyone else; only staff triage requests, verify,
see the queue and set rates. The spec and the machinery:
``tests/support/access_matrix.py``."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from catalog.models import CatalogSource, Dataset
from ideas.stages import Stage
from tests.support.access_matrix import (
    AppMatrix,
    Scenario,
    expect,
    matrix_params,
    only,
    run_matrix_case,
)
from ventures.models import (
    DataRequest,
    DatasetUse,
    ExchangeRate,
    FundingEvent,
    FundingStatus,
    ImpactSnapshot,
    Venture,
    VentureMember,
    VentureRole,
)

pytestmark = pytest.mark.django_db

# Sentinel values the POST requests write, so effects are easy to look up.
NEW_VENTURE_NAME = "Matrix created venture"
EDITED_VENTURE_NAME = "Matrix edited venture"
EDITED_USE_HOW = "Matrix edited use"
NEW_DATA_REQUEST = "Matrix requested dataset"
NEW_FUNDING_INVESTORS = "Matrix new investors"
EDITED_FUNDING_INVESTORS = "Matrix edited investors"
MATRIX_FUNDING_INVESTORS = "Matrix first investors"
MATRIX_IMPACT_SOURCE = "Matrix impact survey"
MATRIX_RATE_CURRENCY = "CHF"


def _venture_form(name: str) -> dict[str, str]:
    return {"name": name, "status": "operating", "launched_on": "2024-01-01"}


def _venture_world(s: Scenario) -> dict[str, Any]:
    """The scenario's venture with the owner (founder) and editor on its team,
    one recorded dataset use, one dataset not yet used and one data request
    (made on first use)."""
    venture = s.venture
    VentureMember.objects.get_or_create(
        venture=venture, user=s.idea.owner, defaults={"role": VentureRole.FOUNDER}
    )
    VentureMember.objects.get_or_create(
        venture=venture,
        user=s.comment.author,  # the editor
        defaults={"role": VentureRole.MEMBER},
    )
    source, _created = CatalogSource.objects.get_or_create(name="Matrix uses")
    used, _created = Dataset.objects.get_or_create(
        source=source, identifier="used", defaults={"title": "Matrix used dataset"}
    )
    unused, _created = Dataset.objects.get_or_create(
        source=source, identifier="unused", defaults={"title": "Matrix new dataset"}
    )
    use, _created = DatasetUse.objects.get_or_create(venture=venture, dataset=used)
    request, _created = DataRequest.objects.get_or_create(
        venture=venture, title="Matrix first request"
    )
    return {
        "slug": venture.slug,
        "use": use.pk,
        "unused": unused,
        "request": request.pk,
    }


def _funding_form(investors: str) -> dict[str, str]:
    return {
        "kind": "grant",
        "amount": "1000",
        "currency": "EUR",
        "date": "2024-01-01",
        "investors": investors,
        "evidence_url": "https://example.org/grant",
        "note": "",
    }


def _funding_event(s: Scenario) -> int:
    """A reported (unverified) funding event of the scenario's venture, whose
    team is set up as in ``_venture_world`` (made on first use)."""
    _venture_world(s)
    event, _created = FundingEvent.objects.get_or_create(
        venture=s.venture,
        investors=MATRIX_FUNDING_INVESTORS,
        defaults={
            "kind": "grant",
            "amount": 500,
            "currency": "EUR",
            "date": "2024-01-01",
            "recorded_by": s.idea.owner,
        },
    )
    return event.pk


# fmt: off
MATRIX = AppMatrix(
    url_names=frozenset({
        "ventures-list", "ventures-detail", "ventures-create", "ventures-edit",
        "ventures-use-add", "ventures-use-edit", "ventures-use-remove",
        "ventures-data-request-add", "ventures-data-requests",
        "ventures-data-request-status",
        "ventures-funding-add", "ventures-funding-edit", "ventures-funding-delete",
        "ventures-funding-verify", "ventures-funding-impact-add",
        "funding-verify-queue", "funding-rates",
    }),
    requests={
        ("ventures-list", "GET"): lambda s: (reverse("ventures-list"), {}),
        ("ventures-create", "GET"): lambda s: (reverse("ventures-create"), {}),
        ("ventures-create", "POST"): lambda s: (
            reverse("ventures-create"),
            _venture_form(NEW_VENTURE_NAME),
        ),
        ("ventures-edit", "GET"): lambda s: (
            reverse("ventures-edit", args=[s.venture.slug]),
            {},
        ),
        ("ventures-edit", "POST"): lambda s: (
            reverse("ventures-edit", args=[s.venture.slug]),
            _venture_form(EDITED_VENTURE_NAME),
        ),
        ("ventures-use-add", "POST"): lambda s: (
            reverse("ventures-use-add", args=[s.venture.slug]),
            {"use-dataset": str(_venture_world(s)["unused"].pk), "use-extent": "core"},
        ),
        ("ventures-use-edit", "GET"): lambda s: (
            reverse(
                "ventures-use-edit", args=[s.venture.slug, _venture_world(s)["use"]]
            ),
            {},
        ),
        ("ventures-use-edit", "POST"): lambda s: (
            reverse(
                "ventures-use-edit", args=[s.venture.slug, _venture_world(s)["use"]]
            ),
            {"how": EDITED_USE_HOW, "extent": "supporting", "quality": "3"},
        ),
        ("ventures-use-remove", "POST"): lambda s: (
            reverse(
                "ventures-use-remove", args=[s.venture.slug, _venture_world(s)["use"]]
            ),
            {},
        ),
        ("ventures-data-request-add", "POST"): lambda s: (
            reverse("ventures-data-request-add", args=[_venture_world(s)["slug"]]),
            {"request-title": NEW_DATA_REQUEST, "request-description": ""},
        ),
        ("ventures-data-requests", "GET"): lambda s: (
            reverse("ventures-data-requests"),
            {},
        ),
        ("ventures-data-request-status", "POST"): lambda s: (
            reverse(
                "ventures-data-request-status", args=[_venture_world(s)["request"]]
            ),
            {"status": "planned"},
        ),
        ("ventures-funding-add", "GET"): lambda s: (
            reverse("ventures-funding-add", args=[_venture_world(s)["slug"]]),
            {},
        ),
        ("ventures-funding-add", "POST"): lambda s: (
            reverse("ventures-funding-add", args=[_venture_world(s)["slug"]]),
            _funding_form(NEW_FUNDING_INVESTORS),
        ),
        ("ventures-funding-edit", "GET"): lambda s: (
            reverse("ventures-funding-edit", args=[s.venture.slug, _funding_event(s)]),
            {},
        ),
        ("ventures-funding-edit", "POST"): lambda s: (
            reverse("ventures-funding-edit", args=[s.venture.slug, _funding_event(s)]),
            _funding_form(EDITED_FUNDING_INVESTORS),
        ),
        ("ventures-funding-delete", "POST"): lambda s: (
            reverse(
                "ventures-funding-delete", args=[s.venture.slug, _funding_event(s)]
            ),
            {},
        ),
        ("ventures-funding-verify", "POST"): lambda s: (
            reverse(
                "ventures-funding-verify", args=[s.venture.slug, _funding_event(s)]
            ),
            {},
        ),
        ("ventures-funding-impact-add", "GET"): lambda s: (
            reverse("ventures-funding-impact-add", args=[_venture_world(s)["slug"]]),
            {},
        ),
        ("ventures-funding-impact-add", "POST"): lambda s: (
            reverse("ventures-funding-impact-add", args=[_venture_world(s)["slug"]]),
            {
                "date": "2024-01-01",
                "full_time_jobs": "3",
                "revenue_band": "none",
                "source": MATRIX_IMPACT_SOURCE,
            },
        ),
        ("funding-verify-queue", "GET"): lambda s: (
            reverse("funding-verify-queue"),
            {},
        ),
        ("funding-rates", "GET"): lambda s: (reverse("funding-rates"), {}),
        ("funding-rates", "POST"): lambda s: (
            reverse("funding-rates"),
            {
                "currency": MATRIX_RATE_CURRENCY,
                "rate": "1.25",
                "valid_on": "2024-01-01",
            },
        ),
        ("ventures-detail", "GET"): lambda s: (
            reverse("ventures-detail", args=[s.venture.slug]),
            {},
        ),
    },
    effects={
        "ventures-create": lambda s: Venture.objects.filter(
            name=NEW_VENTURE_NAME
        ).exists(),
        "ventures-edit": lambda s: (
            Venture.objects.get(pk=s.venture.pk).name == EDITED_VENTURE_NAME
        ),
        "ventures-use-add": lambda s: DatasetUse.objects.filter(
            venture=s.venture, dataset__identifier="unused"
        ).exists(),
        "ventures-use-edit": lambda s: DatasetUse.objects.filter(
            how=EDITED_USE_HOW
        ).exists(),
        "ventures-use-remove": lambda s: (
            not DatasetUse.objects.filter(dataset__identifier="used").exists()
        ),
        "ventures-data-request-add": lambda s: DataRequest.objects.filter(
            title=NEW_DATA_REQUEST
        ).exists(),
        "ventures-data-request-status": lambda s: DataRequest.objects.filter(
            status="planned"
        ).exists(),
        "ventures-funding-add": lambda s: FundingEvent.objects.filter(
            investors=NEW_FUNDING_INVESTORS
        ).exists(),
        "ventures-funding-edit": lambda s: FundingEvent.objects.filter(
            investors=EDITED_FUNDING_INVESTORS
        ).exists(),
        "ventures-funding-delete": lambda s: (
            not FundingEvent.objects.filter(
                investors=MATRIX_FUNDING_INVESTORS
            ).exists()
        ),
        "ventures-funding-verify": lambda s: FundingEvent.objects.filter(
            status=FundingStatus.VERIFIED
        ).exists(),
        "ventures-funding-impact-add": lambda s: ImpactSnapshot.objects.filter(
            source=MATRIX_IMPACT_SOURCE
        ).exists(),
        "funding-rates": lambda s: ExchangeRate.objects.filter(
            currency=MATRIX_RATE_CURRENCY
        ).exists(),
    },
    proposed={
        ("ventures-list", "GET"): expect(
            anonymous=200, outsider=200, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
        ("ventures-detail", "GET"): expect(
            anonymous=200, outsider=200, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
        # Ventures: staff enter and edit them; the venture's team (owner as
        # founder, editor as member; not the idea's viewer) and staff record
        # dataset uses and ask for data; staff triage the requests.
        ("ventures-create", "GET"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=200,
        ),
        ("ventures-create", "POST"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=302,
        ),
        ("ventures-edit", "GET"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=200,
        ),
        ("ventures-edit", "POST"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=302,
        ),
        ("ventures-use-add", "POST"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=302, owner=302, reviewer=403, staff=302,
        ),
        ("ventures-use-edit", "GET"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=200, owner=200, reviewer=403, staff=200,
        ),
        ("ventures-use-edit", "POST"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=302, owner=302, reviewer=403, staff=302,
        ),
        ("ventures-use-remove", "POST"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=302, owner=302, reviewer=403, staff=302,
        ),
        ("ventures-data-request-add", "POST"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=302, owner=302, reviewer=403, staff=302,
        ),
        ("ventures-data-requests", "GET"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=200,
        ),
        ("ventures-data-request-status", "POST"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=302,
        ),
        # Investment outcomes: the venture's team (owner as founder, editor as
        # member) and staff record funding and impact; a reported event is
        # hidden (404) from everyone else; only staff verify, see the queue,
        # set rates.
        ("ventures-funding-add", "GET"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=200, owner=200, reviewer=403, staff=200,
        ),
        ("ventures-funding-add", "POST"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=302, owner=302, reviewer=403, staff=302,
        ),
        ("ventures-funding-edit", "GET"): expect(
            anonymous=302, outsider=404, viewer=404,
            editor=200, owner=200, reviewer=404, staff=200,
        ),
        ("ventures-funding-edit", "POST"): expect(
            anonymous=302, outsider=404, viewer=404,
            editor=302, owner=302, reviewer=404, staff=302,
        ),
        ("ventures-funding-delete", "POST"): expect(
            anonymous=302, outsider=404, viewer=404,
            editor=302, owner=302, reviewer=404, staff=302,
        ),
        ("ventures-funding-verify", "POST"): expect(
            anonymous=302, outsider=404, viewer=404,
            editor=403, owner=403, reviewer=404, staff=302,
        ),
        ("ventures-funding-impact-add", "GET"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=200, owner=200, reviewer=403, staff=200,
        ),
        ("ventures-funding-impact-add", "POST"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=302, owner=302, reviewer=403, staff=302,
        ),
        ("funding-verify-queue", "GET"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=200,
        ),
        ("funding-rates", "GET"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=200,
        ),
        ("funding-rates", "POST"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=302,
        ),
    },
    changes={
        "ventures-create": only("staff"),
        "ventures-edit": only("staff"),
        "ventures-use-add": only("editor", "owner", "staff"),
        "ventures-use-edit": only("editor", "owner", "staff"),
        "ventures-use-remove": only("editor", "owner", "staff"),
        "ventures-data-request-add": only("editor", "owner", "staff"),
        "ventures-data-request-status": only("staff"),
        "ventures-funding-add": only("editor", "owner", "staff"),
        "ventures-funding-edit": only("editor", "owner", "staff"),
        "ventures-funding-delete": only("editor", "owner", "staff"),
        "ventures-funding-verify": only("staff"),
        "ventures-funding-impact-add": only("editor", "owner", "staff"),
        "funding-rates": only("staff"),
    },
)
# fmt: on


@pytest.mark.parametrize(("key", "persona", "status"), matrix_params(MATRIX.proposed))
def test_team_only_proposed_idea_access(scenario, client_for, key, persona, status):
    s = scenario(stage=Stage.PROPOSED, move_to=Stage.SCREENING)
    run_matrix_case(
        MATRIX, client_for, s, persona, key, status, MATRIX.changes.get(key[0])
    )
