"""Structural accessibility of every page, for the personas that see it.

A parser-based check of what a screen-reader or keyboard user depends on:
language, one main landmark, a skip link, one h1 and no skipped heading
levels, a label for every form control, text for every link and button,
alternative text for images, unique ids and no positive tabindex.
Colour contrast and focus styles live in static/css/app.css (see its header).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client

from catalog.importer import import_catalog
from catalog.models import Dataset
from ideas import services
from ideas.models import Comment
from ideas.plans import get_or_create_plan
from ideas.stages import Stage
from tests.support.accessibility import audit
from ventures.funding import services as funding

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(people, team_idea, make_idea, program):
    idea = team_idea(stage=Stage.DRAFT, description="# Heading\n\n## Sub\n\ntext")
    get_or_create_plan(idea)
    services.move_idea(idea, Stage.PROPOSED, actor=people["owner"])  # freezes v1
    comment = Comment.objects.create(
        idea=idea, author=people["editor"], body="Hi *there*"
    )
    services.add_comment(idea, author=people["staff"], body="Staff note")
    launched = make_idea(people["owner"], stage=Stage.PILOT, visibility="public")
    services.move_idea(launched, Stage.LAUNCHED, actor=people["staff"])
    dataset = import_catalog(
        "A11y portal",
        b'{"dataset": [{"identifier": "t", "title": "Street trees", "description":'
        b' "One.\\n\\nTwo.", "keyword": ["trees"], "landingPage": "https://x.org/",'
        b' "distribution": [{"downloadURL": "https://x.org/t.csv"}]}]}',
    )
    assert dataset.created == 1
    cache.set("catalog-import:a11yjob", A11Y_JOB)
    event = funding.record_funding(
        launched.venture,
        actor=people["owner"],
        kind="seed",
        amount=Decimal("1000"),
        currency="EUR",
        date=datetime.date(2024, 1, 1),
        evidence_url="https://x.org/seed",
    )
    funding.record_snapshot(
        launched.venture,
        actor=people["owner"],
        date=datetime.date(2024, 1, 1),
        full_time_jobs=3,
    )
    return {
        "idea": idea,
        "comment": comment,
        "venture": launched.venture,
        "dataset": Dataset.objects.get(identifier="t").pk,
        "funding": event.pk,
        **_program_bits(program, people),
        **_challenge_bits(idea, people, team_idea),
    }


def _challenge_bits(idea, people, team_idea) -> dict[str, object]:
    """The idea answers a challenge, the reviewer persona is assigned to it;
    a second idea was reviewed (submitted) and declined with feedback."""
    from challenges import services as challenges
    from tests.support.challenge_world import challenge_world

    world = challenge_world(idea)
    decided = team_idea(stage=Stage.SCREENING, challenge=world["challenge"])
    done = challenges.assign_reviewer(
        decided, people["reviewer"], actor=people["staff"]
    )
    scores = {c.pk: (3, "Solid") for c in world["challenge"].rubric.criteria.all()}
    challenges.submit_review(done, actor=people["reviewer"], scores=scores)
    services.move_idea(decided, Stage.DECLINED, actor=people["staff"], note="Sorry.")
    return {
        "challenge": world["slug"],
        "assignment": world["assignment"].pk,
        "submitted": done.pk,
        "decided": decided.pk,
    }


def _program_bits(program, people) -> dict[str, object]:
    """conftest's program with invitations: pending (one with a link to open),
    expired and revoked, so the managers' table shows each status."""
    from datetime import timedelta

    from django.utils import timezone

    from programs import services as programs

    sent = programs.send_invitations(
        program,
        actor=people["staff"],
        text="a@example.org b@example.org c@example.org d@example.org",
        role="mentor",
        cohort=program.cohorts.get(),
        link_base="http://testserver/",
    )
    sent[2].expires_at = timezone.now() - timedelta(days=1)
    sent[2].save(update_fields=["expires_at"])
    programs.revoke_invitation(sent[3], actor=people["staff"])
    token, sent[0].token_hash = programs.new_token()
    sent[0].save(update_fields=["token_hash"])
    revoked, sent[3].token_hash = programs.new_token()
    sent[3].save(update_fields=["token_hash"])
    return {"cohort": program.cohorts.get().pk, "token": token, "revoked": revoked}


A11Y_JOB = {
    "state": "done",
    "processed": 2,
    "source": "A11y portal",
    "line": "created=1 updated=0 unchanged=0 withdrawn=0 skipped=1",
    "counts": {"skipped": 1},
    "skipped": [["", "no identifier"]],
}


PAGES = [
    ("anonymous", "/"),
    ("anonymous", "/ideas/"),
    ("anonymous", "/ideas/?stage=bogus"),
    ("anonymous", "/ventures/"),
    ("anonymous", "/ventures/{venture}/"),
    ("anonymous", "/accounts/login/"),
    ("anonymous", "/accounts/signup/"),
    ("anonymous", "/accounts/password/reset/"),
    ("anonymous", "/ideas/999999/"),
    ("owner", "/"),
    ("owner", "/ideas/"),
    ("owner", "/ideas/mine/"),
    ("owner", "/ideas/new/"),
    ("owner", "/ideas/{idea}/"),
    ("owner", "/ideas/{idea}/edit/"),
    ("owner", "/accounts/profile/"),
    ("owner", "/accounts/email/"),
    ("owner", "/accounts/password/change/"),
    ("owner", "/accounts/2fa/"),
    ("owner", "/pipeline/"),
    ("owner", "/notifications/"),
    ("outsider", "/notifications/"),
    ("editor", "/comments/{comment}/edit/"),
    ("viewer", "/ideas/{idea}/"),
    ("reviewer", "/ideas/{idea}/"),
    ("staff", "/ideas/{idea}/"),
    ("staff", "/pipeline/"),
    ("staff", "/people/"),
    ("staff", "/staff/export/"),
    ("owner", "/ideas/{idea}/plan/"),
    ("viewer", "/ideas/{idea}/plan/"),
    ("staff", "/ideas/{idea}/plan/versions/"),
    ("staff", "/ideas/{idea}/plan/versions/1/"),
    ("anonymous", "/ventures/?status=closed&sector=water&q=x"),
    ("anonymous", "/ventures/?status=bogus"),
    ("owner", "/ventures/{venture}/"),
    ("owner", "/ventures/{venture}/?dataset_q=trees"),
    ("staff", "/ventures/new/"),
    ("staff", "/ventures/{venture}/edit/"),
    ("staff", "/ventures/data-requests/"),
    ("outsider", "/ventures/data-requests/"),
    ("anonymous", "/datasets/"),
    ("anonymous", "/datasets/?q=trees&withdrawn=on&source=bogus"),
    ("anonymous", "/datasets/{dataset}/"),
    ("anonymous", "/report/open-data-return/"),
    ("anonymous", "/report/open-data-return/?group=publisher&sort=ventures&order=asc"),
    ("anonymous", "/report/open-data-return/?group=source&date_from=2026-01-01"),
    ("owner", "/report/open-data-return/?date_from=2026-13-45&currency=XYZ"),
    ("staff", "/catalog/sources/"),
    ("staff", "/catalog/import/"),
    ("staff", "/catalog/import/?job=a11yjob"),
    ("outsider", "/catalog/import/"),
    ("owner", "/ventures/{venture}/funding/new/"),
    ("owner", "/ventures/{venture}/funding/{funding}/edit/"),
    ("owner", "/ventures/{venture}/impact/new/"),
    ("staff", "/ventures/{venture}/"),
    ("staff", "/ventures/funding/verify/"),
    ("staff", "/ventures/funding/rates/"),
    ("outsider", "/ventures/funding/verify/"),
    ("owner", "/accounts/api-token/"),
    ("anonymous", "/api/docs/"),
    ("staff", "/api/docs/"),
    ("program_member", "/programs/"),
    ("outsider", "/programs/"),
    ("staff", "/programs/"),
    ("program_member", "/programs/sir-2027/"),
    ("staff", "/programs/sir-2027/"),
    ("outsider", "/programs/sir-2027/"),
    ("staff", "/programs/new/"),
    ("staff", "/programs/sir-2027/edit/"),
    ("staff", "/programs/sir-2027/cohorts/new/"),
    ("staff", "/programs/sir-2027/cohorts/{cohort}/edit/"),
    ("staff", "/programs/sir-2027/members/"),
    ("program_member", "/programs/sir-2027/members/"),
    ("staff", "/programs/sir-2027/invitations/"),
    ("staff", "/programs/sir-2027/invitations/new/"),
    ("staff", "/staff/scorecards/"),
    ("staff", "/staff/scorecards/?period=custom&start=2026-07-30&end=2026-07-01"),
    ("staff", "/programs/sir-2027/scorecard/"),
    ("staff", "/programs/sir-2027/scorecard/?period=year"),
    ("staff", "/programs/sir-2027/scorecard/targets/"),
    ("anonymous", "/invitations/{token}/"),
    ("outsider", "/invitations/{token}/"),
    ("anonymous", "/invitations/not-a-token/"),
    ("anonymous", "/invitations/{revoked}/"),
    ("anonymous", "/challenges/"),
    ("staff", "/challenges/"),
    ("anonymous", "/challenges/{challenge}/"),
    ("staff", "/challenges/{challenge}/"),
    ("staff", "/challenges/new/"),
    ("staff", "/challenges/{challenge}/edit/"),
    ("staff", "/challenges/intake-rubric/"),
    ("staff", "/challenges/{challenge}/ranking/"),
    ("staff", "/ideas/{idea}/reviews/"),
    ("staff", "/ideas/{decided}/reviews/"),
    ("reviewer", "/reviews/"),
    ("reviewer", "/reviews/{assignment}/"),
    ("reviewer", "/reviews/{submitted}/"),
    ("reviewer", "/ideas/{idea}/"),
    ("reviewer", "/ideas/{idea}/plan/"),
    ("owner", "/ideas/{decided}/"),
    ("staff", "/staff/dashboards/pipeline/"),
    ("staff", "/staff/dashboards/pipeline/?program=sir-2027&date_from=2020-01-01"),
    ("staff", "/staff/dashboards/pipeline/?date_from=2026-13-45&tag=nope"),
    ("owner", "/staff/dashboards/pipeline/"),
    ("staff", "/staff/dashboards/outcomes/"),
    ("staff", "/staff/dashboards/outcomes/?period=quarter&date_from=2020-01-01"),
    ("staff", "/staff/dashboards/outcomes/?date_from=2026-13-45&currency=XYZ"),
    ("owner", "/staff/dashboards/outcomes/"),
]


@pytest.mark.parametrize(("persona", "url"), PAGES)
def test_every_page_passes_the_structural_audit(site, client_for, persona, url):
    path = url.format(
        idea=site["idea"].pk,
        comment=site["comment"].pk,
        venture=site["venture"].slug,
        dataset=site["dataset"],
        funding=site["funding"],
        cohort=site["cohort"],
        token=site["token"],
        revoked=site["revoked"],
        challenge=site["challenge"],
        assignment=site["assignment"],
        submitted=site["submitted"],
        decided=site["decided"],
    )
    response = client_for(persona).get(path)
    assert response.status_code in (200, 403, 404, 410), path  # 410: a dead link
    problems = audit(response.content.decode())
    assert problems == [], f"{persona} {path}: {problems}"


def test_a_form_with_errors_still_passes(client_for, people):
    response = client_for("owner").post("/ideas/new/", {"title": ""})
    body = response.content.decode()
    assert 'aria-invalid="true"' in body
    assert audit(body) == []


def test_the_notification_bell_fragment_passes(site, client_for):
    body = client_for("owner").get("/notifications/badge/").content.decode()
    assert "unread" in body
    assert audit(body, fragment=True) == []


def test_the_htmx_results_fragment_passes(site):
    body = Client().get("/ideas/", HTTP_HX_REQUEST="true").content.decode()
    assert audit(body, fragment=True) == []


@pytest.mark.parametrize("state", ["running", "done", "failed"])
def test_the_catalog_import_status_fragment_passes(site, client_for, state):
    cache.set("catalog-import:a11yjob", {**A11Y_JOB, "state": state, "error": "x"})
    body = client_for("staff").get("/catalog/import/a11yjob/").content.decode()
    assert 'role="status"' in body or 'role="alert"' in body
    assert audit(body, fragment=True) == []


def test_the_audit_catches_what_it_claims_to():
    bad = (
        '<html><body><main><h1>x</h1><h3>skip</h3><input name="q"><a href="/x"></a>'
        '<img src="a.png"><div id="d"></div><div id="d"></div></main></body></html>'
    )
    problems = audit(bad)
    assert any("no lang" in p for p in problems)
    assert any("heading jumps" in p for p in problems)
    assert any("has no label" in p for p in problems)
    assert any("<a> without text" in p for p in problems)
    assert any("img without alt" in p for p in problems)
    assert any("used 2 times" in p for p in problems)
    assert any("skip link" in p for p in problems)
