"""The pipeline dashboard in a browser, on the seeded demo, through Daphne:
Chart.js draws every canvas from the JSON data blocks under the strict CSP,
with nothing in the console. Saves tests/e2e/screenshots/pipeline_dashboard.png.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.live_server_daphne import ONCE_PER_CI

pytestmark = ONCE_PER_CI

SCREENSHOTS = Path(__file__).parent / "screenshots"


# Non-transparent pixels on each chart canvas (Chart.js draws into the bitmap).
PAINTED = """
() => [...document.querySelectorAll("figure.chart canvas")].map((canvas) => {
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted += 1;
  return [canvas.closest("figure").id, painted];
})
"""


def test_staff_see_the_pipeline_dashboard_drawn(demo_staff_page):
    page, messages = demo_staff_page.page, demo_staff_page.messages
    url = demo_staff_page.url
    response = page.goto(f"{url}/staff/dashboards/pipeline/")
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    figures = page.locator("figure.chart")
    count = figures.count()
    assert count == 8
    drawn = page.locator("figure.chart[data-chart-drawn=true]")
    expect(drawn).to_have_count(page.locator("figure.chart canvas").count())
    assert drawn.count() >= 6  # the demo has data for (nearly) every chart
    painted = page.evaluate(PAINTED)
    assert painted and all(pixels > 500 for _id, pixels in painted), painted
    expect(page.locator("h1")).to_have_text("Pipeline dashboard")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "pipeline_dashboard.png"), full_page=True)
    page.locator("#chart-time-in-stage").screenshot(
        path=str(SCREENSHOTS / "pipeline_dashboard_time_in_stage.png")
    )
    # A filter round trip keeps the charts drawn.
    page.select_option("#id_program", index=1)
    page.click("form.filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"program=[a-z0-9-]+"))
    expect(page.locator("figure.chart")).to_have_count(8)
    expect(page.locator("[role=alert]")).to_have_count(0)
    problems = [
        m
        for m in messages
        if m.startswith(("error", "warning")) or "Content Security Policy" in m
    ]
    assert problems == [], problems
