"""The access matrix of ideas: their pages, teams, comments, stage moves and
plans, for a team-only idea at each stage and a public one; and the checks
that listings, search and page bodies never reveal a hidden idea, that the
queryset and the rules predicate agree, and that forms ignore fields they do
not declare. The spec and the machinery: ``tests/support/access_matrix.py``.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from hub.core.models import Role, User
from ideas.models import (
    Comment,
    Idea,
    PlanVersion,
    StageChange,
    TeamMembership,
    TeamRole,
    Visibility,
)
from ideas.plans import get_or_create_plan
from ideas.stages import TRANSITIONS, Actor, Stage
from tests.support.access_matrix import (
    LOGGED_IN,
    NOBODY,
    SMUGGLED,
    AppMatrix,
    Scenario,
    assert_login_redirect,
    expect,
    matrix_params,
    only,
    run_matrix_case,
)
from tests.support.personas import PERSONAS, PROGRAM_PERSONAS
from ventures.models import Venture

pytestmark = pytest.mark.django_db

# Sentinel values the POST requests write, so effects are easy to look up.
NEW_IDEA_TITLE = "Matrix created idea"
EDITED_IDEA_TITLE = "Matrix edited title"
NEW_COMMENT_BODY = "Matrix comment body"
EDITED_COMMENT_BODY = "Matrix edited comment"


def _idea_form(title: str) -> dict[str, str]:
    return {
        "title": title,
        "pitch": "Helps people do a thing.",
        "problem": "A problem.",
        "solution": "A solution.",
        "description": "Text.",
        "visibility": Visibility.TEAM,
        "tags": "mobility, open data",
    }


def _first_version(s: Scenario) -> int:
    """A frozen plan version of the scenario's idea (made on first use)."""
    plan = get_or_create_plan(s.idea)
    version, _created = PlanVersion.objects.get_or_create(
        plan=plan, number=1, defaults={"text": plan.text}
    )
    return version.number


def _move_landed(s: Scenario) -> bool:
    stage = Idea.objects.values_list("stage", flat=True).get(pk=s.idea.pk)
    rows = StageChange.objects.filter(idea=s.idea).count()
    if stage == s.move_from:
        assert rows == 0, "a refused move must not write a StageChange row"
        return False
    assert stage == s.move_to
    assert rows == 1
    return True


# --------------------------------------------------------------------------------------
# Main matrix: a team-only idea in "proposed" (submitted, so reviewers/staff see it)
# --------------------------------------------------------------------------------------

# fmt: off
MATRIX = AppMatrix(
    url_names=frozenset({
        "ideas-list", "ideas-mine", "ideas-create", "ideas-detail", "ideas-edit",
        "ideas-move", "ideas-team-add", "ideas-team-remove", "ideas-comment-add",
        "ideas-comment-edit", "ideas-comment-remove", "ideas-board",
        "ideas-plan", "ideas-plan-preview", "ideas-plan-versions",
        "ideas-plan-version",
    }),
    requests={
        ("ideas-list", "GET"): lambda s: (reverse("ideas-list"), {}),
        ("ideas-mine", "GET"): lambda s: (reverse("ideas-mine"), {}),
        ("ideas-create", "GET"): lambda s: (reverse("ideas-create"), {}),
        ("ideas-create", "POST"): lambda s: (
            reverse("ideas-create"),
            _idea_form(NEW_IDEA_TITLE),
        ),
        ("ideas-detail", "GET"): lambda s: (
            reverse("ideas-detail", args=[s.idea.pk]),
            {},
        ),
        ("ideas-edit", "GET"): lambda s: (reverse("ideas-edit", args=[s.idea.pk]), {}),
        ("ideas-edit", "POST"): lambda s: (
            reverse("ideas-edit", args=[s.idea.pk]),
            _idea_form(EDITED_IDEA_TITLE),
        ),
        ("ideas-move", "POST"): lambda s: (
            reverse("ideas-move", args=[s.idea.pk]),
            {"to_stage": s.move_to, "from_stage": s.move_from, "note": ""},
        ),
        ("ideas-team-add", "POST"): lambda s: (
            reverse("ideas-team-add", args=[s.idea.pk]),
            {"email": s.newcomer.email, "role": TeamRole.VIEWER},
        ),
        ("ideas-team-remove", "POST"): lambda s: (
            reverse("ideas-team-remove", args=[s.idea.pk, s.viewer_membership.pk]),
            {},
        ),
        ("ideas-comment-add", "POST"): lambda s: (
            reverse("ideas-comment-add", args=[s.idea.pk]),
            {"body": NEW_COMMENT_BODY},
        ),
        ("ideas-comment-edit", "GET"): lambda s: (
            reverse("ideas-comment-edit", args=[s.comment.pk]),
            {},
        ),
        ("ideas-comment-edit", "POST"): lambda s: (
            reverse("ideas-comment-edit", args=[s.comment.pk]),
            {"body": EDITED_COMMENT_BODY},
        ),
        ("ideas-comment-remove", "POST"): lambda s: (
            reverse("ideas-comment-remove", args=[s.comment.pk]),
            {},
        ),
        ("ideas-board", "GET"): lambda s: (reverse("ideas-board"), {}),
        ("ideas-plan", "GET"): lambda s: (reverse("ideas-plan", args=[s.idea.pk]), {}),
        ("ideas-plan-preview", "POST"): lambda s: (
            reverse("ideas-plan-preview", args=[s.idea.pk]),
            {"text": "# Preview"},
        ),
        ("ideas-plan-versions", "GET"): lambda s: (
            reverse("ideas-plan-versions", args=[s.idea.pk]),
            {},
        ),
        ("ideas-plan-version", "GET"): lambda s: (
            reverse("ideas-plan-version", args=[s.idea.pk, _first_version(s)]),
            {},
        ),
    },
    effects={
        "ideas-create": lambda s: Idea.objects.filter(title=NEW_IDEA_TITLE).exists(),
        "ideas-edit": lambda s: (
            Idea.objects.get(pk=s.idea.pk).title == EDITED_IDEA_TITLE
        ),
        "ideas-move": _move_landed,
        "ideas-team-add": lambda s: TeamMembership.objects.filter(
            idea=s.idea, user=s.newcomer
        ).exists(),
        "ideas-team-remove": lambda s: (
            not TeamMembership.objects.filter(pk=s.viewer_membership.pk).exists()
        ),
        "ideas-comment-add": lambda s: Comment.objects.filter(
            body=NEW_COMMENT_BODY
        ).exists(),
        "ideas-comment-edit": lambda s: (
            Comment.objects.get(pk=s.comment.pk).body == EDITED_COMMENT_BODY
        ),
        "ideas-comment-remove": lambda s: (
            Comment.objects.get(pk=s.comment.pk).removed_at is not None
        ),
        "ideas-plan-preview": lambda s: False,  # renders, stores nothing
    },
    proposed={
        ("ideas-list", "GET"): expect(
            anonymous=200, outsider=200, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
        ("ideas-mine", "GET"): expect(
            anonymous=302, outsider=200, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
        ("ideas-create", "GET"): expect(
            anonymous=302, outsider=200, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
        ("ideas-create", "POST"): expect(
            anonymous=302, outsider=302, viewer=302,
            editor=302, owner=302, reviewer=302, staff=302,
        ),
        ("ideas-detail", "GET"): expect(
            anonymous=404, outsider=404, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
        ("ideas-edit", "GET"): expect(
            anonymous=302, outsider=404, viewer=403,
            editor=200, owner=200, reviewer=403, staff=403,
        ),
        ("ideas-edit", "POST"): expect(
            anonymous=302, outsider=404, viewer=403,
            editor=302, owner=302, reviewer=403, staff=403,
        ),
        # proposed -> screening: a staff move.
        ("ideas-move", "POST"): expect(
            anonymous=302, outsider=404, viewer=302,
            editor=302, owner=302, reviewer=302, staff=302,
        ),
        ("ideas-team-add", "POST"): expect(
            anonymous=302, outsider=404, viewer=403,
            editor=403, owner=302, reviewer=403, staff=403,
        ),
        # Removes the viewer's membership: the owner may, the viewer may (leaving).
        ("ideas-team-remove", "POST"): expect(
            anonymous=302, outsider=404, viewer=302,
            editor=403, owner=302, reviewer=403, staff=403,
        ),
        ("ideas-comment-add", "POST"): expect(
            anonymous=302, outsider=404, viewer=302,
            editor=302, owner=302, reviewer=302, staff=302,
        ),
        # The comment is the editor's.
        ("ideas-comment-edit", "GET"): expect(
            anonymous=302, outsider=404, viewer=403,
            editor=200, owner=403, reviewer=403, staff=403,
        ),
        ("ideas-comment-edit", "POST"): expect(
            anonymous=302, outsider=404, viewer=403,
            editor=302, owner=403, reviewer=403, staff=403,
        ),
        ("ideas-comment-remove", "POST"): expect(
            anonymous=302, outsider=404, viewer=403,
            editor=403, owner=403, reviewer=403, staff=302,
        ),
        ("ideas-board", "GET"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=200,
        ),
        # The plan: the team and staff read it; reviewers only once assigned
        # (tests/challenges/test_access_matrix.py).
        ("ideas-plan", "GET"): expect(
            anonymous=404, outsider=404, viewer=200,
            editor=200, owner=200, reviewer=404, staff=200,
        ),
        ("ideas-plan-preview", "POST"): expect(
            anonymous=404, outsider=404, viewer=200,
            editor=200, owner=200, reviewer=404, staff=200,
        ),
        ("ideas-plan-versions", "GET"): expect(
            anonymous=404, outsider=404, viewer=200,
            editor=200, owner=200, reviewer=404, staff=200,
        ),
        ("ideas-plan-version", "GET"): expect(
            anonymous=404, outsider=404, viewer=200,
            editor=200, owner=200, reviewer=404, staff=200,
        ),
    },
    changes={
        "ideas-create": LOGGED_IN,
        "ideas-edit": only("editor", "owner"),
        "ideas-move": only("staff"),
        "ideas-team-add": only("owner"),
        "ideas-team-remove": only("owner", "viewer"),
        "ideas-comment-add": only("viewer", "editor", "owner", "reviewer", "staff"),
        "ideas-comment-edit": only("editor"),
        "ideas-comment-remove": only("staff"),
        "ideas-plan-preview": NOBODY,
    },
)
# fmt: on


@pytest.mark.parametrize(("key", "persona", "status"), matrix_params(MATRIX.proposed))
def test_team_only_proposed_idea_access(scenario, client_for, key, persona, status):
    s = scenario(stage=Stage.PROPOSED, move_to=Stage.SCREENING)
    run_matrix_case(
        MATRIX, client_for, s, persona, key, status, MATRIX.changes.get(key[0])
    )


# --------------------------------------------------------------------------------------
# A team-only DRAFT: hidden from everyone but the team, reviewers and staff included
# --------------------------------------------------------------------------------------

# fmt: off
DRAFT_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("ideas-detail", "GET"): expect(
        anonymous=404, outsider=404, viewer=200,
        editor=200, owner=200, reviewer=404, staff=404,
    ),
    ("ideas-edit", "GET"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=200, owner=200, reviewer=404, staff=404,
    ),
    ("ideas-edit", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=302, owner=302, reviewer=404, staff=404,
    ),
    # draft -> proposed: the team submits.
    ("ideas-move", "POST"): expect(
        anonymous=302, outsider=404, viewer=302,
        editor=302, owner=302, reviewer=404, staff=404,
    ),
    ("ideas-team-add", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=403, owner=302, reviewer=404, staff=404,
    ),
    ("ideas-team-remove", "POST"): expect(
        anonymous=302, outsider=404, viewer=302,
        editor=403, owner=302, reviewer=404, staff=404,
    ),
    ("ideas-comment-add", "POST"): expect(
        anonymous=302, outsider=404, viewer=302,
        editor=302, owner=302, reviewer=404, staff=404,
    ),
    ("ideas-comment-edit", "GET"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=200, owner=403, reviewer=404, staff=404,
    ),
    ("ideas-comment-edit", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=302, owner=403, reviewer=404, staff=404,
    ),
    ("ideas-comment-remove", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=403, owner=403, reviewer=404, staff=404,
    ),
}
# fmt: on

DRAFT_CHANGES: dict[str, frozenset[str]] = {
    "ideas-edit": only("editor", "owner"),
    "ideas-move": only("editor", "owner"),
    "ideas-team-add": only("owner"),
    "ideas-team-remove": only("owner", "viewer"),
    "ideas-comment-add": only("viewer", "editor", "owner"),
    "ideas-comment-edit": only("editor"),
    "ideas-comment-remove": NOBODY,
}


@pytest.mark.parametrize(("key", "persona", "status"), matrix_params(DRAFT_MATRIX))
def test_team_only_draft_idea_access(scenario, client_for, key, persona, status):
    s = scenario(stage=Stage.DRAFT, move_to=Stage.PROPOSED)
    run_matrix_case(
        MATRIX, client_for, s, persona, key, status, DRAFT_CHANGES.get(key[0])
    )


# --------------------------------------------------------------------------------------
# A PUBLIC idea (proposed): everyone reads it; rights to change it are unchanged
# --------------------------------------------------------------------------------------

# fmt: off
PUBLIC_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("ideas-detail", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("ideas-edit", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=200, owner=200, reviewer=403, staff=403,
    ),
    ("ideas-edit", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=302, owner=302, reviewer=403, staff=403,
    ),
    # proposed -> screening: a staff move.
    ("ideas-move", "POST"): expect(
        anonymous=302, outsider=302, viewer=302,
        editor=302, owner=302, reviewer=302, staff=302,
    ),
    ("ideas-team-add", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=302, reviewer=403, staff=403,
    ),
    ("ideas-team-remove", "POST"): expect(
        anonymous=302, outsider=403, viewer=302,
        editor=403, owner=302, reviewer=403, staff=403,
    ),
    ("ideas-comment-add", "POST"): expect(
        anonymous=302, outsider=302, viewer=302,
        editor=302, owner=302, reviewer=302, staff=302,
    ),
    ("ideas-comment-edit", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=200, owner=403, reviewer=403, staff=403,
    ),
    ("ideas-comment-edit", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=302, owner=403, reviewer=403, staff=403,
    ),
    ("ideas-comment-remove", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=302,
    ),
}
# fmt: on

PUBLIC_CHANGES: dict[str, frozenset[str]] = {
    "ideas-edit": only("editor", "owner"),
    "ideas-move": only("staff"),
    "ideas-team-add": only("owner"),
    "ideas-team-remove": only("owner", "viewer"),
    "ideas-comment-add": LOGGED_IN,
    "ideas-comment-edit": only("editor"),
    "ideas-comment-remove": only("staff"),
}


@pytest.mark.parametrize(("key", "persona", "status"), matrix_params(PUBLIC_MATRIX))
def test_public_idea_access(scenario, client_for, key, persona, status):
    s = scenario(
        stage=Stage.PROPOSED, visibility=Visibility.PUBLIC, move_to=Stage.SCREENING
    )
    run_matrix_case(
        MATRIX, client_for, s, persona, key, status, PUBLIC_CHANGES.get(key[0])
    )


# --------------------------------------------------------------------------------------
# A LAUNCHED team-only idea: closed for editing, even for its owner
# --------------------------------------------------------------------------------------

# fmt: off
LAUNCHED_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("ideas-detail", "GET"): expect(
        anonymous=404, outsider=404, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("ideas-edit", "GET"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=403, owner=403, reviewer=403, staff=403,
    ),
    ("ideas-edit", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=403, owner=403, reviewer=403, staff=403,
    ),
    # launched -> pilot does not exist: refused for everyone.
    ("ideas-move", "POST"): expect(
        anonymous=302, outsider=404, viewer=302,
        editor=302, owner=302, reviewer=302, staff=302,
    ),
    ("ideas-team-add", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=403, owner=302, reviewer=403, staff=403,
    ),
    ("ideas-comment-add", "POST"): expect(
        anonymous=302, outsider=404, viewer=302,
        editor=302, owner=302, reviewer=302, staff=302,
    ),
    ("ideas-comment-remove", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=403, owner=403, reviewer=403, staff=302,
    ),
}
# fmt: on

LAUNCHED_CHANGES: dict[str, frozenset[str]] = {
    "ideas-edit": NOBODY,
    "ideas-move": NOBODY,
    "ideas-team-add": only("owner"),
    "ideas-comment-add": only("viewer", "editor", "owner", "reviewer", "staff"),
    "ideas-comment-remove": only("staff"),
}


@pytest.mark.parametrize(("key", "persona", "status"), matrix_params(LAUNCHED_MATRIX))
def test_launched_idea_access(scenario, client_for, key, persona, status):
    s = scenario(stage=Stage.LAUNCHED, move_to=Stage.PILOT)
    run_matrix_case(
        MATRIX, client_for, s, persona, key, status, LAUNCHED_CHANGES.get(key[0])
    )


# --------------------------------------------------------------------------------------
# Stage moves: every transition × every persona
# --------------------------------------------------------------------------------------

MOVERS: dict[Actor, frozenset[str]] = {
    Actor.TEAM: only("owner", "editor"),
    Actor.OWNER: only("owner"),
    Actor.STAFF: only("staff"),
}


def _can_see_team_only(persona: str, stage: str) -> bool:
    if persona in ("viewer", "editor", "owner"):
        return True
    return persona in ("reviewer", "staff") and stage != Stage.DRAFT


def _error_messages(response: Any) -> list[str]:
    return [
        str(m)
        for m in get_messages(response.wsgi_request)
        if m.level == message_levels.ERROR
    ]


@pytest.mark.parametrize(
    ("source", "target", "persona"),
    [
        pytest.param(s, t, p, id=f"{s}-to-{t}-by-{p}")
        for (s, t) in TRANSITIONS
        for p in PERSONAS
    ],
)
def test_each_stage_move_is_made_only_by_its_actor(
    team_idea, client_for, source, target, persona
):
    idea = team_idea(stage=source)
    step = TRANSITIONS[(source, target)]
    path = reverse("ideas-move", args=[idea.pk])
    response = client_for(persona).post(
        path, {"to_stage": target, "from_stage": source, "note": "Because of reasons."}
    )

    may_see = _can_see_team_only(persona, source)
    should_move = may_see and persona in MOVERS[step.actor]
    idea.refresh_from_db()
    if persona == "anonymous":
        assert response.status_code == 302
        assert_login_redirect(response, path)
    elif not may_see:
        assert response.status_code == 404
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse("ideas-detail", args=[idea.pk])
        assert bool(_error_messages(response)) == (not should_move)
    if should_move:
        assert idea.stage == target
        change = StageChange.objects.get(idea=idea)
        assert (change.from_stage, change.to_stage) == (source, target)
        assert change.actor_id == response.wsgi_request.user.pk
    else:
        assert idea.stage == source
        assert not StageChange.objects.filter(idea=idea).exists()
    assert Venture.objects.filter(idea=idea).exists() == (
        should_move and target == Stage.LAUNCHED
    )


@pytest.mark.parametrize(
    ("stage", "data", "persona"),
    [
        # Not in the table at all.
        pytest.param(
            Stage.PROPOSED,
            {"to_stage": Stage.LAUNCHED, "from_stage": Stage.PROPOSED},
            "staff",
            id="skip-ahead-by-staff",
        ),
        pytest.param(
            Stage.PROPOSED,
            {"to_stage": Stage.DRAFT, "from_stage": Stage.PROPOSED},
            "owner",
            id="back-to-draft-by-owner",
        ),
        # Not a stage.
        pytest.param(
            Stage.PROPOSED,
            {"to_stage": "bogus", "from_stage": Stage.PROPOSED},
            "staff",
            id="unknown-stage",
        ),
        # Declining needs a note.
        pytest.param(
            Stage.PROPOSED,
            {"to_stage": Stage.DECLINED, "from_stage": Stage.PROPOSED},
            "staff",
            id="decline-without-note",
        ),
        # The staff member saw an older stage: the move is stale.
        pytest.param(
            Stage.SCREENING,
            {"to_stage": Stage.SCREENING, "from_stage": Stage.PROPOSED},
            "staff",
            id="stale-from-stage",
        ),
        # Submitting on someone's behalf.
        pytest.param(
            Stage.DRAFT,
            {"to_stage": Stage.PROPOSED, "from_stage": Stage.DRAFT},
            "viewer",
            id="viewer-submits",
        ),
        # Only the owner withdraws.
        pytest.param(
            Stage.SCREENING,
            {"to_stage": Stage.WITHDRAWN, "from_stage": Stage.SCREENING},
            "editor",
            id="editor-withdraws",
        ),
        pytest.param(
            Stage.SCREENING,
            {"to_stage": Stage.WITHDRAWN, "from_stage": Stage.SCREENING},
            "staff",
            id="staff-withdraws",
        ),
        pytest.param(
            Stage.PROPOSED,
            {"to_stage": Stage.SCREENING, "from_stage": Stage.PROPOSED},
            "reviewer",
            id="reviewer-screens",
        ),
    ],
)
def test_refused_move_redirects_with_an_error_and_changes_nothing(
    team_idea, client_for, stage, data, persona
):
    idea = team_idea(stage=stage)
    before = Idea.objects.values("stage", "stage_changed_at", "updated_at").get(
        pk=idea.pk
    )
    response = client_for(persona).post(
        reverse("ideas-move", args=[idea.pk]), {"note": "", **data}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("ideas-detail", args=[idea.pk])
    assert _error_messages(response)
    assert (
        Idea.objects.values("stage", "stage_changed_at", "updated_at").get(pk=idea.pk)
        == before
    )
    assert not StageChange.objects.filter(idea=idea).exists()


def test_author_cannot_edit_a_comment_after_the_edit_window(
    team_idea, people, client_for
):
    idea = team_idea(stage=Stage.PROPOSED)
    comment = Comment.objects.create(
        idea=idea,
        author=people["editor"],
        body="Old words",
        created_at=timezone.now() - settings.COMMENT_EDIT_WINDOW - timedelta(seconds=5),
    )
    client = client_for("editor")
    path = reverse("ideas-comment-edit", args=[comment.pk])
    assert client.get(path).status_code == 403
    assert client.post(path, {"body": "New words"}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Old words"
    assert comment.edited_at is None


def test_team_remove_cannot_reach_a_membership_of_another_idea(
    team_idea, people, make_idea, client_for
):
    mine = team_idea(stage=Stage.PROPOSED)
    theirs = make_idea(people["outsider"], stage=Stage.PROPOSED)
    foreign = TeamMembership.objects.create(
        idea=theirs, user=people["reviewer"], role=TeamRole.EDITOR
    )
    response = client_for("owner").post(
        reverse("ideas-team-remove", args=[mine.pk, foreign.pk])
    )
    assert response.status_code == 404
    assert TeamMembership.objects.filter(pk=foreign.pk).exists()


# --------------------------------------------------------------------------------------
# Listings, search and page bodies never reveal a hidden idea
# --------------------------------------------------------------------------------------

SECRET_DRAFT = "Zephyrquill secret draft"
SECRET_PROPOSAL = "Quokkamatic team proposal"
SECRET_LAUNCH = "Borealiscope launched idea"
PUBLIC_TITLE = "Openharbour public idea"


@pytest.fixture
def secrets(team_idea, make_idea, people) -> dict[str, Idea]:
    draft = team_idea(title=SECRET_DRAFT, pitch="zephyr pitch", tags=["zephyrtag"])
    proposal = team_idea(
        title=SECRET_PROPOSAL, stage=Stage.PROPOSED, tags=["quokkatag"]
    )
    launched = team_idea(title=SECRET_LAUNCH, stage=Stage.LAUNCHED)
    Venture.objects.create(
        name="Northern Lights Co", slug="northern-lights", idea=launched
    )
    public = make_idea(
        people["outsider"], title=PUBLIC_TITLE, visibility=Visibility.PUBLIC
    )
    for idea in (draft, proposal, launched):
        Comment.objects.create(idea=idea, author=people["editor"], body="Team talk")
    return {
        "draft": draft,
        "proposal": proposal,
        "launched": launched,
        "public": public,
    }


HIDDEN_FROM: dict[str, frozenset[str]] = {
    "draft": only("anonymous", "outsider", "reviewer", "staff"),
    "proposal": only("anonymous", "outsider"),
    "launched": only("anonymous", "outsider"),
}

LIST_QUERIES = [
    "",
    "?q=zephyr",
    "?q=Zephyrquill",
    "?q=zephyrtag",
    "?tag=zephyrtag",
    "?stage=draft",
    "?mine=on",
    "?q=secret&stage=draft&tag=zephyrtag&mine=on",
    "?page=2",
]


@pytest.mark.parametrize("persona", ["outsider", "reviewer", "staff", "anonymous"])
@pytest.mark.parametrize("query", LIST_QUERIES)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_team_only_draft_never_listed_or_found(
    secrets, client_for, persona, query, htmx
):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client_for(persona).get(reverse("ideas-list") + query, headers=headers)
    assert response.status_code == 200
    listed = {idea.pk for idea in response.context["page"].object_list}
    assert secrets["draft"].pk not in listed
    assert SECRET_DRAFT.encode() not in response.content


def test_team_sees_its_draft_in_search(secrets, client_for):
    """Control for the test above: the search does find the draft for its team."""
    for persona in ("owner", "editor", "viewer"):
        response = client_for(persona).get(reverse("ideas-list") + "?q=zephyrtag")
        assert SECRET_DRAFT.encode() in response.content, persona


def _pages_to_probe(secrets: dict[str, Idea]) -> list[str]:
    pages = [reverse(name) for name in (
        "hub-landing", "hub-profile", "hub-people", "ideas-list", "ideas-mine",
        "ideas-create", "ideas-board", "ventures-list", "hub-notifications",
        "hub-notifications-badge",
    )]  # fmt: skip
    pages += [
        reverse("ideas-list") + q
        for q in LIST_QUERIES + ["?q=quokka", "?q=borealiscope"]
    ]
    pages += [reverse("hub-people") + "?q=Owen", reverse("ideas-mine") + "?page=2"]
    pages += [reverse("ventures-detail", args=[v.slug]) for v in Venture.objects.all()]
    for idea in Idea.objects.all():
        pages += [
            reverse("ideas-detail", args=[idea.pk]),
            reverse("ideas-edit", args=[idea.pk]),
        ]
    for comment in Comment.objects.all():
        pages.append(reverse("ideas-comment-edit", args=[comment.pk]))
    return pages


@pytest.mark.parametrize("persona", PERSONAS)
def test_hidden_idea_title_never_appears_in_any_page(secrets, client_for, persona):
    titles = {key: secrets[key].title.encode() for key in HIDDEN_FROM}
    hidden = [key for key, personas in HIDDEN_FROM.items() if persona in personas]
    visible = [key for key in HIDDEN_FROM if key not in hidden]
    client = client_for(persona)
    seen_anywhere: set[str] = set()
    for path in _pages_to_probe(secrets):
        body = client.get(path, follow=True).content
        for key in hidden:
            assert titles[key] not in body, f"{persona} sees {key!r} title on {path}"
        seen_anywhere |= {key for key in visible if titles[key] in body}
    # Control: the ideas this persona may see do show up somewhere.
    assert seen_anywhere == set(visible)


# --------------------------------------------------------------------------------------
# The queryset and the rules predicate agree
# --------------------------------------------------------------------------------------


@pytest.fixture
def every_kind_of_idea(team_idea, program) -> list[Idea]:
    """Every visibility × stage, outside any program and inside conftest's
    ``program`` (whose only member persona is "program_member")."""
    return [
        team_idea(visibility=visibility, stage=stage, program=in_program)
        for visibility, stage, in_program in itertools.product(
            Visibility.values, Stage.values, [None, program]
        )
    ]


def _user(people: dict[str, User | None], persona: str) -> Any:
    return people[persona] or AnonymousUser()


def _expected_readable(persona: str, idea: Idea) -> bool:
    if idea.visibility == Visibility.PUBLIC:
        return True
    if persona in ("owner", "editor", "viewer"):
        return True
    # "Program members": the program's members and staff, at every stage; an
    # idea marked so without a program (the form refuses it) stays with the team.
    in_program = idea.visibility == Visibility.PROGRAM and idea.program_id
    if in_program and persona in ("program_member", "staff"):
        return True
    return persona in ("reviewer", "staff") and idea.stage != Stage.DRAFT


@pytest.mark.parametrize("persona", PROGRAM_PERSONAS)
def test_visible_to_agrees_with_read_rule(people, every_kind_of_idea, persona):
    user = _user(people, persona)
    by_queryset = set(Idea.objects.visible_to(user).values_list("pk", flat=True))
    for idea in Idea.objects.all():
        by_rule = user.has_perm("ideas.read_idea", idea)
        assert (idea.pk in by_queryset) == by_rule, (
            f"{persona} on {idea.visibility}/{idea.stage}: "
            f"queryset={idea.pk in by_queryset}, rule={by_rule}"
        )
        assert by_rule == _expected_readable(persona, idea), (
            f"{persona} on {idea.visibility}/{idea.stage}"
        )


@pytest.mark.parametrize(
    "persona",
    ["outsider", "viewer", "editor", "owner", "reviewer", "staff", "program_member"],
)
def test_visible_to_agrees_with_read_rule_for_a_deactivated_account(
    people, every_kind_of_idea, persona
):
    """A deactivated account reads public ideas only, by both definitions.

    ``visible_to`` narrows inactive users to public ideas, but the ``rules``
    predicates (``team_role``) ignore ``is_active``, so a deactivated team
    member still "has" ideas.read_idea (and edit/manage) on the team's ideas.
    """
    user = people[persona]
    user.is_active = False
    user.save(update_fields=["is_active"])
    user = User.objects.get(pk=user.pk)
    by_queryset = set(Idea.objects.visible_to(user).values_list("pk", flat=True))
    disagreements = [
        f"{idea.visibility}/{idea.stage}"
        for idea in Idea.objects.all()
        if (idea.pk in by_queryset) != user.has_perm("ideas.read_idea", idea)
    ]
    assert disagreements == []


# --------------------------------------------------------------------------------------
# Mass assignment: forms ignore fields they do not declare
# --------------------------------------------------------------------------------------


def test_create_form_ignores_owner_stage_and_id(people, client_for):
    poster = people["outsider"]
    data = {
        **_idea_form("Smuggling idea"),
        **SMUGGLED,
        "owner": str(people["staff"].pk),
        "stage": Stage.LAUNCHED,
        "stage_changed_at": "2000-01-01 00:00",
        "created_at": "2000-01-01 00:00",
    }
    response = client_for("outsider").post(reverse("ideas-create"), data)
    assert response.status_code == 302
    idea = Idea.objects.get(title="Smuggling idea")
    assert idea.owner_id == poster.pk
    assert idea.stage == Stage.DRAFT
    assert idea.pk != 4242 and not Idea.objects.filter(pk=4242).exists()
    assert idea.created_at.year != 2000 and idea.stage_changed_at.year != 2000
    assert not StageChange.objects.filter(idea=idea).exists()
    assert not Venture.objects.exists()
    poster.refresh_from_db()
    assert (poster.role, poster.is_staff, poster.is_superuser) == (
        Role.ENTREPRENEUR,
        False,
        False,
    )


@pytest.mark.parametrize("persona", ["owner", "editor"])
def test_edit_form_ignores_owner_stage_and_id(team_idea, people, client_for, persona):
    idea = team_idea(stage=Stage.PROPOSED)
    before = Idea.objects.values(
        "owner_id", "stage", "stage_changed_at", "created_at"
    ).get(pk=idea.pk)
    data = {
        **_idea_form("Edited by smuggler"),
        **SMUGGLED,
        "owner": str(people[persona].pk if persona != "owner" else people["staff"].pk),
        "stage": Stage.LAUNCHED,
        "stage_changed_at": "2000-01-01 00:00",
        "created_at": "2000-01-01 00:00",
    }
    response = client_for(persona).post(reverse("ideas-edit", args=[idea.pk]), data)
    assert response.status_code == 302
    assert (
        Idea.objects.get(pk=idea.pk).title == "Edited by smuggler"
    )  # the form did save
    after = Idea.objects.values(
        "owner_id", "stage", "stage_changed_at", "created_at"
    ).get(pk=idea.pk)
    assert after == before
    assert not Idea.objects.filter(pk=4242).exists()
    assert Idea.objects.count() == 1
    assert not StageChange.objects.exists()
    user = User.objects.get(pk=people[persona].pk)
    assert (user.role, user.is_staff, user.is_superuser) == (
        Role.ENTREPRENEUR,
        False,
        False,
    )
