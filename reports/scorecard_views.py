"""Program scorecards: all cards for staff (and a manager's own programs), one
program's card, and the targets form.

A program's scorecard and targets are for city staff and the program's
managers; anyone else gets 404, as on program pages they may not open.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from hub.core.http import AuthedRequest
from hub.core.permissions import Forbidden, is_city_staff, require
from programs import services
from programs.access import get_program_for_user
from programs.forms import ScorecardTargetsForm
from programs.models import Program
from reports.figures import cached
from reports.scorecards import (
    DEFAULT_DAYS,
    REVIEW_DAYS,
    STATUS_TEXT,
    Card,
    Period,
    scorecards,
)

#: Longest custom period (and so its previous period stays a real date).
MAX_DAYS = 3653


class PeriodForm(forms.Form):
    RECENT, QUARTER, YEAR, CUSTOM = "recent", "quarter", "year", "custom"
    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        required=False,
        choices=[
            (RECENT, gettext_lazy("Last 90 days")),
            (QUARTER, gettext_lazy("This quarter")),
            (YEAR, gettext_lazy("This year")),
            (CUSTOM, gettext_lazy("Custom dates")),
        ],
    )
    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("period") == self.CUSTOM:
            start, end = data.get("start"), data.get("end")
            if start is None:
                self.add_error("start", _("Give the first day of the period."))
            if end is None:
                self.add_error("end", _("Give the last day of the period."))
            if start and end and end < start:
                self.add_error("end", _("The last day is before the first day."))
            elif start and end and (end - start).days >= MAX_DAYS:
                self.add_error("end", _("A period is at most ten years long."))
        return data

    def chosen(self, today: datetime.date) -> Period:
        """The chosen period; the last 90 days when the form is not valid."""
        if not self.is_valid():
            return Period.last_days(DEFAULT_DAYS, today)
        data = self.cleaned_data
        kind = data.get("period") or self.RECENT
        if kind == self.QUARTER:
            month = 3 * ((today.month - 1) // 3) + 1
            return Period(today.replace(month=month, day=1), today)
        if kind == self.YEAR:
            return Period(today.replace(month=1, day=1), today)
        if kind == self.CUSTOM:
            return Period(data["start"], data["end"])
        return Period.last_days(DEFAULT_DAYS, today)


def _context(
    request: HttpRequest, programs: Any, scope: object, *, link: bool
) -> dict[str, Any]:
    """``scope`` names the set of programs for the figures cache; ``link``
    makes each card's heading a link to the program's own scorecard."""
    form = PeriodForm(request.GET or None)
    period = form.chosen(timezone.localdate())

    def compute() -> tuple[list[Card], str]:
        # The cards and their HTML, which only they, the base currency and
        # the language decide: cached together under the data version.
        cards = _with_display(scorecards(programs, period))
        html = render_to_string(
            "reports/_scorecard_cards.html",
            {"cards": cards, "link": link, "base_currency": settings.BASE_CURRENCY},
        )
        return cards, html

    parts = (scope, link, period.start, period.end, settings.BASE_CURRENCY)
    cards, cards_html = cached("scorecards", parts, compute)
    return {
        "form": form,
        "period": period,
        "previous": period.previous(),
        "cards": cards,
        "cards_html": cards_html,
        "review_days": REVIEW_DAYS,
        "base_currency": settings.BASE_CURRENCY,
    }


def _with_display(cards: list[Card]) -> list[Card]:
    """Each row's numbers as the card shows them, formatted once per distinct
    value and format: ``floatformat`` is Decimal arithmetic and localisation,
    and many cards repeat the same few numbers."""
    formatted = functools.cache(floatformat)
    status_texts = {status: str(text) for status, text in STATUS_TEXT.items()}
    row: Any  # the template's *_text fields are set on the rows here
    for card in cards:
        for row in card.rows:
            row.status_text = status_texts[row.status]  # one translation each
            if row.value is not None:
                row.value_text = formatted(row.value, "1" if row.is_share else "0g")
            if row.target is not None:
                row.target_text = formatted(row.target.target, "-2g")
            if row.delta_size is not None:
                row.delta_text = formatted(row.delta_size, "-1g")
                row.previous_text = formatted(row.previous, "-1g")
                # As {% blocktranslate %} would: the numbers into the message.
                change = {"delta": row.delta_text, "before": row.previous_text}
                if row.trend == "up":
                    row.trend_text = mark_safe(  # noqa: S308 - numbers in a msgstr
                        _("Up %(delta)s from %(before)s in the previous period")
                        % change
                    )
                elif row.trend == "down":
                    row.trend_text = mark_safe(  # noqa: S308 - numbers in a msgstr
                        _("Down %(delta)s from %(before)s in the previous period")
                        % change
                    )
    return cards


def _scorecard_program(request: HttpRequest, slug: str) -> Program:
    """The program if the user is staff or one of its managers; Http404 else."""
    program = get_program_for_user(request.user, slug)
    require(request.user, "programs.manage_program", program, hide=True)
    return program


@login_required
@require_GET
def scorecard_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    scope: str | tuple[str, int]
    if is_city_staff(user):
        programs, scope = Program.objects.all(), "all"
    else:
        programs, scope = Program.objects.filter(managers=user), ("managed", user.pk)
        if not programs.exists():
            raise Forbidden
    context = _context(request, programs, scope, link=True)
    return render(request, "reports/scorecards.html", context)


@login_required
@require_GET
def scorecard_detail(request: AuthedRequest, slug: str) -> HttpResponse:
    program = _scorecard_program(request, slug)
    context = _context(
        request,
        Program.objects.filter(pk=program.pk),
        ("program", program.pk),
        link=False,
    )
    context["program"] = program
    return render(request, "reports/scorecard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def scorecard_targets(request: AuthedRequest, slug: str) -> HttpResponse:
    program = _scorecard_program(request, slug)
    current = {t.indicator: t for t in program.scorecard_targets.all()}
    form = ScorecardTargetsForm(request.POST or None, targets=current)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.set_scorecard_targets(
                program, actor=request.user, specs=form.specs()
            )
        except services.ServiceError as error:
            form.add_error(None, str(error))
        else:
            if changed:
                messages.success(request, _("The targets are saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("programs-scorecard", slug=program.slug)
    return render(
        request,
        "reports/scorecard_targets.html",
        {"program": program, "form": form},
    )
