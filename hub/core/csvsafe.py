"""CSV downloads that a spreadsheet cannot turn into formulas.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read as a formula by Excel, LibreOffice and Google Sheets (CSV injection,
OWASP). Such text cells get a leading apostrophe, which spreadsheets show as
text. Numbers are written as numbers, so ``-12.50`` stays a number.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from django.http import StreamingHttpResponse

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


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
    if text.startswith(FORMULA_TRIGGERS):
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
