"""CSV downloads neutralize spreadsheet formulas (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from hub.core.csvsafe import csv_response, csv_text, safe_cell
from tests.support.corpus import CORPUS
from tests.support.csv_variants import DANGEROUS, HARMLESS, NUMBER_TEXT, NUMBERS

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


# Variants (issue 13): an invisible lead, full-width forms, the minus sign -----


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_trigger_after_an_invisible_lead_or_in_another_form_gets_an_apostrophe(
    value,
):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", NUMBERS)
def test_numbers_stay_numbers(value):
    assert safe_cell(value) is value


@pytest.mark.parametrize("value", NUMBER_TEXT + HARMLESS)
def test_plain_number_text_and_harmless_text_are_left_alone(value):
    assert safe_cell(value) == value


def test_the_whole_corpus_survives_a_csv_round_trip():
    values = [*DANGEROUS, *NUMBERS, *NUMBER_TEXT, *HARMLESS]
    text = csv_text(["cell"], [[v] for v in values])
    cells = [row[0] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    dangerous = len(DANGEROUS)
    assert cells[:dangerous] == ["'" + v for v in DANGEROUS]
    assert cells[dangerous:] == [str(v) for v in values[dangerous:]]
