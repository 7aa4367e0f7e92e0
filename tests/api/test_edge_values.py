"""Out-of-range and malformed query values: a 400 naming the parameter on
every list and every streamed export, decided before any row is read (so an
export never starts a stream it cannot finish), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

BIG = "99999999999999999999"  # beyond 64 bits
INTEGERS = [BIG, "9223372036854775808", "0", "-1", "1.5", "abc", "1e3"]
DATES = ["2024-13-01", "2024-02-30", "99999-01-01", "yesterday"]

# Each list and export with its integer, date, choice and boolean parameters.
LISTS = {
    "/api/v1/datasets/": {"int": ["source"], "date": ["modified_from", "modified_to"]},
    "/api/v1/catalog-sources/": {},
    "/api/v1/ventures/": {"choice": ["status"]},
    "/api/v1/dataset-uses/": {"int": ["venture", "dataset"], "choice": ["extent"]},
    "/api/v1/funding-events/": {
        "int": ["venture"],
        "choice": ["kind", "status"],
        "date": ["date_from", "date_to"],
    },
    "/api/v1/impact-snapshots/": {
        "int": ["venture"],
        "date": ["date_from", "date_to"],
    },
}
EXPORTS = {
    f"/api/v1/exports/{name}.{fmt}": LISTS[f"/api/v1/{name}/"]
    for name in ("ventures", "datasets", "dataset-uses", "funding-events")
    for fmt in ("csv", "json")
}


def _cases(endpoints: dict[str, dict[str, list[str]]]) -> list[tuple[str, str, str]]:
    cases = []
    for url, kinds in endpoints.items():
        cases += [(url, p, v) for p in kinds.get("int", []) for v in INTEGERS]
        cases += [(url, p, v) for p in kinds.get("date", []) for v in DATES]
        cases += [(url, p, "nope") for p in kinds.get("choice", [])]
    return cases


PAGES = [
    (url, param, value)
    for url in LISTS
    for param in ("page", "page_size")
    for value in ("0", "-1", "abc", "2.5", BIG)
]


def assert_names(response, param: str) -> None:
    assert response.status_code == 400, response.content[:300]
    assert not response.streaming
    body = response.json()
    assert list(body) == [param] and body[param], body


@pytest.mark.parametrize(("url", "param", "value"), _cases(LISTS) + PAGES)
def test_a_list_refuses_a_bad_value_naming_the_parameter(
    api_for, world, url, param, value
):
    assert_names(api_for("anonymous").get(url, {param: value}), param)


@pytest.mark.parametrize(("url", "param", "value"), _cases(EXPORTS))
def test_an_export_refuses_a_bad_value_before_streaming(
    api_for, world, url, param, value
):
    assert_names(api_for("staff").get(url, {param: value}), param)


def test_the_message_gives_the_bound(api_for, world):
    response = api_for("anonymous").get("/api/v1/dataset-uses/", {"venture": BIG})
    assert response.json() == {
        "venture": ["Ensure this value is less than or equal to 9223372036854775807."]
    }
    response = api_for("anonymous").get("/api/v1/ventures/", {"page": "0"})
    assert response.json() == {
        "page": ["Ensure this value is greater than or equal to 1."]
    }


def test_a_bad_boolean_is_refused(api_for, world):
    for url in ("/api/v1/datasets/", "/api/v1/exports/datasets.json"):
        assert_names(api_for("anonymous").get(url, {"withdrawn": "maybe"}), "withdrawn")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/dataset-uses/",
        "/api/v1/funding-events/",
        "/api/v1/impact-snapshots/",
        "/api/v1/exports/dataset-uses.json",
        "/api/v1/exports/funding-events.csv",
    ],
)
def test_the_largest_id_reaches_the_database_and_finds_nothing(api_for, world, url):
    response = api_for("staff").get(url, {"venture": "9223372036854775807"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else None
    if url.endswith(".json"):
        assert body == b"[\n]\n"
    elif url.endswith(".csv"):
        assert body is not None and len(body.splitlines()) == 1  # the header
    else:
        assert response.json()["count"] == 0


def test_a_page_past_the_last_is_still_404_and_a_big_size_still_capped(api_for, world):
    client = api_for("anonymous")
    assert (
        client.get("/api/v1/ventures/", {"page": "9223372036854775807"}).status_code
        == 404
    )
    body = client.get("/api/v1/ventures/", {"page_size": "9223372036854775807"}).json()
    assert body["count"] == 2 and len(body["results"]) == 2
    assert client.get("/api/v1/ventures/", {"page": "last"}).status_code == 200


def test_the_schema_documents_the_bounds_and_the_errors(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    get = schema["paths"]["/api/v1/dataset-uses/"]["get"]
    params = {p["name"]: p["schema"] for p in get["parameters"]}
    assert params["venture"]["maximum"] == 2**63 - 1
    assert params["page"]["minimum"] == 1 and params["page_size"]["minimum"] == 1
    assert {"200", "400", "404"} <= set(get["responses"])
    export = schema["paths"]["/api/v1/exports/funding-events.{fmt}"]["get"]
    body = export["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    assert "400" in export["responses"]
