"""Pages for investment outcomes: the funding section of a venture's page,
the team's funding and impact forms, staff's verification queue and exchange
rates. Every change goes through ``ventures/funding/services.py``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hub.core.http import AuthedRequest
from hub.core.permissions import Forbidden, require
from ventures.funding import services as funding
from ventures.funding.forms import (
    ExchangeRateForm,
    FundingEventForm,
    ImpactSnapshotForm,
)
from ventures.models import ExchangeRate, FundingEvent, FundingStatus, Venture

QUEUE_PER_PAGE = 25
RATES_PER_PAGE = 50
#: Impact snapshots shown in a venture's history (newest first).
SNAPSHOT_HISTORY = 24


def funding_context(request: HttpRequest, venture: Venture) -> dict[str, Any]:
    """What the venture page shows of its funding and impact, for this person.

    Three queries: the visible events (with who recorded and verified them),
    their totals (one grouped query, rates as a subquery; skipped when no
    listed event has an amount) and the latest snapshots. The permission
    checks reuse the page's cached team lookup.
    """
    user = request.user
    events = FundingEvent.objects.visible_to(user, venture)
    listed = list(events.select_related("recorded_by", "verified_by"))
    can_verify = user.has_perm("ventures.verify_funding", venture)
    can_record = user.is_authenticated and user.has_perm(
        "ventures.record_funding", venture
    )
    for event in listed:
        event.can_change = can_record and (
            can_verify or event.status != FundingStatus.VERIFIED
        )
    snapshots = list(venture.impact_snapshots.all()[:SNAPSHOT_HISTORY])
    return {
        "funding_events": listed,
        # No amounts listed: nothing to add up, so no totals query.
        "funding_totals": funding.funding_totals(events)
        if any(event.amount is not None for event in listed)
        else funding.FundingTotals(base_currency=settings.BASE_CURRENCY),
        "can_record_funding": can_record,
        "can_verify_funding": can_verify,
        "can_see_reported": user.is_authenticated
        and user.has_perm("ventures.see_reported_funding", venture),
        "can_record_impact": user.is_authenticated
        and user.has_perm("ventures.record_impact", venture),
        "latest_snapshot": snapshots[0] if snapshots else None,
        "snapshots": snapshots,
    }


def _apply_errors(form: Any, error: ValidationError) -> None:
    """Show a service's ValidationError on the form (fields it knows, or the
    whole form)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
@require_http_methods(["GET", "POST"])
def funding_add(request: AuthedRequest, slug: str) -> HttpResponse:
    venture = get_object_or_404(Venture, slug=slug)
    require(request.user, "ventures.record_funding", venture)
    form = FundingEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            funding.record_funding(venture, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request, _("The funding event is recorded; staff will verify it.")
            )
            return redirect(venture)
    return render(
        request,
        "ventures/funding/event_form.html",
        {"form": form, "venture": venture, "event": None},
    )


def _get_changeable(request: HttpRequest, slug: str, pk: int) -> FundingEvent:
    event = funding.get_funding_for_user(request.user, slug, pk)
    if not funding.can_change_funding(request.user, event):
        raise Forbidden
    return event


@login_required
@require_http_methods(["GET", "POST"])
def funding_edit(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    event = _get_changeable(request, slug, pk)
    if request.method == "POST":
        # A fresh copy for the form, so a refused edit leaves ``event`` as saved.
        form = FundingEventForm(
            request.POST, instance=FundingEvent.objects.get(pk=event.pk)
        )
        if form.is_valid():
            try:
                funding.update_funding(event, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect(event.venture)
    else:
        form = FundingEventForm(instance=event)
    return render(
        request,
        "ventures/funding/event_form.html",
        {"form": form, "venture": event.venture, "event": event},
    )


@login_required
@require_POST
def funding_delete(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    event = _get_changeable(request, slug, pk)
    funding.delete_funding(event, actor=request.user)
    messages.success(request, _("The funding event is deleted."))
    return redirect(event.venture)


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
def funding_verify(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    event = funding.get_funding_for_user(request.user, slug, pk)
    require(request.user, "ventures.verify_funding", event.venture)
    try:
        if funding.verify_funding(event, actor=request.user):
            messages.success(request, _("The funding event is verified."))
        else:
            messages.info(request, _("The funding event was already verified."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_next_url(request, event.venture.get_absolute_url()))


@login_required
@require_http_methods(["GET", "POST"])
def impact_add(request: AuthedRequest, slug: str) -> HttpResponse:
    venture = get_object_or_404(Venture, slug=slug)
    require(request.user, "ventures.record_impact", venture)
    form = ImpactSnapshotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            funding.record_snapshot(venture, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The impact snapshot is recorded."))
            return redirect(venture)
    return render(
        request, "ventures/funding/impact_form.html", {"form": form, "venture": venture}
    )


@login_required
@require_GET
def verify_queue(request: AuthedRequest) -> HttpResponse:
    """Staff: reported events with an amount, across ventures, oldest first."""
    require(request.user, "ventures.verify_funding", None)
    qs = (
        FundingEvent.objects.reported()
        .filter(amount__isnull=False)
        .select_related("venture", "recorded_by")
        .order_by("created_at", "id")
    )
    page = Paginator(qs, QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "ventures/funding/verify_queue.html",
        {"page": page, "here": request.get_full_path()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def exchange_rates(request: AuthedRequest) -> HttpResponse:
    """Staff: the exchange rates into the base currency, and a form to add one."""
    require(request.user, "ventures.set_exchange_rate", None)
    form = ExchangeRateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            funding.set_exchange_rate(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The exchange rate is saved."))
            return redirect(reverse("funding-rates"))
    qs = ExchangeRate.objects.filter(
        base_currency=settings.BASE_CURRENCY
    ).select_related("entered_by")
    page = Paginator(qs, RATES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "ventures/funding/rates.html",
        {
            "form": form,
            "page": page,
            "base_currency": settings.BASE_CURRENCY,
        },
    )
