"""Every CSV the hub writes neutralizes the formula variants (issue 13): the
API exports, the open-data return report, the pipeline dashboard's charts and
the export zip's tables. Each writer gets the corpus of
:mod:`tests.support.csv_variants` from the database, as a person would put it
there, and every disguised trigger comes out behind an apostrophe while the
numbers around it come out unchanged."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from taggit.models import Tag

from challenges.models import Challenge
from hub.core.csvsafe import csv_response
from hub.export.writer import write_export
from programs.models import Program
from reports.charts import Chart, Series, chart_csv_response
from tests.support.builders import make_dataset, make_venture
from tests.support.csv_variants import FOR_WRITERS, NUMBER_TEXT, NUMBERS, stored
from ventures.models import DatasetUse, FundingEvent, FundingKind, FundingStatus

pytestmark = pytest.mark.django_db

#: How a number looks in the CSV: no apostrophe, nothing before it.
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _rows(body: bytes | str) -> list[list[str]]:
    text = body.decode("utf-8-sig") if isinstance(body, bytes) else body
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def _streamed(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return _rows(b"".join(response.streaming_content))


def _column(rows: list[list[str]], name: str) -> list[str]:
    index = rows[0].index(name)
    return [row[index] for row in rows[1:]]


def _neutralized(cells: list[str], variants: tuple[str, ...]) -> None:
    assert sorted(cells) == sorted("'" + v for v in variants)


def _numbers(cells: list[str]) -> None:
    assert cells
    for cell in cells:
        assert NUMBER.fullmatch(cell), cell


@pytest.fixture
def variants() -> tuple[str, ...]:
    return stored(FOR_WRITERS)


@pytest.fixture
def hostile_world(variants):
    """One venture, dataset, use and funding event per variant, each carrying
    it in every free-text field, and amounts with decimals."""
    for n, text in enumerate(variants):
        venture = make_venture(name=text, slug=f"hostile-{n}")
        dataset = make_dataset(text, publisher=text, keywords=[text])
        DatasetUse.objects.create(venture=venture, dataset=dataset, how=text)
        FundingEvent.objects.create(
            venture=venture,
            kind=FundingKind.GRANT,
            amount=Decimal("0.50") if n % 2 else Decimal("1000.00"),
            currency="USD",
            date=date(2026, 2, 1),
            status=FundingStatus.VERIFIED,
            investors=text,
            note=text,
        )


# API exports -----------------------------------------------------------------

API_COLUMNS = {
    "ventures": (["name"], ["id"]),
    "datasets": (["title", "publisher", "keywords"], ["id"]),
    "dataset-uses": (["venture", "dataset", "how"], ["id", "venture_id"]),
    "funding-events": (["venture", "investors", "note"], ["id", "amount"]),
}


@pytest.mark.parametrize("name", list(API_COLUMNS))
def test_every_api_csv_export_neutralizes_the_variants(
    hostile_world, variants, client_for, name
):
    rows = _streamed(client_for("staff").get(f"/api/v1/exports/{name}.csv"))
    text_columns, number_columns = API_COLUMNS[name]
    for column in text_columns:
        _neutralized(_column(rows, column), variants)
    for column in number_columns:
        _numbers(_column(rows, column))
    if name == "funding-events":
        assert "0.50" in _column(rows, "amount")


# The open-data return report -------------------------------------------------


@pytest.mark.parametrize("group", ["dataset", "publisher"])
def test_the_report_csv_neutralizes_the_variants(
    hostile_world, variants, client_for, settings, group
):
    settings.BASE_CURRENCY = "USD"
    params = {"date_from": "2026-01-01", "date_to": "2026-06-30", "group": group}
    rows = _streamed(client_for("staff").get("/report/open-data-return/csv/", params))
    _neutralized([row[0] for row in rows[1:]], variants)
    for index in range(len(rows[0]) - 7, len(rows[0])):
        _numbers([row[index] for row in rows[1:]])


# The pipeline dashboard ------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "make_group"),
    [
        (
            "by-challenge",
            lambda n, text: {
                "challenge": Challenge.objects.create(title=text, slug=f"v-{n}")
            },
        ),
        (
            "by-program",
            lambda n, text: {
                "program": Program.objects.create(name=text, slug=f"v-{n}")
            },
        ),
    ],
)
def test_the_dashboard_csvs_neutralize_the_variants(
    variants, people, make_idea, client_for, slug, make_group
):
    # A chart shows its top eight groups, so the variants come in batches of
    # eight, each batch's ideas with a tag to filter on.
    staff = client_for("staff")
    seen = []
    for start in range(0, len(variants), 8):
        batch = Tag.objects.create(name=f"batch {start}", slug=f"batch-{start}")
        for n, text in enumerate(variants[start : start + 8], start):
            make_idea(people["staff"], tags=[batch], **make_group(n, text))
        rows = _streamed(
            staff.get(f"/staff/dashboards/pipeline/{slug}.csv", {"tag": batch.slug})
        )
        seen += [row[0] for row in rows[1:]]
        _numbers([row[1] for row in rows[1:]])
    _neutralized(seen, variants)


def test_a_dashboard_chart_csv_keeps_numbers_and_neutralizes_labels(variants):
    chart = Chart(
        slug="x",
        title="X",
        kind="bar",
        labels=list(variants),
        series=[
            Series(
                variants[0], [NUMBERS[n % len(NUMBERS)] for n in range(len(variants))]
            )
        ],
    )
    rows = _rows(b"".join(chart_csv_response(chart, "x.csv").streaming_content))
    assert rows[0][1] == "'" + variants[0]
    _neutralized([row[0] for row in rows[1:]], variants)
    assert [row[1] for row in rows[1:]] == [
        str(NUMBERS[n % len(NUMBERS)]) for n in range(len(variants))
    ]


def test_text_that_is_a_plain_number_stays_a_number_in_a_download():
    response = csv_response("n.csv", ["n"], [[t] for t in NUMBER_TEXT])
    assert [row[0] for row in _rows(b"".join(response.streaming_content))[1:]] == list(
        NUMBER_TEXT
    )


# The export zip --------------------------------------------------------------

ZIP_COLUMNS = {
    "ventures": (["name"], ["id"]),
    "datasets": (["title", "publisher"], ["id", "source_id"]),
    "dataset_uses": (["how"], ["id", "venture_id", "dataset_id"]),
    "funding_events": (["investors", "note"], ["id", "amount"]),
}


def test_the_export_zips_csv_tables_neutralize_the_variants(hostile_world, variants):
    target = io.BytesIO()
    write_export(target)
    with zipfile.ZipFile(target) as archive:
        for stem, (text_columns, number_columns) in ZIP_COLUMNS.items():
            rows = _rows(archive.read(f"csv/{stem}.csv"))
            for column in text_columns:
                _neutralized(_column(rows, column), variants)
            for column in number_columns:
                _numbers(_column(rows, column))
        funding = _rows(archive.read("csv/funding_events.csv"))
        assert "0.50" in _column(funding, "amount")
