"""CSV downloads that a spreadsheet cannot turn into formulas.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read as a formula by Excel, LibreOffice and Google Sheets (CSV injection,
OWASP). Spreadsheets also skip what comes before the trigger when it is
invisible (spaces, NUL and other control characters, zero-width and bidi
marks) and read the full-width ``＝＋－＠`` (and the minus sign ``−``) as the
ASCII ones. Such text cells get a leading apostrophe, which spreadsheets show
as text. Numbers are written as numbers, so ``-12.50`` stays a number, whether
it comes as a number or as text that is exactly a plain number.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from django.http import StreamingHttpResponse

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

#: What a spreadsheet reads as the start of a formula once the invisible lead
#: is skipped; a character whose compatibility form (NFKC) is one of the ASCII
#: triggers counts too: full-width ＝＋－＠, the small forms ﹦﹢﹣﹫.
_SIGNS = frozenset("=+-@\u2212")

#: Invisible before a trigger: controls (C0 with NUL, tab, CR, LF; DEL; C1),
#: format characters (zero-width space, BOM, bidi marks) and Unicode spaces.
_INVISIBLE = frozenset(("Cc", "Cf", "Zs", "Zl", "Zp"))

#: Text that is exactly a plain number stays a number ("-12.5", "+3", "1e6").
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def is_formula(text: str) -> bool:
    """Whether a spreadsheet could evaluate ``text`` (OWASP CSV injection)."""
    if text.startswith(FORMULA_TRIGGERS):
        return True
    for char in text:
        if char.isspace() or unicodedata.category(char) in _INVISIBLE:
            continue
        return char in _SIGNS or unicodedata.normalize("NFKC", char)[:1] in _SIGNS
    return False


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet evaluates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if is_formula(text) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Iterable[Any]]
) -> StreamingHttpResponse:
    """Stream ``rows`` as a UTF-8 CSV attachment (BOM first, for Excel)."""
    writer = csv.writer(_Echo())

    def lines() -> Iterable[str]:
        yield "\ufeff" + writer.writerow(safe_row(header))
        for row in rows:
            yield writer.writerow(safe_row(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def csv_text(header: Sequence[str], rows: Iterable[Iterable[Any]]) -> str:
    """The same CSV as one string (tests, small exports)."""
    response = csv_response("x.csv", header, rows)
    return b"".join(cast("Iterator[bytes]", response.streaming_content)).decode(
        "utf-8-sig"
    )
