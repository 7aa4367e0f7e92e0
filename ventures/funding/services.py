"""Investment outcomes: funding events, impact snapshots, exchange rates, totals.

Mutations follow the house rule: each service is atomic, checks permission
(``hub.core.permissions.Forbidden``, a ``PermissionDenied``), validates
(``ValidationError`` keyed by field), saves with ``update_fields`` and writes
the audit row. The pages in
``ventures/funding/views.py`` and the API call these same functions.

Who may do what (``ventures/rules.py``): the venture's team and city staff
record, edit and delete funding events and add impact snapshots; only staff
verify events and enter exchange rates. Once verified, an event can be edited
or deleted by staff only, and a staff edit keeps it verified.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub.core import audit
from hub.core.changes import assign_changed
from hub.core.permissions import Forbidden, require
from ventures.models import (
    ExchangeRate,
    FundingEvent,
    FundingStatus,
    ImpactSnapshot,
    Venture,
)

FUNDING_FIELDS = (
    "kind",
    "amount",
    "currency",
    "date",
    "investors",
    "evidence_url",
    "note",
)
SNAPSHOT_FIELDS = ("date", "full_time_jobs", "revenue_band", "customers", "source")

CENTS = Decimal("0.01")
#: Wide enough for an 18-digit amount times a 20-digit rate.
_MONEY = DecimalField(max_digits=40, decimal_places=10)


def validate_not_future(value: datetime.date | None) -> None:
    """Dates of funding, impact and rates are facts, so not later than today."""
    if value is not None and value > timezone.localdate():
        raise ValidationError(
            gettext_lazy("The date cannot be in the future."), code="future_date"
        )


def _only(fields: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(sorted(unknown))}")
    return fields


def _normalise(fields: dict[str, Any]) -> dict[str, Any]:
    if isinstance(fields.get("currency"), str):
        fields = {**fields, "currency": fields["currency"].strip().upper()}
    return fields


def _validate(obj: Any, *, exclude: list[str], dated: bool = True) -> None:
    """Field validators plus (if ``dated``) the not-in-the-future rule on
    ``obj.date``, raised together as one ValidationError keyed by field.

    Foreign keys are excluded (they would each cost a query); constraints are
    enforced by the field validators and, last, by the database.
    """
    errors: dict[str, list[str]] = {}
    try:
        obj.full_clean(
            exclude=exclude, validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    if dated and "date" not in errors:
        try:
            validate_not_future(obj.date)
        except ValidationError as error:
            errors["date"] = error.messages
    if errors:
        raise ValidationError(errors)


_FK = ["venture", "recorded_by", "verified_by"]


def _audit_data(event: FundingEvent) -> dict[str, Any]:
    return {
        "event": event.pk,
        "kind": event.kind,
        "amount": None if event.amount is None else str(event.amount),
        "currency": event.currency,
        "date": event.date.isoformat() if event.date else None,
        "status": event.status,
    }


def can_change_funding(user: Any, event: FundingEvent) -> bool:
    """Whether ``user`` may edit or delete ``event``: the team and staff while
    it is reported; staff alone once it is verified."""
    if user is None or not user.has_perm("ventures.record_funding", event.venture):
        return False
    return event.status != FundingStatus.VERIFIED or user.has_perm(
        "ventures.verify_funding", event.venture
    )


def _may_change(actor: Any, event: FundingEvent, message: str) -> None:
    require(actor, "ventures.record_funding", event.venture, message)
    if not can_change_funding(actor, event):
        raise Forbidden(
            _("This funding event is verified; only city staff change it now.")
        )


def get_funding_for_user(user: Any, venture_slug: str, pk: int) -> FundingEvent:
    """The funding event ``pk`` of the venture ``venture_slug`` if ``user`` may
    see it (``FundingEvent.objects.visible_to``); Http404 otherwise, so a
    reported event's existence does not leak."""
    return get_object_or_404(
        FundingEvent.objects.visible_to(user).select_related("venture"),
        pk=pk,
        venture__slug=venture_slug,
    )


@transaction.atomic
def record_funding(venture: Venture, *, actor: Any, **fields: Any) -> FundingEvent:
    """Record a funding event for ``venture`` (the team or staff); it starts
    as *reported*. ``fields``: kind, amount (None for a note), currency, date,
    investors, evidence_url, note."""
    require(
        actor,
        "ventures.record_funding",
        venture,
        _("Only the venture's team or staff record its funding."),
    )
    fields = _normalise(_only(fields, FUNDING_FIELDS))
    event = FundingEvent(
        venture=venture, recorded_by=actor, status=FundingStatus.REPORTED, **fields
    )
    _validate(event, exclude=_FK)
    event.save()
    audit.record(
        "ventures.funding_add", actor=actor, target=venture, **_audit_data(event)
    )
    return event


@transaction.atomic
def update_funding(event: FundingEvent, *, actor: Any, **fields: Any) -> list[str]:
    """Change a funding event; returns the changed field names.

    The team and staff edit reported events; a verified event is staff's
    alone to edit, and it stays verified.
    """
    _may_change(actor, event, _("Only the venture's team or staff edit its funding."))
    fields = _normalise(_only(fields, FUNDING_FIELDS))
    candidate = FundingEvent(
        **{f.attname: getattr(event, f.attname) for f in FundingEvent._meta.fields}
    )
    for name, value in fields.items():
        setattr(candidate, name, value)
    _validate(candidate, exclude=_FK)
    # The validated (type-converted) values, not the raw ones.
    cleaned = {name: getattr(candidate, name) for name in fields}
    changed = assign_changed(event, cleaned, FUNDING_FIELDS)
    if changed:
        audit.record(
            "ventures.funding_update",
            actor=actor,
            target=event.venture,
            fields=changed,
            **_audit_data(event),
        )
    return changed


@transaction.atomic
def delete_funding(event: FundingEvent, *, actor: Any) -> None:
    """Delete a funding event (the team while reported, staff always)."""
    _may_change(actor, event, _("Only the venture's team or staff delete its funding."))
    audit.record(
        "ventures.funding_delete",
        actor=actor,
        target=event.venture,
        **_audit_data(event),
    )
    event.delete()


@transaction.atomic
def verify_funding(event: FundingEvent, *, actor: Any) -> bool:
    """Staff confirm a reported event against its evidence; it becomes public.

    Returns False if it was already verified. A note (no amount) cannot be
    verified: there is nothing to confirm until it has an amount.
    """
    require(
        actor,
        "ventures.verify_funding",
        event.venture,
        _("Only city staff verify funding."),
    )
    if event.amount is None:
        raise ValidationError(
            {"amount": _("Add the amount before verifying this funding event.")}
        )
    if event.status == FundingStatus.VERIFIED:
        return False
    event.status = FundingStatus.VERIFIED
    event.verified_by = actor
    event.verified_at = timezone.now()
    event.save(update_fields=["status", "verified_by", "verified_at"])
    audit.record(
        "ventures.funding_verify",
        actor=actor,
        target=event.venture,
        **_audit_data(event),
    )
    return True


@transaction.atomic
def record_snapshot(venture: Venture, *, actor: Any, **fields: Any) -> ImpactSnapshot:
    """Record the venture's jobs, revenue band and customers at a date (the
    team or staff). At least one figure must be given."""
    require(
        actor,
        "ventures.record_impact",
        venture,
        _("Only the venture's team or staff record its impact."),
    )
    fields = _only(fields, SNAPSHOT_FIELDS)
    snapshot = ImpactSnapshot(venture=venture, recorded_by=actor, **fields)
    _validate(snapshot, exclude=["venture", "recorded_by"])
    if (
        snapshot.full_time_jobs is None
        and snapshot.customers is None
        and snapshot.revenue_band == "undisclosed"
    ):
        raise ValidationError(
            _("Give at least one figure: jobs, customers or a revenue band.")
        )
    snapshot.save()
    audit.record(
        "ventures.impact_add",
        actor=actor,
        target=venture,
        snapshot=snapshot.pk,
        date=snapshot.date.isoformat(),
        full_time_jobs=snapshot.full_time_jobs,
        revenue_band=snapshot.revenue_band,
        customers=snapshot.customers,
    )
    return snapshot


@transaction.atomic
def set_exchange_rate(
    *, actor: Any, currency: str, rate: Decimal, valid_on: datetime.date
) -> ExchangeRate:
    """Staff set the rate of ``currency`` into ``settings.BASE_CURRENCY`` from
    ``valid_on`` on (1 unit of currency = ``rate`` base units). Setting a rate
    for a day that already has one replaces it."""
    require(actor, "ventures.set_exchange_rate", None, _("Only city staff set rates."))
    base = settings.BASE_CURRENCY
    currency = (currency or "").strip().upper()
    if currency == base:
        raise ValidationError(
            {"currency": _("%(base)s is the base currency.") % {"base": base}}
        )
    if rate is None or rate <= 0:
        raise ValidationError({"rate": _("The rate must be greater than zero.")})
    existing = (
        ExchangeRate.objects.select_for_update()
        .filter(currency=currency, base_currency=base, valid_on=valid_on)
        .first()
    )
    old = None if existing is None else str(existing.rate)
    row = existing or ExchangeRate(
        currency=currency, base_currency=base, valid_on=valid_on
    )
    row.rate = rate
    row.entered_by = actor
    _validate(row, exclude=["entered_by"], dated=False)
    if existing is None:
        row.save()
    else:
        row.save(update_fields=["rate", "entered_by"])
    audit.record(
        "ventures.exchange_rate",
        actor=actor,
        target=row,
        currency=currency,
        base_currency=base,
        rate=str(row.rate),
        valid_on=valid_on.isoformat(),
        replaced=old,
    )
    return row


# --------------------------------------------------------------------------------------
# Totals
# --------------------------------------------------------------------------------------


@dataclass
class CurrencyTotal:
    """Sums of one currency, verified and reported apart."""

    currency: str
    verified: Decimal = Decimal("0")
    reported: Decimal = Decimal("0")
    verified_count: int = 0
    reported_count: int = 0
    #: Events in this currency left out of the base total for want of a rate.
    unconverted: int = 0


@dataclass
class FundingTotals:
    """Per-currency sums and the base-currency total of a set of events."""

    base_currency: str
    currencies: list[CurrencyTotal] = field(default_factory=list)
    base_verified: Decimal = Decimal("0")
    base_reported: Decimal = Decimal("0")

    @property
    def unconverted(self) -> list[CurrencyTotal]:
        return [c for c in self.currencies if c.unconverted]

    @property
    def has_reported(self) -> bool:
        return any(c.reported_count for c in self.currencies)


def rate_for_event(base_currency: str) -> Subquery:
    """The rate that converts an event (``OuterRef``) into ``base_currency``:
    of the staff-entered rates for the event's currency, the one whose
    ``valid_on`` is the latest on or before the event's date. None if there
    is none (the event predates every rate of its currency, or it has none).
    """
    return Subquery(
        ExchangeRate.objects.filter(
            currency=OuterRef("currency"),
            base_currency=base_currency,
            valid_on__lte=OuterRef("date"),
        )
        .order_by("-valid_on")
        .values("rate")[:1],
        output_field=DecimalField(max_digits=20, decimal_places=8),
    )


def funding_totals(
    events: QuerySet[FundingEvent], *, base_currency: str | None = None
) -> FundingTotals:
    """Totals of ``events`` (pass an already visibility-filtered queryset).

    One query: the events with an amount, grouped by currency and status,
    give each group's sum and count, its sum converted to the base currency
    and how many of its events had no rate. Conversion rule: each event is
    multiplied by the rate for its currency whose ``valid_on`` is the latest
    on or before the event's date (``rate_for_event``); events in the base
    currency count as they are. Events with no usable rate are excluded from
    the base total and counted per currency in ``unconverted``.
    """
    base = base_currency or settings.BASE_CURRENCY
    rate = Case(
        When(currency=base, then=Value(Decimal("1"))),
        default=rate_for_event(base),
        output_field=DecimalField(max_digits=20, decimal_places=8),
    )
    rows = (
        events.filter(amount__isnull=False)
        .annotate(rate=rate)
        .values("currency", "status")
        .annotate(
            total=Sum("amount"),
            n=Count("pk"),
            converted=Sum(
                ExpressionWrapper(F("amount") * F("rate"), output_field=_MONEY),
                output_field=_MONEY,
            ),
            missing=Count("pk", filter=Q(rate__isnull=True)),
        )
        .order_by("currency", "status")
    )
    totals = FundingTotals(base_currency=base)
    by_currency: dict[str, CurrencyTotal] = {}
    for row in rows:
        entry = by_currency.setdefault(
            row["currency"], CurrencyTotal(currency=row["currency"])
        )
        converted = Decimal(row["converted"] or 0)
        if row["status"] == FundingStatus.VERIFIED:
            entry.verified = Decimal(row["total"]).quantize(CENTS)
            entry.verified_count = row["n"]
            totals.base_verified += converted
        else:
            entry.reported = Decimal(row["total"]).quantize(CENTS)
            entry.reported_count = row["n"]
            totals.base_reported += converted
        entry.unconverted += row["missing"]
    totals.currencies = list(by_currency.values())
    totals.base_verified = totals.base_verified.quantize(CENTS)
    totals.base_reported = totals.base_reported.quantize(CENTS)
    return totals
