"""The outcomes dashboard in a browser, as staff on the seeded demo, through
Daphne: Chart.js draws every chart that has data from its JSON block under the
strict CSP, with nothing in the console; switching the currency keeps them
drawn. Saves tests/e2e/screenshots/outcomes_dashboard.png.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from reports.outcomes_views import CHARTS
from tests.e2e.live_server_daphne import ONCE_PER_CI
from tests.e2e.test_dashboards_in_browser import PAINTED

pytestmark = ONCE_PER_CI

SCREENSHOTS = Path(__file__).parent / "screenshots"


def test_staff_see_the_outcomes_dashboard_drawn(demo_staff_page):
    page, messages = demo_staff_page.page, demo_staff_page.messages
    url = demo_staff_page.url
    response = page.goto(f"{url}/staff/dashboards/outcomes/")
    assert response is not None and response.status == 200
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    expect(page.locator("h1")).to_have_text("Outcomes dashboard")
    expect(page.locator("figure.chart")).to_have_count(len(CHARTS))
    canvases = page.locator("figure.chart canvas")
    drawn = page.locator("figure.chart[data-chart-drawn=true]")
    expect(drawn).to_have_count(canvases.count())
    # The demo has verified funding, jobs, ventures, dataset uses and
    # requests: at least those charts have data to draw.
    for slug in (
        "investment-verified",
        "jobs",
        "ventures",
        "datasets-by-ventures",
        "publishers-by-ventures",
        "data-requests",
    ):
        expect(page.locator(f"#chart-{slug}[data-chart-drawn=true]")).to_have_count(1)
    painted = page.evaluate(PAINTED)
    assert painted and all(pixels > 500 for _id, pixels in painted), painted
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "outcomes_dashboard.png"), full_page=True)
    # The currency selector: another currency of the demo, charts redrawn.
    options = page.locator("#id_currency option").all_inner_texts()
    other = next(c for c in options if c != "USD")
    page.select_option("#id_currency", other)
    page.select_option("#id_period", "quarter")
    page.click("form.filters button[type=submit]")
    expect(page).to_have_url(re.compile(rf"currency={other}.*period=quarter"))
    expect(page.locator("[role=alert]")).to_have_count(0)
    expect(page.locator("#chart-title-investment-verified")).to_contain_text(other)
    expect(page.locator("figure.chart[data-chart-drawn=true]")).to_have_count(
        page.locator("figure.chart canvas").count()
    )
    problems = [
        m
        for m in messages
        if m.startswith(("error", "warning")) or "Content Security Policy" in m
    ]
    assert problems == [], problems
