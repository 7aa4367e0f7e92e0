"""The catalog import page polls its job under the strict CSP: the progress
fragment refreshes itself every second until the job is done."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_progress_bar_follows_the_job_until_done(page_for, live_server):
    # The live server runs in this process, so it shares the local-memory cache
    # where import jobs keep their progress.
    key = "catalog-import:browserjob"
    cache.set(key, {"state": "running", "processed": 100, "source": "Big portal"})
    page = page_for("staff")
    page.goto(f"{live_server.url}/catalog/import/?job=browserjob")
    status = page.locator("#import-status-text")
    expect(status).to_contain_text("100 records processed")
    cache.set(key, {"state": "running", "processed": 4200, "source": "Big portal"})
    expect(status).to_contain_text("4200 records processed")
    expect(page.locator("#import-status progress")).to_have_attribute(
        "aria-valuenow", "4200"
    )
    cache.set(
        key,
        {
            "state": "done",
            "processed": 5000,
            "source": "Big portal",
            "line": "created=4999 updated=0 unchanged=0 withdrawn=0 skipped=1",
            "counts": {"skipped": 1},
            "skipped": [["x 1", "no title"]],
        },
    )
    expect(status).to_contain_text("created=4999", timeout=5000)
    expect(page.locator("#import-status")).not_to_have_attribute(
        "hx-trigger", "every 1s"
    )
    problems = [m for m in page.console_messages if m.startswith(("error", "warning"))]
    assert problems == [], problems
