"""Browser tests: Playwright driving the system Chromium, headless.

They skip (with the reason) only when Chromium is not installed; .ci/run
installs it. Playwright's sync API runs an event loop in this thread, so the
test body's ORM calls are allowed explicitly.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed: apt-get install chromium (.ci/run does)")  # fmt: skip
    from playwright.sync_api import sync_playwright

    # Only while the browser runs (the e2e tests run last, see tests/conftest.py).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch(sync_playwright)
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _launch(sync_playwright) -> Iterator[object]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page_for(browser, live_server, people):
    """A browser page, logged in as the persona (session cookie from Django)."""
    from django.conf import settings
    from django.test import Client

    contexts = []

    def make(persona: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        # live_server speaks HTTP only: pages' live sockets (/ws/...) get a
        # silent stand-in instead of a failed handshake. Live behaviour is
        # tested against a real Daphne (test_live_in_browser.py).
        context.route_web_socket(re.compile(r"/ws/"), lambda ws: None)
        user = people[persona]
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies(
                [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
            )
        page = context.new_page()
        page.console_messages = []
        page.on(
            "console", lambda m: page.console_messages.append(f"{m.type}: {m.text}")
        )
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def demo_staff_server(tmp_path_factory) -> Iterator[object]:
    """One Daphne server on the demo data with a signed-in staff session, for
    the browser tests that only look at pages (dashboards, scorecards):
    seeding it takes seconds, so they share it."""
    from pathlib import Path

    from tests.e2e.live_server_daphne import DEMO_STAFF_SEED, seeded_daphne

    tmp = Path(tmp_path_factory.mktemp("daphne-demo-staff"))
    with seeded_daphne(tmp, DEMO_STAFF_SEED) as daphne:
        yield daphne


@dataclass
class StaffPage:
    """A browser page signed in as the demo's staff person on the shared demo
    server; ``messages`` collects the console and page errors."""

    page: Any
    url: str
    messages: list[str]


@pytest.fixture
def demo_staff_page(browser, demo_staff_server) -> Iterator[StaffPage]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
    )
    server = demo_staff_server
    context.add_cookies(
        [{"name": "sessionid", "value": server.seeded["staff"], "url": server.url}]
    )
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: messages.append(f"error: {e}"))
    try:
        yield StaffPage(page, server.url, messages)
    finally:
        context.close()
