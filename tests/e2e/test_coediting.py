"""Two people editing one business plan, in two browsers, through a real
Daphne: each sees the other's text and cursor, edits made offline survive a
reconnect, the text survives a server restart, and outsiders see nothing.

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

PASSWORD = "a-long-e2e-password"
PEOPLE = {
    "owner": "Owen Owner",
    "editor": "Ed Editor",
    "viewer": "Vera Viewer",
    "outsider": "Olga Outsider",
}
IDEAS = ["together", "offline", "restart", "readonly", "outsider"]
SYNC = 10_000  # ms: generous for a loaded CI machine

SEED = f"""
import json
from allauth.account.models import EmailAddress
from hub.core.models import User
from ideas.models import Idea, TeamMembership, TeamRole
from ideas.plans import get_or_create_plan

people = {{}}
for key, name in {PEOPLE!r}.items():
    email = key + "@example.org"
    user = User.objects.create_user(email=email, password={PASSWORD!r}, display_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    people[key] = user
out = {{}}
for slug in {IDEAS!r}:
    idea = Idea.objects.create(
        owner=people["owner"], title="Plan " + slug, pitch="Bikes for all.",
        problem="Too few bikes.", solution="Shared bikes.",
    )
    TeamMembership.objects.create(idea=idea, user=people["editor"], role=TeamRole.EDITOR)
    TeamMembership.objects.create(idea=idea, user=people["viewer"], role=TeamRole.VIEWER)
    plan = get_or_create_plan(idea)
    out[slug] = {{"idea": idea.pk, "plan": plan.pk}}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[DaphneServer]:
    with seeded_daphne(Path(tmp_path_factory.mktemp("daphne")), SEED) as daphne:
        yield daphne


@pytest.fixture
def person(browser, server) -> Iterator:
    """``person("owner")``: a browser context signed in through the real form."""
    contexts = []

    def open_as(key: str, *, javascript: bool = True):
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, java_script_enabled=javascript
        )
        contexts.append(context)
        page = context.new_page()
        page.console_messages = []
        page.on(
            "console", lambda m: page.console_messages.append(f"{m.type}: {m.text}")
        )
        page.on("pageerror", lambda e: page.console_messages.append(f"error: {e}"))
        if key != "anonymous":
            page.goto(f"{server.url}/accounts/login/")
            page.fill("#id_login", f"{key}@example.org")
            page.fill("#id_password", PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    yield open_as
    for context in contexts:
        context.close()


def plan_url(server: DaphneServer, slug: str) -> str:
    return f"{server.url}/ideas/{server.seeded[slug]['idea']}/plan/"


def open_editor(page, server: DaphneServer, slug: str):
    page.goto(plan_url(server, slug))
    content = page.get_by_role("textbox", name="Business plan (Markdown)")
    expect(content).to_be_visible(timeout=SYNC)
    expect(status(page)).to_have_text("Connected", timeout=SYNC)
    return content


def status(page):
    return page.locator("#plan-editor [role=status]")


def type_at(page, content, where: str, text: str) -> None:
    """Type at the "start" of the plan or the "end" of its first line: CodeMirror
    renders only the lines in view, so the tests keep to the top."""
    content.click()
    page.keyboard.press("Control+Home")
    if where == "end":
        page.keyboard.press("End")
    page.keyboard.type(text)


def assert_clean_console(*pages) -> None:
    for page in pages:
        problems = [
            m
            for m in page.console_messages
            if m.startswith(("error", "warning")) or "Content Security Policy" in m
        ]
        assert problems == [], problems


def test_two_people_type_at_once_and_see_each_other(person, server):
    owen, ed = person("owner"), person("editor")
    owen_text = open_editor(owen, server, "together")
    ed_text = open_editor(ed, server, "together")

    # Interleaved: Owen types after the title while Ed types before it.
    type_at(owen, owen_text, "end", "")
    type_at(ed, ed_text, "start", "")
    for word in ("Owen ", "adds ", "pricing."):
        owen.keyboard.type(word)
        ed.keyboard.type(word.replace("Owen", "Ed").upper())
    for content in (owen_text, ed_text):
        expect(content).to_contain_text("Owen adds pricing.", timeout=SYNC)
        expect(content).to_contain_text("ED ADDS PRICING.", timeout=SYNC)

    # Tab is not trapped: it leaves the editor for the next control.
    ed.keyboard.press("Tab")
    expect(ed_text).not_to_be_focused()
    expect(ed_text).to_contain_text("ED ADDS PRICING.# Business plan")

    # Each sees the other's cursor, labelled with the name the server vouches for.
    expect(owen.locator(".cm-ySelectionInfo", has_text="Ed Editor")).to_be_visible()
    expect(ed.locator(".cm-ySelectionInfo", has_text="Owen Owner")).to_be_visible()
    for page in (owen, ed):
        people = page.get_by_role("region", name="In this document")
        expect(people.get_by_role("listitem")).to_have_count(2)
        expect(
            people.get_by_role("listitem").filter(has_text="Ed Editor")
        ).to_have_count(1)

    # The live preview is the server's rendering of the shared text, where
    # both people's words stand whole and in order.
    merged = "ED ADDS PRICING.# Business plan: Plan togetherOwen adds pricing."
    for page in (owen, ed):
        expect(page.locator("#plan-preview")).to_contain_text(merged, timeout=SYNC)
    assert_clean_console(owen, ed)


def test_edits_made_offline_survive_the_reconnect(person, server):
    owen, ed = person("owner"), person("editor")
    owen_text = open_editor(owen, server, "offline")
    ed_text = open_editor(ed, server, "offline")

    ed.context.set_offline(True)
    expect(status(ed)).to_contain_text("Offline")
    expect(
        ed.get_by_role("region", name="In this document").get_by_role("listitem")
    ).to_have_count(1)  # only Ed himself: he no longer knows who is there

    type_at(owen, owen_text, "end", "Written online by Owen.")
    type_at(ed, ed_text, "start", "Written offline by Ed.")
    expect(ed_text).not_to_contain_text("Written online by Owen.")
    expect(owen_text).not_to_contain_text("Written offline by Ed.")

    ed.context.set_offline(False)
    expect(status(ed)).to_have_text("Connected", timeout=SYNC)
    for content in (owen_text, ed_text):
        expect(content).to_contain_text("Written online by Owen.", timeout=SYNC)
        expect(content).to_contain_text("Written offline by Ed.", timeout=SYNC)
    assert_clean_console(owen, ed)


def test_the_text_is_persisted_across_a_reload_and_a_server_restart(person, server):
    owen = person("owner")
    owen_text = open_editor(owen, server, "restart")
    type_at(owen, owen_text, "end", "Kept after a restart.")

    # Without JavaScript the page shows the server's copy of the text.
    reader = person("editor", javascript=False)
    for _attempt in range(20):
        reader.goto(plan_url(server, "restart"))
        if "Kept after a restart." in reader.locator("#plan-rendered").inner_text():
            break
        reader.wait_for_timeout(500)
    expect(reader.locator("#plan-rendered")).to_contain_text("Kept after a restart.")
    expect(reader.locator(".cm-editor")).to_have_count(0)

    owen.reload()
    expect(
        owen.get_by_role("textbox", name="Business plan (Markdown)")
    ).to_contain_text("Kept after a restart.", timeout=SYNC)
    owen.close()

    server.restart()
    again = person("owner")
    text = open_editor(again, server, "restart")
    expect(text).to_contain_text("Kept after a restart.")
    assert text.inner_text().count("Kept after a restart.") == 1
    assert_clean_console(again)


def test_a_team_viewer_reads_live_but_cannot_type(person, server):
    owen, vera = person("owner"), person("viewer")
    owen_text = open_editor(owen, server, "readonly")
    vera_text = open_editor(vera, server, "readonly")
    expect(vera_text).to_have_attribute("contenteditable", "false")
    expect(vera_text).to_have_attribute("aria-readonly", "true")

    type_at(owen, owen_text, "end", "Owen writes, Vera reads.")
    expect(vera_text).to_contain_text("Owen writes, Vera reads.", timeout=SYNC)
    vera_text.focus()
    vera.keyboard.type("Vera tries to write.")
    expect(vera_text).not_to_contain_text("Vera tries to write.")
    expect(owen_text).not_to_contain_text("Vera tries to write.")
    # Tab is not trapped: it leaves the editor for the next control.
    vera.keyboard.press("Tab")
    expect(vera_text).not_to_be_focused()
    assert_clean_console(owen, vera)


def test_an_outsider_gets_a_404_without_the_plan(person, server):
    olga = person("outsider")
    response = olga.goto(plan_url(server, "outsider"))
    assert response is not None and response.status == 404
    expect(olga.locator("#plan-editor")).to_have_count(0)
    expect(olga.locator(".cm-editor")).to_have_count(0)
    expect(olga.locator("body")).not_to_contain_text("Plan outsider")
    expect(olga.locator("body")).not_to_contain_text("Business plan: Plan outsider")

    # The socket refuses her too, with the code that stops the client retrying.
    code = olga.evaluate(
        """path => new Promise(resolve => {
             const ws = new WebSocket("ws://" + location.host + path);
             ws.onclose = event => resolve(event.code);
             setTimeout(() => resolve(-1), 5000);
           })""",
        f"/ws/docs/{server.seeded['outsider']['plan']}/",
    )
    assert code == 4403
