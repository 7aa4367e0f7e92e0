"""Business plans: the Lean Canvas start, who reads and edits, the no-JS page,
the preview renderer, versions frozen on stage changes and their diff."""

from __future__ import annotations

import pytest
from django.test import Client
from pycrdt import Doc, Text

from ideas import documents as store
from ideas import services
from ideas.models import LEAN_CANVAS_SECTIONS, BusinessPlan, DocSnapshot, PlanVersion
from ideas.plans import get_or_create_plan
from ideas.stages import Stage

pytestmark = pytest.mark.django_db


def edit_plan(plan: BusinessPlan, append: str) -> None:
    """Append text the way a client would: a Yjs update logged by the server."""
    doc = store.load_doc(plan.pk)
    before = doc.get_state()
    text = doc.get(store.TEXT_NAME, type=Text)
    text.insert(len(str(text)), append)
    store.append_updates(plan.pk, [doc.get_update(before)])


def test_a_plan_starts_from_the_lean_canvas_with_crdt_state(team_idea):
    idea = team_idea(title="Curb slots")
    plan = get_or_create_plan(idea)
    assert plan.text.startswith("# Business plan: Curb slots")
    for heading, _prompt in LEAN_CANVAS_SECTIONS:
        assert f"## {heading}\n" in plan.text
    assert DocSnapshot.objects.filter(plan=plan).exists()
    assert store.load_text(plan.pk) == plan.text
    assert get_or_create_plan(idea) == plan  # once
    assert BusinessPlan.objects.count() == 1


def test_the_crdt_state_is_never_rebuilt_from_the_markdown_copy(team_idea):
    plan = get_or_create_plan(team_idea())
    BusinessPlan.objects.filter(pk=plan.pk).update(text="something else entirely")
    plan.refresh_from_db()
    assert get_or_create_plan(plan.idea).text == "something else entirely"
    assert store.load_text(plan.pk).startswith("# Business plan:")
    assert DocSnapshot.objects.filter(plan=plan).count() == 1


@pytest.mark.parametrize(
    ("persona", "editable"),
    [("owner", "true"), ("editor", "true"), ("viewer", "false"), ("staff", "false")],
)
def test_the_plan_page_says_who_may_edit(team_idea, client_for, persona, editable):
    idea = team_idea(stage=Stage.PROPOSED)
    page = client_for(persona).get(f"/ideas/{idea.pk}/plan/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-can-edit="{editable}"' in body
    plan = BusinessPlan.objects.get(idea=idea)
    assert f'data-ws-path="/ws/docs/{plan.pk}/"' in body


def test_without_javascript_the_plan_reads_as_rendered_markdown(team_idea, client_for):
    idea = team_idea(stage=Stage.PROPOSED)
    plan = get_or_create_plan(idea)
    BusinessPlan.objects.filter(pk=plan.pk).update(
        text="# Plan\n\n**bold** <script>alert(1)</script>"
    )
    body = client_for("viewer").get(f"/ideas/{idea.pk}/plan/").content.decode()
    assert "<h2>Plan</h2>" in body and "<strong>bold</strong>" in body
    assert "<script>alert" not in body


def test_a_public_ideas_plan_stays_with_the_team(make_idea, people, client_for):
    idea = make_idea(people["owner"], visibility="public", stage=Stage.PROPOSED)
    assert client_for("outsider").get(f"/ideas/{idea.pk}/").status_code == 200
    for persona in ("anonymous", "outsider", "reviewer"):
        response = client_for(persona).get(f"/ideas/{idea.pk}/plan/")
        assert response.status_code == 404
        assert b"Business plan" not in response.content
    assert client_for("owner").get(f"/ideas/{idea.pk}/plan/").status_code == 200


def test_the_idea_page_links_the_plan_only_for_its_readers(team_idea, client_for):
    idea = team_idea(stage=Stage.PROPOSED)
    link = f'href="/ideas/{idea.pk}/plan/"'
    assert link in client_for("viewer").get(f"/ideas/{idea.pk}/").content.decode()
    assert link not in client_for("reviewer").get(f"/ideas/{idea.pk}/").content.decode()


def test_the_preview_uses_the_one_sanitizing_renderer(team_idea, client_for):
    idea = team_idea()
    response = client_for("editor").post(
        f"/ideas/{idea.pk}/plan/preview/",
        {"text": "# Title\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h3>Title</h3>" in html  # under the editor's h2 "Preview"
    assert "javascript" not in html and "onerror" not in html


def test_the_preview_refuses_an_oversized_text(team_idea, client_for, settings):
    idea = team_idea()
    response = client_for("editor").post(
        f"/ideas/{idea.pk}/plan/preview/", {"text": "x" * (2 * 1024 * 1024 + 1)}
    )
    assert response.status_code == 413


def test_the_preview_needs_a_csrf_token(team_idea, people):
    idea = team_idea()
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["editor"])
    url = f"/ideas/{idea.pk}/plan/preview/"
    assert client.post(url, {"text": "x"}).status_code == 403
    client.get(f"/ideas/{idea.pk}/plan/")
    token = client.cookies["csrftoken"].value
    assert client.post(url, {"text": "x"}, HTTP_X_CSRFTOKEN=token).status_code == 200


def test_each_stage_change_freezes_the_current_text_as_a_version(team_idea, people):
    idea = team_idea()
    plan = get_or_create_plan(idea)
    edit_plan(plan, "\nFirst draft of the numbers.")
    services.move_idea(idea, Stage.PROPOSED, actor=people["owner"])
    edit_plan(plan, "\nRevised after screening.")
    services.move_idea(idea, Stage.SCREENING, actor=people["staff"])

    versions = list(PlanVersion.objects.filter(plan=plan).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].text.endswith("First draft of the numbers.")
    assert "Revised" not in versions[0].text
    assert versions[1].text.endswith("Revised after screening.")
    assert versions[1].stage_change.to_stage == Stage.SCREENING


def test_ideas_without_a_plan_freeze_nothing(team_idea, people):
    idea = team_idea()
    services.move_idea(idea, Stage.PROPOSED, actor=people["owner"])
    assert not PlanVersion.objects.exists()


def test_a_version_shows_its_text_and_the_diff_to_the_current_plan(
    team_idea, people, client_for
):
    idea = team_idea()
    plan = get_or_create_plan(idea)
    edit_plan(plan, "\nOld line about pricing.")
    services.move_idea(idea, Stage.PROPOSED, actor=people["owner"])

    # Replace the old line by a new one in the live document.
    doc = store.load_doc(plan.pk)
    before = doc.get_state()
    text = doc.get(store.TEXT_NAME, type=Text)
    current = str(text)
    start = current.index("Old line about pricing.")
    del text[start : start + len("Old line about pricing.")]
    text.insert(start, "New line about pricing.")
    store.append_updates(plan.pk, [doc.get_update(before)])

    client = client_for("staff")
    listing = client.get(f"/ideas/{idea.pk}/plan/versions/").content.decode()
    assert f"/ideas/{idea.pk}/plan/versions/1/" in listing
    page = client.get(f"/ideas/{idea.pk}/plan/versions/1/").content.decode()
    assert "1 lines added, 1 lines removed" in page
    assert (
        '<del><span class="visually-hidden">Removed: </span>Old line about pricing.</del>'
        in page
    )
    assert (
        '<ins><span class="visually-hidden">Added: </span>New line about pricing.</ins>'
        in page
    )
    assert "Old line about pricing." in page.split("The text of this version")[1]
    assert client.get(f"/ideas/{idea.pk}/plan/versions/9/").status_code == 404


def test_a_version_equal_to_the_current_text_says_so(team_idea, people, client_for):
    idea = team_idea()
    get_or_create_plan(idea)
    services.move_idea(idea, Stage.PROPOSED, actor=people["owner"])
    page = (
        client_for("owner").get(f"/ideas/{idea.pk}/plan/versions/1/").content.decode()
    )
    assert "The current plan is the same as this version." in page


def test_loading_a_doc_twice_never_duplicates_text(team_idea):
    plan = get_or_create_plan(team_idea())
    edit_plan(plan, "\nOnce.")
    doc = Doc()
    for update in store.load_updates(plan.pk)[0] * 2:  # everything applied twice
        doc.apply_update(update)
    assert str(doc.get(store.TEXT_NAME, type=Text)).count("Once.") == 1


def test_only_the_plan_page_allows_its_editor_styles_by_nonce(team_idea, client_for):
    import re

    idea = team_idea(stage=Stage.PROPOSED)
    client = client_for("owner")
    page = client.get(f"/ideas/{idea.pk}/plan/")
    policy = page["Content-Security-Policy"]
    nonce = re.search(r"style-src 'self' 'nonce-([^']+)'", policy).group(1)
    assert f'<meta name="csp-nonce" content="{nonce}">' in page.content.decode()
    assert "unsafe-inline" not in policy
    other = client.get("/ideas/")["Content-Security-Policy"]
    assert "nonce-" not in other


def test_the_editor_gets_its_strings_translated_as_json(team_idea, client_for):
    idea = team_idea(stage=Stage.PROPOSED)
    body = client_for("owner").get(f"/ideas/{idea.pk}/plan/").content.decode()
    assert '<script id="plan-editor-i18n" type="application/json">' in body
    assert '"editorLabel": "Business plan (Markdown)"' in body
