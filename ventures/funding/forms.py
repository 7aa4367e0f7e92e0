"""Forms for funding events, impact snapshots and exchange rates.

They validate what people type (clear errors, nothing saved); the services in
``ventures/funding/services.py`` check the same rules again for the API.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from hub.core.safelinks import validate_web_link
from ventures.funding.currencies import validate_currency
from ventures.funding.services import validate_not_future
from ventures.models import ExchangeRate, FundingEvent, ImpactSnapshot, RevenueBand

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def clean_currency_code(value: str | None) -> str:
    code = (value or "").strip().upper()
    validate_currency(code)
    return code


class CurrencyField(forms.CharField):
    """A three-letter ISO 4217 code; lower case is accepted and upper-cased."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("min_length", 3)
        kwargs.setdefault(
            "help_text", _("Three-letter ISO 4217 code, for example USD or EUR.")
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "size": "4"})

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return clean_currency_code(value) if value else value


class HttpURLField(forms.URLField):
    """A URL field that accepts only http(s) addresses (no ``javascript:``)."""

    default_validators = [URLValidator(schemes=["http", "https"]), validate_web_link]
    default_error_messages = {"invalid": _("Use an http:// or https:// address.")}


class FundingEventForm(forms.ModelForm):
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        min_value=Decimal("0"),
        max_digits=18,
        decimal_places=2,
        help_text=_(
            "At most two decimals. Leave empty to keep a note without an "
            "amount; notes are seen only by the team and staff."
        ),
        error_messages={"min_value": _("The amount cannot be negative.")},
    )
    currency = CurrencyField(label=_("Currency"))
    evidence_url = HttpURLField(
        label=_("Evidence URL"),
        max_length=1000,
        required=False,
        assume_scheme="https",
        help_text=_("A press release, grant letter or filing staff can check."),
    )

    class Meta:
        model = FundingEvent
        fields = [
            "kind",
            "amount",
            "currency",
            "date",
            "investors",
            "evidence_url",
            "note",
        ]
        widgets = {"date": DATE, "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("currency", settings.BASE_CURRENCY)

    def clean_date(self) -> Any:
        value = self.cleaned_data.get("date")
        validate_not_future(value)
        return value


class ImpactSnapshotForm(forms.ModelForm):
    class Meta:
        model = ImpactSnapshot
        fields = ["date", "full_time_jobs", "revenue_band", "customers", "source"]
        widgets = {"date": DATE}

    def clean_date(self) -> Any:
        value = self.cleaned_data.get("date")
        validate_not_future(value)
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            data.get("full_time_jobs") is None
            and data.get("customers") is None
            and data.get("revenue_band") in (None, "", RevenueBand.UNDISCLOSED)
            and not self.errors
        ):
            raise ValidationError(
                _("Give at least one figure: jobs, customers or a revenue band.")
            )
        return data


class ExchangeRateForm(forms.ModelForm):
    currency = CurrencyField(label=_("Currency"))
    rate = forms.DecimalField(
        label=_("Rate"),
        max_digits=20,
        decimal_places=8,
        help_text=_("How many units of the base currency one unit is worth."),
    )

    class Meta:
        model = ExchangeRate
        fields = ["currency", "rate", "valid_on"]
        widgets = {"valid_on": DATE}

    def clean_currency(self) -> str:
        code = self.cleaned_data["currency"]
        if code == settings.BASE_CURRENCY:
            raise ValidationError(
                _("%(code)s is the base currency; it needs no rate."),
                params={"code": code},
            )
        return code

    def clean_rate(self) -> Decimal:
        rate = self.cleaned_data["rate"]
        if rate <= 0:
            raise ValidationError(_("The rate must be greater than zero."))
        return rate
