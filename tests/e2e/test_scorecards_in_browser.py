"""Program scorecards in a browser, on the seeded demo, through Daphne, on
screen and print-emulated. Saves tests/e2e/screenshots/scorecards.png and
scorecards_print.png."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.live_server_daphne import ONCE_PER_CI

pytestmark = ONCE_PER_CI

SCREENSHOTS = Path(__file__).parent / "screenshots"


# Whether each visible element is shown (display) in the current media.
SHOWN = """
(selectors) => selectors.map((s) => {
  const el = document.querySelector(s);
  return [s, el !== null && getComputedStyle(el).display !== "none"];
})
"""


def test_staff_see_the_scorecards_on_screen_and_in_print(demo_staff_page):
    page, messages = demo_staff_page.page, demo_staff_page.messages
    url = demo_staff_page.url
    response = page.goto(f"{url}/staff/scorecards/?period=year")
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_text("Program scorecards")
    cards = page.locator("article.scorecard")
    expect(cards).to_have_count(1)  # the demo has one program
    rows = cards.first.locator("tbody tr")
    expect(rows).to_have_count(7)
    # Every row states its status in words, not colour alone.
    chips = cards.first.locator(".status-chip")
    texts = {chips.nth(i).inner_text().strip() for i in range(chips.count())}
    assert texts and all(
        any(word in t for word in ("target", "No data")) for t in texts
    ), texts
    expect(page.locator("a[aria-current=page]", has_text="Scorecards")).to_have_count(1)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "scorecards.png"), full_page=True)

    page.emulate_media(media="print")
    shown = dict(
        page.evaluate(
            SHOWN,
            ["header.site-header", "form.filters", "article.scorecard",
             ".status-chip"],
        )
    )  # fmt: skip
    assert shown == {
        "header.site-header": False,
        "form.filters": False,
        "article.scorecard": True,
        ".status-chip": True,
    }
    style = page.evaluate(
        "(() => { const c = getComputedStyle(document.querySelector("
        "'article.scorecard')); return [c.breakInside, "
        "getComputedStyle(document.querySelector('.status-chip'))"
        ".printColorAdjust]; })()"
    )
    assert style == ["avoid", "exact"]
    page.screenshot(path=str(SCREENSHOTS / "scorecards_print.png"), full_page=True)
    assert [m for m in messages if m.startswith(("error", "warning"))] == []
