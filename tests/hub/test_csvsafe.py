"""CSV downloads neutralize spreadsheet formulas (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from hub.core.csvsafe import csv_response, csv_text, safe_cell
from tests.support.corpus import CORPUS

PAYLOADS = CORPUS / "bad-input"


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+1+1",
        "-1+1",
        "@SUM(1+1)",
        "\t=1",
        "\r=1",
        '=HYPERLINK("http://evil.example","click")',
        "=cmd|' /C calc'!A0",
    ],
)
def test_text_that_a_spreadsheet_would_evaluate_gets_an_apostrophe(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Transit ridership", "Transit ridership"),
        (Decimal("-12.50"), Decimal("-12.50")),  # numbers stay numbers
        (-3, -3),
        (None, ""),
        (True, "true"),
        (date(2026, 11, 22), "2026-11-22"),
    ],
)
def test_plain_values_are_left_alone(value, expected):
    assert safe_cell(value) == expected


def test_the_response_is_an_attachment_with_a_bom_and_every_cell_safe():
    response = csv_response(
        "ventures.csv", ["name", "amount"], [["=2+5", Decimal("10.00")], ["Ok", 1]]
    )
    assert response["Content-Disposition"] == 'attachment; filename="ventures.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["name", "amount"], ["'=2+5", "10.00"], ["Ok", "1"]]


def test_every_payload_of_the_owasp_csv_injection_page_is_neutralized():
    text = (PAYLOADS / "payloadsallthethings/CSV_Injection-README.md").read_text()
    payloads = [
        line.strip()
        for line in text.splitlines()
        if line.strip().startswith(("=", "+", "-", "@"))
        and not line.strip().startswith("---")
    ]
    assert len(payloads) >= 5
    rows = list(csv.reader(io.StringIO(csv_text(["cell"], [[p] for p in payloads]))))
    for (cell,) in rows[1:]:
        assert cell.startswith("'"), cell
