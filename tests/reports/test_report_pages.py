"""The open-data return report page and its CSV export: filters, sorting, bad
input, the table and the CSV agreeing, formula injection and query budgets."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse

from tests.reports.report_world import RANGE, build_world, dataset, grow, use
from tests.support.accessibility import audit

pytestmark = pytest.mark.django_db

URL = "/report/open-data-return/"
CSV_URL = "/report/open-data-return/csv/"


@pytest.fixture(autouse=True)
def _base_currency(settings):
    settings.BASE_CURRENCY = "USD"


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def staff(client_for):
    """Staff see the reported columns too."""
    return client_for("staff")


class TableParser(HTMLParser):
    """The report table's body rows as lists of cell texts, and its sorted header."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.sorted: list[tuple[str, str]] = []  # (aria-sort, header text)
        self._in_body = False
        self._cell: list[str] | None = None
        self._sorted_th: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag in {"td", "th"}:
            self._cell = []
            self._sorted_th = a.get("aria-sort")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag in {"td", "th"} and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if self._in_body:
                self.rows[-1].append(text)
            elif self._sorted_th:
                self.sorted.append((self._sorted_th, text))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse(response: Any) -> TableParser:
    parser = TableParser()
    parser.feed(response.content.decode())
    return parser


def csv_rows(response: Any) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_page_shows_both_rules_side_by_side(world, staff):
    response = staff.get(URL, RANGE)
    assert response.status_code == 200
    table = parse(response)
    assert table.rows == [
        ["Bus stops", "Transit Agency", "City portal", "2",
         "1100.00", "500.00", "14", "433.33", "300.00", "7.3"],
        ["Bus routes", "Transit Agency", "State portal", "1",
         "1000.00", "300.00", "10", "333.33", "100.00", "3.3"],
        ["Street trees withdrawn", "Parks Department", "City portal", "2",
         "1000.00", "300.00", "10", "333.33", "100.00", "3.3"],
    ]  # fmt: skip
    assert table.sorted == [("descending", "Verified investment")]
    body = response.content.decode()
    assert "<caption>" in body and 'scope="colgroup"' in body
    assert 'scope="row"' in body
    assert f'href="{reverse("datasets-detail", args=[world.trees.pk])}"' in body
    # The currency rule and what it leaves out.
    assert "Amounts are in USD only" in body
    assert "1 funding event in another currency (EUR) is left out" in body
    # The rules are stated on the page.
    assert "credited once per venture" in body
    assert "gives each of them one N-th" in body


def test_anyone_sees_the_verified_columns_and_the_jobs(world, client):
    response = client.get(URL, RANGE)
    assert parse(response).rows[0] == [
        "Bus stops", "Transit Agency", "City portal", "2", "1100.00", "14", "433.33", "7.3",
    ]  # fmt: skip
    body = response.content.decode()
    assert "Reported investment" not in body and 'colspan="2"' in body
    assert "only the city's staff see them" in body
    header = csv_rows(client.get(CSV_URL, RANGE))[0]
    assert not [label for label in header if "reported" in label]
    # Their order would give them away too.
    refused = client.get(URL, {**RANGE, "sort": "full_reported"}).content.decode()
    assert "Sort by one of the table&#x27;s columns." in refused
    assert client.get(CSV_URL, {"sort": "split_reported"}).status_code == 400


def test_publisher_and_source_groupings(world, staff):
    client = staff
    publishers = parse(client.get(URL, {**RANGE, "group": "publisher"})).rows
    assert publishers == [
        ["Transit Agency", "2", "2", "1100.00", "500.00", "14",
         "766.67", "400.00", "10.7"],
        ["Parks Department", "1 (1 withdrawn)", "2", "1000.00", "300.00", "10",
         "333.33", "100.00", "3.3"],
    ]  # fmt: skip
    sources = parse(client.get(URL, {**RANGE, "group": "source"})).rows
    assert [row[:3] for row in sources] == [
        ["City portal", "2 (1 withdrawn)", "3"],
        ["State portal", "1", "1"],
    ]
    body = client.get(URL, {**RANGE, "group": "source"}).content.decode()
    assert f"?source={world.city.pk}&amp;withdrawn=on" in body


def test_the_date_filter_and_the_currency_selector(world, staff):
    client = staff
    everything = parse(client.get(URL)).rows
    assert everything[0][:5] == [
        "Bus stops",
        "Transit Agency",
        "City portal",
        "2",
        "2100.00",
    ]
    in_euro = client.get(URL, {**RANGE, "currency": "EUR"})
    assert parse(in_euro).rows[0][4] == "600.00"
    body = in_euro.content.decode()
    assert "4 funding events in other currencies (USD) are left out" in body
    assert '<option value="EUR" selected>EUR</option>' in body
    default = client.get(URL).content.decode()
    assert '<option value="USD" selected>USD</option>' in default


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sort": "split_verified", "order": "asc"},
         ["Bus routes", "Street trees withdrawn", "Bus stops"]),
        ({"sort": "ventures"}, ["Bus stops", "Street trees withdrawn", "Bus routes"]),
        ({"sort": "name"}, ["Bus routes", "Bus stops", "Street trees withdrawn"]),
        ({"sort": "name", "order": "desc"},
         ["Street trees withdrawn", "Bus stops", "Bus routes"]),
    ],
)  # fmt: skip
def test_sorting_by_the_query_string(world, staff, params, expected):
    table = parse(staff.get(URL, {**RANGE, **params}))
    assert [row[0] for row in table.rows] == expected


def test_a_sort_datasets_lack_falls_back_to_the_default(world, staff):
    # What the filter form sends after switching from publishers to datasets.
    response = staff.get(URL, {**RANGE, "sort": "datasets", "order": "asc"})
    table = parse(response)
    assert table.sorted == [("descending", "Verified investment")]
    assert [row[0] for row in table.rows][0] == "Bus stops"


def test_the_filter_form_keeps_the_sort(world, staff):
    body = staff.get(URL, {**RANGE, "sort": "ventures", "order": "asc"}).content
    assert b'<input type="hidden" name="sort" value="ventures">' in body
    assert b'<input type="hidden" name="order" value="asc">' in body


def test_sort_links_flip_the_order_and_keep_the_filters(world, client):
    body = client.get(URL, {**RANGE, "currency": "EUR", "sort": "ventures"}).content
    html = body.decode()
    kept = (
        "group=dataset&amp;currency=EUR&amp;date_from=2026-01-01&amp;date_to=2026-06-30"
    )
    assert (
        f'aria-sort="descending"><a href="?{kept}&amp;sort=ventures&amp;order=asc"'
        in html
    )
    assert f'<a href="?{kept}&amp;sort=full_jobs&amp;order=desc"' in html
    assert (
        f'href="/report/open-data-return/csv/?{kept}&amp;sort=ventures&amp;order=desc"'
        in html
    )


def test_the_table_pages_and_keeps_filters_and_sort(world, client):
    for n in range(55):
        use(world.birch, dataset(world.state, f"Extra {n:02}", "Extra"))
    params = {**RANGE, "sort": "name", "order": "asc"}
    first = client.get(URL, params)
    assert len(parse(first).rows) == 50
    assert "sort=name&amp;order=asc&amp;page=2" in first.content.decode()
    second = client.get(URL, {**params, "page": 2})
    assert [row[0] for row in parse(second).rows][-1] == "Street trees withdrawn"
    assert len(parse(second).rows) == 8


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-13-45"}, "From (funding date): Enter a valid date."),
        ({"date_to": "yesterday"}, "To (funding date and jobs): Enter a valid date."),
        ({"date_from": "2026-06-01", "date_to": "2026-01-01"},
         "The end date is before the start date."),
        ({"currency": "XYZ"}, "No funding is recorded in XYZ"),
        ({"sort": "id); drop table"}, "Sort by one of the table&#x27;s columns."),
        ({"order": "sideways"}, "ascending or descending"),
        ({"group": "venture"}, "Select a valid choice."),
    ],
)  # fmt: skip
def test_bad_input_is_a_clear_error_not_a_500(world, client, params, message):
    response = client.get(URL, params)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body and message in body
    assert "<table" not in body
    export = client.get(CSV_URL, params)
    assert export.status_code == 400
    assert "The report cannot be exported" in export.content.decode()


def test_a_bad_date_keeps_what_was_typed(world, client):
    body = client.get(URL, {"date_from": "2026-13-45"}).content.decode()
    assert 'value="2026-13-45"' in body and 'aria-invalid="true"' in body


@pytest.mark.parametrize("group", ["dataset", "publisher", "source"])
def test_the_csv_is_the_table(world, staff, group):
    params = {**RANGE, "group": group, "sort": "split_jobs", "order": "asc"}
    table = parse(staff.get(URL, params)).rows
    rows = csv_rows(staff.get(CSV_URL, params))
    header, body = rows[0], rows[1:]
    assert header[-7:] == [
        "Ventures",
        "Full credit: verified investment (USD)",
        "Full credit: reported investment (USD)",
        "Full credit: jobs",
        "Equal split: verified investment (USD)",
        "Equal split: reported investment (USD)",
        "Equal split: jobs",
    ]
    assert [row[-7:] for row in body] == [row[-7:] for row in table]
    if group == "dataset":
        assert [row[:4] for row in body] == [
            ["Bus routes", "Transit Agency", "State portal", "false"],
            ["Street trees", "Parks Department", "City portal", "true"],
            ["Bus stops", "Transit Agency", "City portal", "false"],
        ]
    else:
        assert [row[0] for row in body] == [row[0] for row in table]


def test_the_public_csv_is_the_public_table(world, client):
    params = {**RANGE, "group": "publisher"}
    table = parse(client.get(URL, params)).rows
    body = csv_rows(client.get(CSV_URL, params))[1:]
    assert [row[-5:] for row in body] == [row[-5:] for row in table]
    assert body[0] == [
        "Transit Agency", "2", "0", "2", "1100.00", "14", "766.67", "10.7",
    ]  # fmt: skip


def test_the_csv_neutralizes_formulas(world, staff):
    client = staff
    evil = dataset(world.city, '=HYPERLINK("https://evil.example","Click")', "@Ops")
    use(world.birch, evil)
    rows = csv_rows(client.get(CSV_URL, {"sort": "name", "order": "asc"}))
    assert rows[1][:2] == ['\'=HYPERLINK("https://evil.example","Click")', "'@Ops"]
    publishers = csv_rows(client.get(CSV_URL, {"group": "publisher", "sort": "name"}))
    assert ["'@Ops", "1", "0"] in [row[:3] for row in publishers]


def test_no_uses_yet_says_so(client):
    body = client.get(URL).content.decode()
    assert "No venture has listed a dataset yet" in body
    assert csv_rows(client.get(CSV_URL))[1:] == []


def test_the_report_is_linked_from_the_nav_and_the_datasets_list(client):
    nav = client.get("/").content.decode()
    assert f'href="{URL}"' in nav
    assert f'href="{URL}"' in client.get(reverse("datasets-list")).content.decode()
    page = client.get(URL).content.decode()
    assert f'href="{URL}" aria-current="page"' in page


@pytest.mark.parametrize("extra", [0, 27])  # 3 and 30 ventures using datasets
@pytest.mark.parametrize("group", ["dataset", "publisher", "source"])
def test_the_page_runs_a_constant_number_of_queries(
    world, client, django_assert_num_queries, extra, group
):
    grow(extra, world)
    # Currencies for the selector; events left out per other currency; the
    # paginator's count; one page of grouped rows with every figure; the data
    # version, read for the currencies and for the page (reports/figures.py).
    with django_assert_num_queries(6):
        response = client.get(URL, {**RANGE, "group": group})
    assert response.status_code == 200
    assert len(response.context["rows"]) >= 2
    # Until the data changes, the figures come from the cache.
    with django_assert_num_queries(2):
        again = client.get(URL, {**RANGE, "group": group})
    assert again.context["rows"] == response.context["rows"]


@pytest.mark.parametrize("extra", [0, 27])
def test_the_staff_page_runs_a_constant_number_of_queries(
    world, staff, django_assert_num_queries, extra
):
    grow(extra, world)
    # Session and user; the six report queries as above; the bell's count.
    with django_assert_num_queries(9):
        response = staff.get(URL, {**RANGE, "group": "publisher"})
    assert response.context["show_reported"]
    with django_assert_num_queries(5):  # the figures from the cache
        staff.get(URL, {**RANGE, "group": "publisher"})


@pytest.mark.parametrize("extra", [0, 27])
@pytest.mark.parametrize("group", ["dataset", "publisher", "source"])
def test_the_csv_runs_a_constant_number_of_queries(
    world, client, django_assert_num_queries, extra, group
):
    grow(extra, world)
    # Currencies (to validate the choice) and the data version they are cached
    # under; every grouped row with its figures.
    with django_assert_num_queries(3):
        rows = csv_rows(client.get(CSV_URL, {**RANGE, "group": group}))
    assert len(rows) >= 3


def test_datasets_without_a_publisher_are_one_group(world, client):
    use(world.birch, dataset(world.city, "Anonymous set", ""))
    params = {"group": "publisher", "sort": "name", "order": "asc"}
    rows = parse(client.get(URL, params)).rows
    assert ["No publisher stated", "1", "1"] in [row[:3] for row in rows]
    exported = csv_rows(client.get(CSV_URL, params))
    assert ["No publisher stated", "1", "0", "1"] in [row[:4] for row in exported]


@pytest.mark.parametrize("group", ["dataset", "publisher", "source"])
@pytest.mark.parametrize("persona", ["anonymous", "staff"])
def test_the_filled_table_passes_the_structural_audit(
    world, client_for, persona, group
):
    response = client_for(persona).get(URL, {**RANGE, "group": group})
    assert "<table" in response.content.decode()
    assert audit(response.content.decode()) == []
