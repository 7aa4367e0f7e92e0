"""The staff export page in a browser: the button downloads the zip.
Saves tests/e2e/screenshots/export.png."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from hub.core.models import AuditEvent
from hub.export.services import DOWNLOAD_ACTION

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).parent / "screenshots"


def test_staff_download_the_export_from_the_page(
    page_for, live_server, people, team_idea, tmp_path
):
    team_idea(title="Exported in a browser")
    page = page_for("staff")
    page.goto(f"{live_server.url}/staff/export/")
    expect(page.locator("h1")).to_have_text("Data export")
    expect(page.locator("a[aria-current=page]", has_text="Data export")).to_have_count(
        1
    )

    with page.expect_download() as info:
        page.get_by_role("button", name="Download the full export (.zip)").click()
    download = info.value
    assert download.suggested_filename.startswith("clusterhub-export-")
    path = tmp_path / "export.zip"
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        ideas = archive.read("data/ideas.idea.json").decode()
    assert {t["model"]: t["rows"] for t in manifest["tables"]}["ideas.idea"] == 1
    assert "Exported in a browser" in ideas

    page.reload()  # the download is now listed, with who made it
    expect(page.locator("tbody time")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text(people["staff"].display_name)
    assert AuditEvent.objects.filter(action=DOWNLOAD_ACTION).count() == 1
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "export.png"), full_page=True)
    problems = [m for m in page.console_messages if m.startswith(("error", "warning"))]
    assert problems == [], problems
