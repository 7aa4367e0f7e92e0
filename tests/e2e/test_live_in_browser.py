"""Live pages in two browsers, through a real Daphne: a comment posted by one
person appears on another's open page without a reload (their half-written
comment untouched) and rings their bell; the staff board picks up a move,
but not while a move form on it is open.

The server is a subprocess on its own SQLite file (live_server_daphne.py), so
these tests use no pytest-django database. Waits are Playwright locator waits:
the strict CSP forbids its eval-based ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.live_server_daphne import ONCE_PER_CI, DaphneServer, seeded_daphne

pytestmark = ONCE_PER_CI

LIVE = 10_000  # ms: generous for a loaded CI machine

# People, one idea in "proposed" (with a comment thread) and one draft the
# team submits while staff watch the board; a session per person.
SEED = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from hub.core.models import Role, User
from ideas.models import Idea, TeamMembership, TeamRole

def person(key, name, role=Role.ENTREPRENEUR):
    return User.objects.create_user(
        email=key + "@example.org", password=None, display_name=name, role=role
    )

owner = person("owner", "Owen Owner")
editor = person("editor", "Ed Editor")
staff = person("staff", "Sam Staff", Role.STAFF)

def idea(title, stage):
    made = Idea.objects.create(
        owner=owner, title=title, pitch="Bikes for all.", problem="Too few bikes.",
        solution="Shared bikes.", stage=stage,
    )
    TeamMembership.objects.create(idea=made, user=editor, role=TeamRole.EDITOR)
    return made.pk

out = {"talk": idea("Harbour bikes", "proposed"), "draft": idea("Curb slots", "draft")}
for key, user in (("owner", owner), ("editor", editor), ("staff", staff)):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    out[key] = session.session_key
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[DaphneServer]:
    with seeded_daphne(Path(tmp_path_factory.mktemp("daphne-live")), SEED) as daphne:
        yield daphne


@pytest.fixture
def person(browser, server) -> Iterator:
    """``person("owner")``: a browser context with that person's session."""
    contexts = []

    def open_as(key: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        context.add_cookies(
            [{"name": "sessionid", "value": server.seeded[key], "url": server.url}]
        )
        page = context.new_page()
        page.console_messages = []
        page.on(
            "console", lambda m: page.console_messages.append(f"{m.type}: {m.text}")
        )
        page.on("pageerror", lambda e: page.console_messages.append(f"error: {e}"))
        return page

    yield open_as
    for context in contexts:
        context.close()


def connected(page, region_id: str) -> None:
    expect(page.locator(f"#{region_id}")).to_have_attribute(
        "data-live-state", "connected", timeout=LIVE
    )


def assert_clean_console(*pages) -> None:
    for page in pages:
        problems = [
            m
            for m in page.console_messages
            if m.startswith(("error", "warning")) or "Content Security Policy" in m
        ]
        assert problems == [], problems


def test_a_comment_appears_for_the_other_person_and_rings_their_bell(person, server):
    idea_url = f"{server.url}/ideas/{server.seeded['talk']}/"
    owen, ed = person("owner"), person("editor")
    owen.goto(idea_url)
    ed.goto(idea_url)
    for page in (owen, ed):
        connected(page, "comment-thread")
    connected(owen, "notification-bell")
    expect(owen.locator("#notification-bell .badge")).to_have_count(0)

    # Owen is halfway through a comment of his own when Ed posts one.
    owen.fill("#id_body", "Half-written thought")
    ed.fill("#id_body", "Shall we pilot this in May, @Owen Owner?")
    ed.get_by_role("button", name="Post comment").click()

    thread = owen.locator("#comment-thread")
    expect(thread).to_contain_text("Shall we pilot this in May", timeout=LIVE)
    expect(thread.get_by_role("heading", name="Comments (1)")).to_be_visible()
    # No reload: his draft is still there, and the update was announced.
    expect(owen.locator("#id_body")).to_have_value("Half-written thought")
    expect(owen.locator("#live-status")).not_to_be_empty(timeout=LIVE)
    # A comment on his idea and a mention of him: two unread notifications.
    expect(owen.locator("#notification-bell .badge")).to_have_text("2", timeout=LIVE)
    expect(owen.locator("#notification-bell")).to_contain_text("2 unread")

    # Reading them clears the bell in his other tab too.
    other_tab = owen.context.new_page()
    other_tab.console_messages = []
    other_tab.goto(f"{server.url}/notifications/")
    other_tab.get_by_role("button", name="Mark all as read").click()
    expect(owen.locator("#notification-bell .badge")).to_have_count(0, timeout=LIVE)
    assert_clean_console(owen, ed, other_tab)


def test_the_board_follows_a_move_once_the_open_move_form_is_closed(person, server):
    sam, owen = person("staff"), person("owner")
    sam.goto(f"{server.url}/pipeline/")
    connected(sam, "board-columns")
    proposed = sam.locator("section[aria-labelledby=col-proposed]")
    expect(proposed).not_to_contain_text("Curb slots")

    # Sam is in the middle of moving another card.
    card = proposed.locator(".card", has_text="Harbour bikes")
    card.locator("summary").click()
    sam.locator("#note-" + str(server.seeded["talk"])).fill("Looks promising")

    # Meanwhile the team submits its draft.
    owen.goto(f"{server.url}/ideas/{server.seeded['draft']}/")
    owen.get_by_role("button", name="Move", exact=True).click()
    expect(owen.locator(".stage")).to_have_text("Proposed")

    # Sam's open form is left alone...
    sam.wait_for_timeout(1000)
    expect(proposed).not_to_contain_text("Curb slots")
    expect(sam.locator("#note-" + str(server.seeded["talk"]))).to_have_value(
        "Looks promising"
    )
    # ...until he closes it and moves on.
    card.locator("summary").click()
    sam.locator("h1").click()
    expect(proposed).to_contain_text("Curb slots", timeout=LIVE)
    expect(proposed.locator(".count")).to_contain_text("2")
    expect(sam.locator("#live-status")).to_have_text("Board updated", timeout=LIVE)
    assert_clean_console(sam, owen)
