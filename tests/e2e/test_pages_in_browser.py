"""What only a browser shows: htmx updates under the strict CSP, the board's
move control, keyboard focus."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ideas.models import Idea
from ideas.stages import Stage

pytestmark = pytest.mark.django_db(transaction=True)


def _no_console_errors(page) -> None:
    problems = [m for m in page.console_messages if m.startswith(("error", "warning"))]
    assert problems == [], problems


def test_search_updates_the_results_in_place(page_for, live_server, people, make_idea):
    for title in ("Solar canopies", "Solar for renters", "Bike lanes"):
        make_idea(
            people["owner"], title=title, visibility="public", stage=Stage.PROPOSED
        )
    page = page_for("anonymous")
    page.goto(f"{live_server.url}/ideas/")
    assert page.locator("#results .card").count() == 3
    page.fill("#id_q", "solar")
    # (locator waits: the strict CSP forbids Playwright's eval-based waits)
    expect(page.locator("#results .card")).to_have_count(2)
    assert "q=solar" in page.url  # hx-push-url keeps the address shareable
    assert page.locator("h1").count() == 1  # a fragment swap, not a nested page
    _no_console_errors(page)


def test_staff_move_a_card_on_the_board(page_for, live_server, people, team_idea):
    idea = team_idea(stage=Stage.PROPOSED, title="Curb slots")
    page = page_for("staff")
    page.goto(f"{live_server.url}/pipeline/")
    card = page.locator(
        "section[aria-labelledby=col-proposed] .card", has_text="Curb slots"
    )
    card.locator("summary").click()
    card.locator("select").select_option("declined")
    card.locator("button[type=submit]").click()
    page.wait_for_selector("#board .message-error")
    assert "feedback" in page.locator("#board .message-error").inner_text()
    assert Idea.objects.get(pk=idea.pk).stage == Stage.PROPOSED

    card = page.locator(
        "section[aria-labelledby=col-proposed] .card", has_text="Curb slots"
    )
    card.locator("summary").click()
    card.locator("select").select_option("screening")
    card.locator("button[type=submit]").click()
    page.wait_for_selector("#board .message-success")
    screening = page.locator("section[aria-labelledby=col-screening]")
    assert "Curb slots" in screening.inner_text()
    assert Idea.objects.get(pk=idea.pk).stage == Stage.SCREENING
    _no_console_errors(page)


def test_the_keyboard_reaches_the_skip_link_first_with_a_visible_focus(
    page_for, live_server
):
    page = page_for("anonymous")
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "(() => { const el = document.activeElement; const s = getComputedStyle(el);"
        " return [el.getAttribute('href'), s.outlineStyle, s.outlineWidth]; })()"
    )
    assert focused[0] == "#main"
    assert focused[1] != "none" and focused[2] != "0px"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
