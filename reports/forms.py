"""The dashboards' filter form (GET): date range, program, challenge, tag."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from challenges.models import Challenge
from hub.core.forms import LongSelect
from programs.models import Program

#: Dates outside this range are typos (and would overflow the month axis).
EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2100, 12, 31)


class DashboardFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("YYYY-MM-DD"),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("YYYY-MM-DD, included"),
    )
    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.only("slug", "name").order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All programs"),
        widget=LongSelect,
    )
    challenge = forms.ModelChoiceField(
        label=_("Challenge"),
        queryset=Challenge.objects.only("slug", "title").order_by("title"),
        to_field_name="slug",
        required=False,
        empty_label=_("All challenges"),
        widget=LongSelect,
    )
    tag = forms.ModelChoiceField(
        label=_("Tag"),
        queryset=Tag.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All tags"),
        widget=LongSelect,
    )

    def _in_range(self, name: str) -> dt.date | None:
        value = self.cleaned_data.get(name)
        if value and not (EARLIEST <= value <= LATEST):
            raise forms.ValidationError(
                _("Choose a date between %(first)s and %(last)s.")
                % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()}
            )
        return value

    def clean_date_from(self) -> dt.date | None:
        return self._in_range("date_from")

    def clean_date_to(self) -> dt.date | None:
        return self._in_range("date_to")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the range is before its start."))
        return data
