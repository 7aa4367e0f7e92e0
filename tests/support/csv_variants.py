"""Cells a spreadsheet would run as formulas, in the disguises that slipped
through before (issue 13): an invisible lead before the trigger, full-width
and other compatibility forms of the trigger, the minus sign. And the values
that must come out unchanged: numbers, text that is exactly a number, text
that only looks close."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

#: What a spreadsheet skips before it looks for the trigger.
LEADS = (
    "",
    " ",
    "   ",
    "\x00",
    "\x00\x00",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x1f",
    "\x7f",
    "\x85",  # C1 next line
    "\u00a0",  # no-break space
    "\u2003",  # em space
    "\u3000",  # ideographic space
    "\u200b",  # zero-width space
    "\ufeff",  # byte order mark
    "\u202e",  # right-to-left override
    " \x00\t\u00a0",
)

#: ASCII triggers, their full-width and small forms, and the minus sign.
TRIGGERS = ("=", "+", "-", "@", "＝", "＋", "－", "＠", "−", "﹦", "﹢", "﹣", "﹫")

BODY = 'HYPERLINK("http://evil.example","x")+cmd|\' /C calc\'!A0'

#: Every lead before every trigger (the csvsafe test drives them all).
DANGEROUS = tuple(lead + trigger + BODY for lead in LEADS for trigger in TRIGGERS)

#: Every lead before "=", every trigger alone and after a space and a NUL: the
#: set driven through each writer, whose rows go through the database.
FOR_WRITERS = tuple(
    dict.fromkeys(
        [lead + "=" + BODY for lead in LEADS]
        + [lead + t + BODY for t in TRIGGERS for lead in ("", " ", "\x00")]
    )
)

#: Numbers, as numbers: written as they are.
NUMBERS = (0, 7, -3, -12.5, 1e6, Decimal("-12.50"), Decimal("0.00"))

#: Text that is exactly a plain number stays a number too.
NUMBER_TEXT = ("0", "42", "-12.5", "-12.50", "+3", "-.5", "12.", "1e6", "-2E-3")

#: Text that is safe as it is.
HARMLESS = (
    "Transit ridership",
    " leading space",
    "a=b",
    "e-mail",
    "\u00a0Café",
    "１２",  # full-width digits are not a trigger
    "'already quoted",
    "",
)


def stored(variants: tuple[str, ...]) -> tuple[str, ...]:
    """The variants this database can hold (PostgreSQL text refuses NUL)."""
    if connection.vendor == "postgresql":
        return tuple(v for v in variants if "\x00" not in v)
    return variants
