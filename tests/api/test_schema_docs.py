"""The OpenAPI schema (valid, complete) and the documentation page, which
works under the site's strict Content-Security-Policy."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/datasets/": {"get"},
    "/api/v1/datasets/{id}/": {"get"},
    "/api/v1/catalog-sources/": {"get"},
    "/api/v1/catalog-sources/{id}/": {"get"},
    "/api/v1/ventures/": {"get", "post"},
    "/api/v1/ventures/{id}/": {"get", "put", "patch"},
    "/api/v1/dataset-uses/": {"get", "post"},
    "/api/v1/dataset-uses/{id}/": {"get", "put", "patch", "delete"},
    "/api/v1/funding-events/": {"get", "post"},
    "/api/v1/funding-events/{id}/": {"get", "put", "patch", "delete"},
    "/api/v1/funding-events/{id}/verify/": {"post"},
    "/api/v1/impact-snapshots/": {"get", "post"},
    "/api/v1/impact-snapshots/{id}/": {"get"},
    "/api/v1/exports/ventures.{fmt}": {"get"},
    "/api/v1/exports/datasets.{fmt}": {"get"},
    "/api/v1/exports/dataset-uses.{fmt}": {"get"},
    "/api/v1/exports/funding-events.{fmt}": {"get"},
}


def test_the_schema_lists_every_endpoint(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Clusterhub API"
    paths = {path: set(ops) - {"parameters"} for path, ops in schema["paths"].items()}
    assert paths == ENDPOINTS
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_schema_documents_filters_and_pagination(client):
    schema = json.loads(client.get("/api/v1/schema/?format=json").content)
    params = {
        p["name"]
        for p in schema["paths"]["/api/v1/funding-events/"]["get"]["parameters"]
    }
    assert params == {
        "page",
        "page_size",
        "venture",
        "kind",
        "status",
        "currency",
        "date_from",
        "date_to",
    }
    dataset_params = {
        p["name"] for p in schema["paths"]["/api/v1/datasets/"]["get"]["parameters"]
    }
    assert {"q", "source", "publisher", "keyword", "withdrawn"} <= dataset_params
    assert {"modified_from", "modified_to"} <= dataset_params


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert yaml.safe_load(out.read_text())["paths"]


class Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str | None] = []
        self.inline: list[str] = []
        self.styles = 0
        self.handlers: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.handlers += [k for k in a if k.startswith("on")]
        if "style" in a:
            self.handlers.append("style")
        if tag == "script":
            self.sources.append(a.get("src"))
            self._in_script = a.get("src") is None
        if tag == "style":
            self.styles += 1

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append(data)


@pytest.mark.parametrize("persona", ["anonymous", "owner"])
def test_the_docs_page_obeys_the_csp(client_for, persona):
    response = client_for(persona).get("/api/docs/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    parsed = Scripts()
    parsed.feed(response.content.decode())
    assert parsed.inline == [] and parsed.styles == 0 and parsed.handlers == []
    assert None not in parsed.sources
    # Swagger UI from our own static files (the sidecar), no CDN.
    for src in parsed.sources:
        assert src.startswith("/"), src
    bundles = [s for s in parsed.sources if "swagger-ui" in s]
    assert len(bundles) == 2
    for src in bundles:
        assert finders.find(src.removeprefix("/static/")), src
    init = [s for s in parsed.sources if s.startswith("/api/docs/")]
    assert init == ["/api/docs/?script="]


def test_the_docs_init_script_is_a_separate_file(client):
    response = client.get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    body = response.content.decode()
    assert re.search(r'url: "/api/v1/schema/"', body)
    assert "SwaggerUIBundle(" in body
    assert "Content-Security-Policy" in response


def test_the_docs_page_links_the_token_page_when_signed_in(client_for):
    assert (
        "/accounts/api-token/" in client_for("owner").get("/api/docs/").content.decode()
    )
    assert (
        "/accounts/api-token/"
        not in client_for("anonymous").get("/api/docs/").content.decode()
    )
