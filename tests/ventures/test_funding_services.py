"""The funding services: who may record, change, verify; totals per currency and
their conversion to the base currency with staff-entered rates."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from hub.core.models import AuditEvent
from tests.support.builders import make_venture
from ventures.funding import services as funding
from ventures.models import (
    ExchangeRate,
    FundingEvent,
    FundingKind,
    FundingStatus,
    ImpactSnapshot,
    VentureMember,
    VentureRole,
)

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def venture(people):
    venture = make_venture(founder=people["owner"])
    VentureMember.objects.create(
        venture=venture, user=people["editor"], role=VentureRole.MEMBER
    )
    return venture


def grant(**overrides):
    fields = {
        "kind": FundingKind.GRANT,
        "amount": Decimal("1000.00"),
        "currency": "USD",
        "date": D(2024, 3, 1),
        "investors": "City fund",
        "evidence_url": "https://example.org/grant",
        "note": "",
    }
    fields.update(overrides)
    return fields


# --------------------------------------------------------------------------------------
# Permissions
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("owner", True),
        ("editor", True),
        ("staff", True),
        ("outsider", False),
        ("viewer", False),  # on the idea's team in other tests, not the venture's
        ("reviewer", False),
        ("anonymous", False),
    ],
)
def test_who_may_record_funding_and_impact(venture, people, persona, allowed):
    actor = people[persona]
    if allowed:
        event = funding.record_funding(venture, actor=actor, **grant())
        assert event.status == FundingStatus.REPORTED
        assert event.recorded_by == actor
        snapshot = funding.record_snapshot(
            venture, actor=actor, date=D(2024, 1, 1), full_time_jobs=4
        )
        assert snapshot.recorded_by == actor
        assert AuditEvent.objects.filter(action="ventures.funding_add").count() == 1
        assert AuditEvent.objects.filter(action="ventures.impact_add").count() == 1
    else:
        with pytest.raises(PermissionDenied):
            funding.record_funding(venture, actor=actor, **grant())
        with pytest.raises(PermissionDenied):
            funding.record_snapshot(
                venture, actor=actor, date=D(2024, 1, 1), full_time_jobs=4
            )
        assert not FundingEvent.objects.exists()
        assert not ImpactSnapshot.objects.exists()
        assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("owner", True), ("editor", True), ("staff", True), ("outsider", False)],
)
def test_who_may_edit_and_delete_a_reported_event(venture, people, persona, allowed):
    event = funding.record_funding(venture, actor=people["owner"], **grant())
    actor = people[persona]
    if allowed:
        changed = funding.update_funding(event, actor=actor, amount=Decimal("1500"))
        assert changed == ["amount"]
        assert FundingEvent.objects.get(pk=event.pk).amount == Decimal("1500.00")
        funding.delete_funding(event, actor=actor)
        assert not FundingEvent.objects.exists()
        assert AuditEvent.objects.filter(action="ventures.funding_delete").exists()
    else:
        with pytest.raises(PermissionDenied):
            funding.update_funding(event, actor=actor, amount=Decimal("1500"))
        with pytest.raises(PermissionDenied):
            funding.delete_funding(event, actor=actor)
        assert FundingEvent.objects.get(pk=event.pk).amount == Decimal("1000.00")


@pytest.mark.parametrize("persona", ["owner", "editor", "outsider", "reviewer"])
def test_only_staff_verify(venture, people, persona):
    event = funding.record_funding(venture, actor=people["owner"], **grant())
    with pytest.raises(PermissionDenied):
        funding.verify_funding(event, actor=people[persona])
    assert FundingEvent.objects.get(pk=event.pk).status == FundingStatus.REPORTED


def test_staff_verify_once_and_the_audit_says_who(venture, people):
    event = funding.record_funding(venture, actor=people["owner"], **grant())
    before = timezone.now()
    assert funding.verify_funding(event, actor=people["staff"]) is True
    event.refresh_from_db()
    assert event.status == FundingStatus.VERIFIED
    assert event.verified_by == people["staff"]
    assert event.verified_at >= before
    assert funding.verify_funding(event, actor=people["staff"]) is False
    audit = AuditEvent.objects.get(action="ventures.funding_verify")
    assert audit.actor == people["staff"]
    assert audit.data["event"] == event.pk and audit.data["amount"] == "1000.00"


def test_a_note_without_an_amount_cannot_be_verified(venture, people):
    note = funding.record_funding(
        venture, actor=people["owner"], **grant(amount=None, note="Raised a seed")
    )
    with pytest.raises(ValidationError) as error:
        funding.verify_funding(note, actor=people["staff"])
    assert "amount" in error.value.message_dict
    assert FundingEvent.objects.get(pk=note.pk).status == FundingStatus.REPORTED


@pytest.mark.parametrize("persona", ["owner", "editor"])
def test_the_team_cannot_change_a_verified_event(venture, people, persona):
    event = funding.record_funding(venture, actor=people["owner"], **grant())
    funding.verify_funding(event, actor=people["staff"])
    with pytest.raises(PermissionDenied):
        funding.update_funding(event, actor=people[persona], amount=Decimal("9"))
    with pytest.raises(PermissionDenied):
        funding.delete_funding(event, actor=people[persona])
    event.refresh_from_db()
    assert event.amount == Decimal("1000.00")
    assert event.status == FundingStatus.VERIFIED


def test_a_staff_edit_keeps_a_verified_event_verified(venture, people):
    event = funding.record_funding(venture, actor=people["owner"], **grant())
    funding.verify_funding(event, actor=people["staff"])
    changed = funding.update_funding(
        event, actor=people["staff"], investors="City fund and partners"
    )
    assert changed == ["investors"]
    event.refresh_from_db()
    assert event.status == FundingStatus.VERIFIED
    assert event.verified_by == people["staff"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": Decimal("-1")}, "amount"),
        ({"amount": Decimal("1.234")}, "amount"),
        ({"currency": "ABC"}, "currency"),
        ({"date": timezone.localdate() + datetime.timedelta(days=1)}, "date"),
        ({"evidence_url": "javascript:alert(1)"}, "evidence_url"),
        ({"kind": "lottery"}, "kind"),
    ],
)
def test_services_refuse_bad_fields(venture, people, overrides, field):
    with pytest.raises(ValidationError) as error:
        funding.record_funding(venture, actor=people["owner"], **grant(**overrides))
    assert field in error.value.message_dict
    assert not FundingEvent.objects.exists()
    event = funding.record_funding(venture, actor=people["owner"], **grant())
    with pytest.raises(ValidationError):
        funding.update_funding(event, actor=people["owner"], **overrides)
    assert FundingEvent.objects.get(pk=event.pk).amount == Decimal("1000.00")


def test_services_refuse_fields_they_do_not_own(venture, people):
    with pytest.raises(TypeError):
        funding.record_funding(
            venture, actor=people["owner"], status="verified", **grant()
        )
    assert not FundingEvent.objects.exists()


def test_lower_case_currency_is_upper_cased(venture, people):
    event = funding.record_funding(
        venture, actor=people["owner"], **grant(currency="eur")
    )
    assert event.currency == "EUR"


def test_a_snapshot_needs_a_figure(venture, people):
    with pytest.raises(ValidationError):
        funding.record_snapshot(venture, actor=people["owner"], date=D(2024, 1, 1))
    assert not ImpactSnapshot.objects.exists()


# --------------------------------------------------------------------------------------
# Exchange rates
# --------------------------------------------------------------------------------------


@override_settings(BASE_CURRENCY="USD")
def test_only_staff_set_rates_and_a_second_rate_that_day_replaces_it(people):
    for persona in ("owner", "outsider", "reviewer"):
        with pytest.raises(PermissionDenied):
            funding.set_exchange_rate(
                actor=people[persona],
                currency="EUR",
                rate=Decimal("1.1"),
                valid_on=D(2024, 1, 1),
            )
    first = funding.set_exchange_rate(
        actor=people["staff"],
        currency="eur",
        rate=Decimal("1.1"),
        valid_on=D(2024, 1, 1),
    )
    again = funding.set_exchange_rate(
        actor=people["staff"],
        currency="EUR",
        rate=Decimal("1.2"),
        valid_on=D(2024, 1, 1),
    )
    assert first.pk == again.pk
    row = ExchangeRate.objects.get()
    assert (row.currency, row.base_currency, row.rate) == ("EUR", "USD", Decimal("1.2"))
    assert AuditEvent.objects.filter(action="ventures.exchange_rate").count() == 2


@override_settings(BASE_CURRENCY="USD")
@pytest.mark.parametrize(
    ("currency", "rate", "field"),
    [("USD", Decimal("1"), "currency"), ("EUR", Decimal("0"), "rate"),
     ("EUR", Decimal("-2"), "rate"), ("ABC", Decimal("1"), "currency")],
)  # fmt: skip
def test_bad_rates_are_refused(people, currency, rate, field):
    with pytest.raises(ValidationError) as error:
        funding.set_exchange_rate(
            actor=people["staff"], currency=currency, rate=rate, valid_on=D(2024, 1, 1)
        )
    assert field in error.value.message_dict
    assert not ExchangeRate.objects.exists()


# --------------------------------------------------------------------------------------
# Totals
# --------------------------------------------------------------------------------------


def _event(venture, people, *, verify=False, **overrides):
    event = funding.record_funding(venture, actor=people["owner"], **grant(**overrides))
    if verify:
        funding.verify_funding(event, actor=people["staff"])
    return event


def _rate(people, currency, rate, valid_on):
    funding.set_exchange_rate(
        actor=people["staff"], currency=currency, rate=Decimal(rate), valid_on=valid_on
    )


@override_settings(BASE_CURRENCY="USD")
def test_totals_are_per_currency_with_verified_and_reported_apart(
    venture, people, django_assert_num_queries
):
    _event(venture, people, verify=True, amount=Decimal("100.50"))
    _event(venture, people, verify=True, amount=Decimal("200"))
    _event(venture, people, amount=Decimal("50"))
    _event(venture, people, verify=True, amount=Decimal("10"), currency="EUR")
    _event(venture, people, amount=None, note="A note has no amount")
    other = make_venture(founder=people["owner"])
    _event(other, people, verify=True, amount=Decimal("999999"))
    # One grouped query: sums, counts, converted sums and missing-rate counts.
    with django_assert_num_queries(1):
        totals = funding.funding_totals(FundingEvent.objects.filter(venture=venture))
    by = {t.currency: t for t in totals.currencies}
    assert list(by) == ["EUR", "USD"]
    assert (by["USD"].verified, by["USD"].verified_count) == (Decimal("300.50"), 2)
    assert (by["USD"].reported, by["USD"].reported_count) == (Decimal("50.00"), 1)
    assert (by["EUR"].verified, by["EUR"].reported) == (Decimal("10.00"), Decimal(0))


@override_settings(BASE_CURRENCY="USD")
def test_conversion_picks_the_latest_rate_on_or_before_the_event_date(venture, people):
    _rate(people, "EUR", "1.10", D(2024, 1, 1))
    _rate(people, "EUR", "1.20", D(2024, 6, 1))
    _rate(people, "EUR", "9.99", D(2024, 12, 1))  # after every event: never used
    _rate(people, "GBP", "1.25", D(2024, 1, 1))
    # Jan 1 itself uses the Jan 1 rate; May 31 still the Jan rate; June 1 the new.
    _event(venture, people, verify=True, amount=Decimal("100"), currency="EUR",
           date=D(2024, 1, 1))  # fmt: skip
    _event(venture, people, verify=True, amount=Decimal("100"), currency="EUR",
           date=D(2024, 5, 31))  # fmt: skip
    _event(venture, people, verify=True, amount=Decimal("100"), currency="EUR",
           date=D(2024, 6, 1))  # fmt: skip
    _event(venture, people, verify=True, amount=Decimal("7"), currency="USD")
    _event(venture, people, amount=Decimal("10"), currency="GBP", date=D(2024, 2, 1))
    totals = funding.funding_totals(FundingEvent.objects.filter(venture=venture))
    assert totals.base_currency == "USD"
    # 100 × 1.10 + 100 × 1.10 + 100 × 1.20 + 7 (already USD)
    assert totals.base_verified == Decimal("347.00")
    assert totals.base_reported == Decimal("12.50")
    assert totals.unconverted == []


@override_settings(BASE_CURRENCY="USD")
def test_events_before_any_rate_or_without_one_are_excluded_and_counted(
    venture, people
):
    _rate(people, "EUR", "2", D(2024, 6, 1))
    _event(venture, people, verify=True, amount=Decimal("100"), currency="EUR",
           date=D(2024, 5, 31))  # fmt: skip  # the day before the first rate
    _event(venture, people, verify=True, amount=Decimal("100"), currency="EUR",
           date=D(2024, 6, 2))  # fmt: skip
    _event(venture, people, verify=True, amount=Decimal("5"), currency="JPY")
    _event(venture, people, amount=Decimal("5"), currency="JPY")
    totals = funding.funding_totals(FundingEvent.objects.filter(venture=venture))
    assert totals.base_verified == Decimal("200.00")
    assert {(t.currency, t.unconverted) for t in totals.unconverted} == {
        ("EUR", 1),
        ("JPY", 2),
    }


@override_settings(BASE_CURRENCY="EUR")
def test_rates_into_another_base_are_not_used(venture, people):
    ExchangeRate.objects.create(
        currency="GBP", base_currency="USD", rate=Decimal("1.3"), valid_on=D(2020, 1, 1)
    )
    _event(venture, people, verify=True, amount=Decimal("10"), currency="GBP")
    totals = funding.funding_totals(FundingEvent.objects.filter(venture=venture))
    assert totals.base_currency == "EUR"
    assert totals.base_verified == Decimal("0.00")
    assert [(t.currency, t.unconverted) for t in totals.unconverted] == [("GBP", 1)]


# --------------------------------------------------------------------------------------
# Visibility
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees_reported"),
    [("anonymous", False), ("outsider", False), ("reviewer", False),
     ("owner", True), ("editor", True), ("staff", True)],
)  # fmt: skip
def test_visible_to_shows_reported_events_and_notes_to_team_and_staff_only(
    venture, people, persona, sees_reported
):
    verified = _event(venture, people, verify=True)
    reported = _event(venture, people)
    note = _event(venture, people, amount=None, note="free text")
    user = people[persona]
    if user is None:
        from django.contrib.auth.models import AnonymousUser

        user = AnonymousUser()
    for qs in (
        FundingEvent.objects.visible_to(user, venture),
        FundingEvent.objects.visible_to(user),
    ):
        expected = (
            {verified.pk, reported.pk, note.pk} if sees_reported else {verified.pk}
        )
        assert set(qs.values_list("pk", flat=True)) == expected


def test_a_deactivated_team_member_sees_only_public_events(venture, people):
    _event(venture, people)
    owner = people["owner"]
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    assert not FundingEvent.objects.visible_to(owner, venture).exists()


def test_update_stores_converted_values_and_skips_unchanged_ones(venture, people):
    event = funding.record_funding(venture, actor=people["owner"], **grant())
    changed = funding.update_funding(
        event, actor=people["owner"], date="2024-02-02", amount="1000.00"
    )
    assert changed == ["date"]
    assert event.date == D(2024, 2, 2)
    assert FundingEvent.objects.get(pk=event.pk).date == D(2024, 2, 2)
    audit = AuditEvent.objects.get(action="ventures.funding_update")
    assert audit.data["fields"] == ["date"]
