"""ISO 4217 currency codes, from pycountry's copy of the ISO registry."""

from __future__ import annotations

from functools import cache

import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@cache
def currency_codes() -> frozenset[str]:
    """Every active ISO 4217 alphabetic code (``USD``, ``EUR``, ``CAD``...)."""
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def currency_choices() -> list[tuple[str, str]]:
    return sorted((c.alpha_3, f"{c.alpha_3}: {c.name}") for c in pycountry.currencies)


def validate_currency(value: str) -> None:
    if value not in currency_codes():
        raise ValidationError(
            _("“%(value)s” is not an ISO 4217 currency code (for example USD or EUR)."),
            code="invalid_currency",
            params={"value": value},
        )
