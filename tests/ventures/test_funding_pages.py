"""Funding and impact on the venture page, the team's forms, staff's
verification queue and exchange-rate page."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.support.accessibility import audit
from tests.support.builders import make_venture
from ventures.funding import services as funding
from ventures.models import (
    ExchangeRate,
    FundingEvent,
    FundingStatus,
    ImpactSnapshot,
    VentureMember,
    VentureRole,
)

pytestmark = pytest.mark.django_db

D = datetime.date
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)

# Distinctive figures, so the page text shows exactly which events it lists.
VERIFIED_AMOUNT = "4,321.00"
REPORTED_AMOUNT = "8,765.00"
NOTE_TEXT = "Zanzibarine seed talks"


@pytest.fixture
def venture(people):
    venture = make_venture(founder=people["owner"])
    VentureMember.objects.create(
        venture=venture, user=people["editor"], role=VentureRole.MEMBER
    )
    return venture


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "kind": "seed",
        "amount": "2500.50",
        "currency": "EUR",
        "date": "2024-05-01",
        "investors": "Harbour Angels",
        "evidence_url": "https://example.org/news",
        "note": "",
    }
    data.update(overrides)
    return data


def record(venture, people, *, verify=False, **fields):
    values = {
        "kind": "grant",
        "amount": Decimal("100"),
        "currency": "USD",
        "date": D(2024, 1, 1),
    }
    values.update(fields)
    event = funding.record_funding(venture, actor=people["owner"], **values)
    if verify:
        funding.verify_funding(event, actor=people["staff"])
    return event


@pytest.fixture
def filled(venture, people):
    """One verified event, one reported, one note, a JPY event with no rate, a
    EUR rate and two impact snapshots."""
    funding.set_exchange_rate(
        actor=people["staff"],
        currency="EUR",
        rate=Decimal("1.5"),
        valid_on=D(2023, 1, 1),
    )
    verified = record(venture, people, verify=True, amount=Decimal("4321"))
    reported = record(venture, people, amount=Decimal("8765"), kind="seed")
    note = record(venture, people, amount=None, note=NOTE_TEXT)
    record(venture, people, verify=True, amount=Decimal("10"), currency="EUR")
    record(venture, people, verify=True, amount=Decimal("500"), currency="JPY")
    funding.record_snapshot(
        venture, actor=people["owner"], date=D(2023, 1, 1), full_time_jobs=2
    )
    funding.record_snapshot(
        venture,
        actor=people["owner"],
        date=D(2024, 1, 1),
        full_time_jobs=7,
        customers=40,
        revenue_band="lt_100k",
    )
    return {"verified": verified, "reported": reported, "note": note}


# --------------------------------------------------------------------------------------
# The venture page
# --------------------------------------------------------------------------------------


@override_settings(BASE_CURRENCY="USD")
@pytest.mark.parametrize(
    ("persona", "sees_reported"),
    [("anonymous", False), ("outsider", False), ("viewer", False),
     ("owner", True), ("editor", True), ("staff", True)],
)  # fmt: skip
def test_reported_events_and_notes_show_only_to_team_and_staff(
    filled, venture, client_for, persona, sees_reported
):
    body = client_for(persona).get(venture.get_absolute_url()).content.decode()
    assert VERIFIED_AMOUNT in body
    assert (REPORTED_AMOUNT in body) is sees_reported
    assert (NOTE_TEXT in body) is sees_reported
    assert ("Reported, not yet verified" in body) is sees_reported
    # Verified in USD: 4,321 + 10 EUR × 1.5 = 4,336; the JPY event has no rate.
    assert "Verified: 4,336.00 USD" in body
    assert "1 event in JPY had no exchange rate and is not included." in body
    assert "latest on or before the event’s date" in body
    assert ("reported, not yet verified: 8,765.00 USD" in body) is sees_reported


def test_the_page_shows_the_latest_snapshot_and_the_jobs_history(
    filled, venture, client
):
    response = client.get(venture.get_absolute_url())
    latest = response.context["latest_snapshot"]
    assert (latest.full_time_jobs, latest.customers) == (7, 40)
    assert [s.full_time_jobs for s in response.context["snapshots"]] == [7, 2]
    assert "Jobs history" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "controls"),
    [("anonymous", set()), ("outsider", set()), ("owner", {"add", "edit"}),
     ("staff", {"add", "edit", "verify"})],
)  # fmt: skip
def test_controls_match_permissions(filled, venture, client_for, persona, controls):
    body = client_for(persona).get(venture.get_absolute_url()).content.decode()
    reported = filled["reported"]
    verified = filled["verified"]
    shown = set()
    if reverse("ventures-funding-add", args=[venture.slug]) in body:
        shown.add("add")
    if reverse("ventures-funding-edit", args=[venture.slug, reported.pk]) in body:
        shown.add("edit")
    if reverse("ventures-funding-verify", args=[venture.slug, reported.pk]) in body:
        shown.add("verify")
    assert shown == controls
    # The team may no longer edit a verified event; staff may.
    verified_edit = reverse("ventures-funding-edit", args=[venture.slug, verified.pk])
    assert (verified_edit in body) is (persona == "staff")


@pytest.mark.parametrize("size", [2, 30])
def test_the_funding_section_runs_a_constant_number_of_queries(
    venture, people, client_for, django_assert_num_queries, size
):
    for n in range(size):
        record(venture, people, verify=n % 2 == 0, currency=["USD", "EUR"][n % 2])
        funding.record_snapshot(
            venture, actor=people["owner"], date=D(2020, 1, 1), full_time_jobs=n
        )
    client = client_for("owner")
    # Session, user, the venture, its members, the team check (cached for every
    # permission), dataset uses, sector tags, the bell's count, the dataset
    # choices; the funding section adds three: the visible events with
    # recorder and verifier, their totals (one grouped query with the rate
    # subquery), the impact snapshots.
    with django_assert_num_queries(12):
        response = client.get(venture.get_absolute_url())
    assert len(response.context["funding_events"]) == size
    totals = response.context["funding_totals"]
    assert sum(t.verified_count + t.reported_count for t in totals.currencies) == size


# --------------------------------------------------------------------------------------
# The forms: bad input gets a clear error and nothing is saved
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": "-5"}, "amount", "The amount cannot be negative."),
        ({"amount": "10.123"}, "amount", "no more than 2 decimal places"),
        ({"currency": "ABC"}, "currency", "is not an ISO 4217 currency code"),
        ({"date": TOMORROW.isoformat()}, "date", "cannot be in the future"),
        (
            {"evidence_url": "javascript:alert(1)"},
            "evidence_url",
            "Use an http:// or https:// address.",
        ),
    ],
)
def test_the_funding_form_refuses_bad_input_and_saves_nothing(
    venture, people, client_for, overrides, field, message
):
    client = client_for("owner")
    url = reverse("ventures-funding-add", args=[venture.slug])
    response = client.post(url, form_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    body = response.content.decode()
    assert message in body
    assert 'value="Harbour Angels"' in body  # what was typed is kept
    assert not FundingEvent.objects.exists()
    assert audit(body) == []
    # The edit form refuses it the same way and leaves the event as it was.
    event = record(venture, people, amount=Decimal("77"))
    edit = reverse("ventures-funding-edit", args=[venture.slug, event.pk])
    response = client.post(edit, form_data(**overrides))
    assert response.status_code == 200 and message in response.content.decode()
    event.refresh_from_db()
    assert (event.amount, event.currency) == (Decimal("77.00"), "USD")


def test_the_team_records_and_edits_an_event(venture, people, client_for):
    client = client_for("editor")
    url = reverse("ventures-funding-add", args=[venture.slug])
    response = client.post(url, form_data(currency="eur"))
    assert response.status_code == 302
    event = FundingEvent.objects.get()
    assert (event.amount, event.currency, event.status) == (
        Decimal("2500.50"),
        "EUR",
        FundingStatus.REPORTED,
    )
    assert event.recorded_by == people["editor"]
    edit = reverse("ventures-funding-edit", args=[venture.slug, event.pk])
    assert client.get(edit).status_code == 200
    assert client.post(edit, form_data(amount="3000")).status_code == 302
    assert FundingEvent.objects.get().amount == Decimal("3000.00")


def test_staff_verify_from_the_queue_and_come_back_to_it(venture, people, client_for):
    event = record(venture, people)
    client = client_for("staff")
    queue = reverse("funding-verify-queue") + "?page=1"
    response = client.post(
        reverse("ventures-funding-verify", args=[venture.slug, event.pk]),
        {"next": queue},
    )
    assert response.status_code == 302 and response["Location"] == queue
    assert FundingEvent.objects.get().status == FundingStatus.VERIFIED
    # An off-site "next" is ignored.
    other = record(venture, people)
    response = client.post(
        reverse("ventures-funding-verify", args=[venture.slug, other.pk]),
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == venture.get_absolute_url()


def test_verifying_a_note_says_why_not(venture, people, client_for):
    note = record(venture, people, amount=None, note="x")
    response = client_for("staff").post(
        reverse("ventures-funding-verify", args=[venture.slug, note.pk]), follow=True
    )
    assert "Add the amount before verifying" in response.content.decode()
    assert FundingEvent.objects.get().status == FundingStatus.REPORTED


def test_an_outsider_cannot_reach_a_reported_event_and_is_refused_a_verified_one(
    venture, people, client_for
):
    reported = record(venture, people)
    verified = record(venture, people, verify=True)
    client = client_for("outsider")
    url = "ventures-funding-edit"
    assert client.get(reverse(url, args=[venture.slug, reported.pk])).status_code == 404
    assert client.get(reverse(url, args=[venture.slug, verified.pk])).status_code == 403
    # The team is refused a verified event too (staff's alone once verified).
    team = client_for("owner")
    assert team.get(reverse(url, args=[venture.slug, verified.pk])).status_code == 403
    delete = reverse("ventures-funding-delete", args=[venture.slug, verified.pk])
    assert team.post(delete).status_code == 403
    assert FundingEvent.objects.filter(pk=verified.pk).exists()


def test_an_event_is_not_reachable_under_another_venture(venture, people, client_for):
    event = record(venture, people)
    other = make_venture(founder=people["owner"])
    url = reverse("ventures-funding-edit", args=[other.slug, event.pk])
    assert client_for("owner").get(url).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "2024-01-01", "revenue_band": "undisclosed"}, "at least one figure"),
        ({"date": TOMORROW.isoformat(), "full_time_jobs": "3",
          "revenue_band": "undisclosed"}, "cannot be in the future"),
        ({"date": "2024-01-01", "full_time_jobs": "-1",
          "revenue_band": "undisclosed"}, "greater than or equal to 0"),
    ],
)  # fmt: skip
def test_the_impact_form_refuses_bad_input(venture, client_for, data, message):
    url = reverse("ventures-funding-impact-add", args=[venture.slug])
    response = client_for("owner").post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert audit(body) == []
    assert not ImpactSnapshot.objects.exists()


def test_the_team_adds_an_impact_snapshot(venture, client_for):
    url = reverse("ventures-funding-impact-add", args=[venture.slug])
    data = {"date": "2024-01-01", "full_time_jobs": "5", "revenue_band": "none"}
    assert client_for("editor").post(url, data).status_code == 302
    assert ImpactSnapshot.objects.get().full_time_jobs == 5


@override_settings(BASE_CURRENCY="USD")
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"currency": "USD", "rate": "1", "valid_on": "2024-01-01"},
         "USD is the base currency"),
        ({"currency": "EUR", "rate": "0", "valid_on": "2024-01-01"},
         "The rate must be greater than zero."),
        ({"currency": "EUR", "rate": "-1.5", "valid_on": "2024-01-01"},
         "The rate must be greater than zero."),
        ({"currency": "ABC", "rate": "1", "valid_on": "2024-01-01"},
         "is not an ISO 4217 currency code"),
    ],
)  # fmt: skip
def test_the_rate_form_refuses_bad_input(client_for, data, message):
    response = client_for("staff").post(reverse("funding-rates"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert audit(body) == []
    assert not ExchangeRate.objects.exists()


@override_settings(BASE_CURRENCY="USD")
def test_staff_add_a_rate(client_for, people):
    data = {"currency": "eur", "rate": "1.0825", "valid_on": "2024-01-01"}
    assert client_for("staff").post(reverse("funding-rates"), data).status_code == 302
    rate = ExchangeRate.objects.get()
    assert (rate.currency, rate.base_currency, rate.rate) == (
        "EUR",
        "USD",
        Decimal("1.0825"),
    )
    assert rate.entered_by == people["staff"]


# --------------------------------------------------------------------------------------
# Staff lists: query budgets at two sizes, and the audit
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 40])
def test_the_verify_queue_runs_a_constant_number_of_queries(
    people, client_for, django_assert_num_queries, size
):
    ventures = [make_venture(founder=people["owner"]) for _ in range(3)]
    for n in range(size):
        record(ventures[n % 3], people, amount=Decimal(n + 1))
    record(ventures[0], people, verify=True)  # verified: not queued
    record(ventures[0], people, amount=None, note="x")  # a note: not queued
    client = client_for("staff")
    # Session, user, the count, one page of events with venture and recorder,
    # the bell's unread count.
    with django_assert_num_queries(5):
        response = client.get(reverse("funding-verify-queue"))
    page = response.context["page"]
    assert page.paginator.count == size
    assert len(page.object_list) == min(size, 25)
    assert audit(response.content.decode()) == []


@pytest.mark.parametrize("size", [2, 60])
def test_the_rates_page_runs_a_constant_number_of_queries(
    people, client_for, django_assert_num_queries, size
):
    ExchangeRate.objects.bulk_create(
        ExchangeRate(
            currency="EUR",
            base_currency="USD",
            rate=Decimal("1.1"),
            valid_on=D(2020, 1, 1) + datetime.timedelta(days=n),
            entered_by=people["staff"],
        )
        for n in range(size)
    )
    client = client_for("staff")
    # Session, user, the count, one page of rates with who entered them, the
    # bell's unread count.
    with override_settings(BASE_CURRENCY="USD"), django_assert_num_queries(5):
        response = client.get(reverse("funding-rates"))
    assert len(response.context["page"].object_list) == min(size, 50)
    assert audit(response.content.decode()) == []


@pytest.mark.parametrize("persona", ["anonymous", "owner", "staff"])
def test_the_filled_venture_page_passes_the_audit(filled, venture, client_for, persona):
    response = client_for(persona).get(venture.get_absolute_url())
    assert audit(response.content.decode()) == []
