"""The API documentation page renders Swagger UI under the strict CSP: the
bundle and its start-up script load from our own origin, nothing is blocked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.builders import make_venture

pytestmark = pytest.mark.django_db(transaction=True)


def test_swagger_ui_renders_and_tries_a_public_endpoint(page_for, live_server):
    make_venture(name="Harbour Bikes")
    page = page_for("anonymous")
    page.goto(f"{live_server.url}/api/docs/")
    # Swagger UI draws the operations from the schema it fetched.
    operation = page.locator("#operations-ventures-ventures_list")
    expect(operation).to_be_visible()
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Clusterhub API")
    operation.locator(".opblock-summary").click()
    page.locator("button.try-out__btn").click()
    page.locator("button.execute").click()
    expect(page.locator(".live-responses-table")).to_contain_text("Harbour Bikes")
    problems = [
        m
        for m in page.console_messages
        if m.startswith("error") or "Content Security Policy" in m
    ]
    assert problems == [], problems
