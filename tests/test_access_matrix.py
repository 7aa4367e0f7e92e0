"""Who may reach which page: every URL × every persona, as audit-friendly tables.

The spec, in short:

* Public ideas: everyone (anonymous included) may read them.
* Team-only ideas: the owner and team members (viewer, editor); once
  submitted (stage != draft) also reviewers and city staff.
* An idea a person may not see answers 404, never 403.
* Login-required pages redirect anonymous people to /accounts/login/?next=...
* Editing an idea: owner or editor, in draft/proposed/screening/planning/pilot;
  anyone else who can see it gets 403.
* Team management: owner only; a member may remove themself (leave).
* Comments: anyone logged in who can see the idea; the author edits for
  COMMENT_EDIT_WINDOW; only staff remove.
* Pipeline board, people page, role changes: staff only.
* Stage moves: the team submits draft→proposed, only the owner withdraws or
  reopens, staff make every other move. A refused move redirects with an error
  message and changes nothing.

Each matrix below is a dict keyed by ``(url name, method)``; each value maps
every persona to the expected status code. POST rows also say, in a second
table, for which personas the change actually lands in the database.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from hub.models import Notification, NotificationKind, Role, User
from ideas.models import (
    Comment,
    Idea,
    StageChange,
    TeamMembership,
    TeamRole,
    Visibility,
)
from ideas.stages import TRANSITIONS, Actor, Stage
from tests.conftest import PERSONAS
from ventures.models import (
    CatalogSource,
    DataRequest,
    Dataset,
    DatasetUse,
    Venture,
    VentureMember,
    VentureRole,
)

pytestmark = pytest.mark.django_db

LOGIN_PATH = "/accounts/login/"

# Sentinel values the POST requests write, so effects are easy to look up.
NEW_DISPLAY_NAME = "Matrix Renamed Person"
NEW_IDEA_TITLE = "Matrix created idea"
EDITED_IDEA_TITLE = "Matrix edited title"
NEW_COMMENT_BODY = "Matrix comment body"
EDITED_COMMENT_BODY = "Matrix edited comment"
MATRIX_CATALOG = "Matrix imported catalog"


def expect(**statuses: int) -> dict[str, int]:
    """One row of a matrix; insists every persona is stated."""
    assert sorted(statuses) == sorted(PERSONAS), f"row must cover {PERSONAS}"
    return statuses


def only(*personas: str) -> frozenset[str]:
    assert set(personas) <= set(PERSONAS)
    return frozenset(personas)


LOGGED_IN = only("outsider", "viewer", "editor", "owner", "reviewer", "staff")
NOBODY = frozenset()


# --------------------------------------------------------------------------------------
# The world each request runs against
# --------------------------------------------------------------------------------------


@dataclass
class Scenario:
    idea: Idea
    comment: Comment  # by the editor, just now (inside the edit window)
    viewer_membership: TeamMembership
    newcomer: User  # a registered person the owner may add to the team
    bystander: User  # a person whose role staff may change
    venture: Venture
    move_from: str
    move_to: str
    notices: dict[str, Notification]  # one unread notification per person


@pytest.fixture
def scenario(people, team_idea, make_user) -> Callable[..., Scenario]:
    def make(*, move_to: str, **idea_fields: Any) -> Scenario:
        idea = team_idea(**idea_fields)
        comment = Comment.objects.create(
            idea=idea, author=people["editor"], body="First!"
        )
        return Scenario(
            idea=idea,
            comment=comment,
            viewer_membership=TeamMembership.objects.get(
                idea=idea, user=people["viewer"]
            ),
            newcomer=make_user(name="Nina Newcomer"),
            bystander=make_user(name="Bea Bystander"),
            venture=Venture.objects.create(name="Harbour Bikes", slug="harbour-bikes"),
            move_from=idea.stage,
            move_to=move_to,
            notices={
                persona: Notification.objects.create(
                    recipient=user,
                    kind=NotificationKind.COMMENT,
                    text=f"Someone commented on “{idea.title}”.",
                    url=idea.get_absolute_url(),
                )
                for persona, user in people.items()
                if user is not None
            },
        )

    return make


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


# (url name, method) -> builds (path, POST data) for a scenario.
REQUESTS: dict[tuple[str, str], Callable[[Scenario], tuple[str, dict[str, str]]]] = {
    ("hub-landing", "GET"): lambda s: (reverse("hub-landing"), {}),
    ("hub-profile", "GET"): lambda s: (reverse("hub-profile"), {}),
    ("hub-profile", "POST"): lambda s: (
        reverse("hub-profile"),
        {
            "display_name": NEW_DISPLAY_NAME,
            "organisation": "Org",
            "bio": "Bio",
            "skills": "x",
        },
    ),
    ("hub-people", "GET"): lambda s: (reverse("hub-people"), {}),
    ("hub-people-role", "POST"): lambda s: (
        reverse("hub-people-role", args=[s.bystander.pk]),
        {f"p{s.bystander.pk}-role": Role.REVIEWER},
    ),
    ("ideas-list", "GET"): lambda s: (reverse("ideas-list"), {}),
    ("ideas-mine", "GET"): lambda s: (reverse("ideas-mine"), {}),
    ("ideas-create", "GET"): lambda s: (reverse("ideas-create"), {}),
    ("ideas-create", "POST"): lambda s: (
        reverse("ideas-create"),
        _idea_form(NEW_IDEA_TITLE),
    ),
    ("ideas-detail", "GET"): lambda s: (reverse("ideas-detail", args=[s.idea.pk]), {}),
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
    ("ventures-list", "GET"): lambda s: (reverse("ventures-list"), {}),
    ("ventures-create", "GET"): lambda s: (reverse("ventures-create"), {}),
    ("ventures-create", "POST"): lambda s: (
        reverse("ventures-create"),
        _venture_form(NEW_VENTURE_NAME),
    ),
    ("ventures-edit", "GET"): lambda s: (
        reverse("ventures-edit", args=[s.venture.slug]),
        {},
    ),
    ("ventures-edit", "POST"): lambda s: (
        reverse("ventures-edit", args=[s.venture.slug]),
        _venture_form(EDITED_VENTURE_NAME),
    ),
    ("ventures-use-add", "POST"): lambda s: (
        reverse("ventures-use-add", args=[s.venture.slug]),
        {"use-dataset": str(_venture_world(s)["unused"].pk), "use-extent": "core"},
    ),
    ("ventures-use-edit", "GET"): lambda s: (
        reverse("ventures-use-edit", args=[s.venture.slug, _venture_world(s)["use"]]),
        {},
    ),
    ("ventures-use-edit", "POST"): lambda s: (
        reverse("ventures-use-edit", args=[s.venture.slug, _venture_world(s)["use"]]),
        {"how": EDITED_USE_HOW, "extent": "supporting", "quality": "3"},
    ),
    ("ventures-use-remove", "POST"): lambda s: (
        reverse("ventures-use-remove", args=[s.venture.slug, _venture_world(s)["use"]]),
        {},
    ),
    ("ventures-data-request-add", "POST"): lambda s: (
        reverse("ventures-data-request-add", args=[_venture_world(s)["slug"]]),
        {"request-title": NEW_DATA_REQUEST, "request-description": ""},
    ),
    ("ventures-data-requests", "GET"): lambda s: (
        reverse("ventures-data-requests"),
        {},
    ),
    ("ventures-data-request-status", "POST"): lambda s: (
        reverse("ventures-data-request-status", args=[_venture_world(s)["request"]]),
        {"status": "planned"},
    ),
    ("hub-notifications", "GET"): lambda s: (reverse("hub-notifications"), {}),
    ("hub-notifications-badge", "GET"): lambda s: (
        reverse("hub-notifications-badge"),
        {},
    ),
    ("hub-notifications-read-all", "POST"): lambda s: (
        reverse("hub-notifications-read-all"),
        {},
    ),
    # Always the owner's notification: nobody else may open it.
    ("hub-notifications-open", "POST"): lambda s: (
        reverse("hub-notifications-open", args=[s.notices["owner"].pk]),
        {},
    ),
    ("ventures-detail", "GET"): lambda s: (
        reverse("ventures-detail", args=[s.venture.slug]),
        {},
    ),
    ("datasets-list", "GET"): lambda s: (reverse("datasets-list"), {}),
    ("datasets-detail", "GET"): lambda s: (
        reverse("datasets-detail", args=[_dataset(s)]),
        {},
    ),
    ("catalog-sources", "GET"): lambda s: (reverse("catalog-sources"), {}),
    ("catalog-import", "GET"): lambda s: (reverse("catalog-import"), {}),
    ("catalog-import", "POST"): lambda s: (
        reverse("catalog-import"),
        {"file": _catalog_upload(), "source": MATRIX_CATALOG},
    ),
    ("catalog-import-status", "GET"): lambda s: (
        reverse("catalog-import-status", args=[_import_job(s)]),
        {},
    ),
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
}


def _dataset(s: Scenario) -> int:
    """A catalog dataset (made on first use)."""
    source, _created = CatalogSource.objects.get_or_create(name="Matrix portal")
    dataset, _created = Dataset.objects.get_or_create(
        source=source, identifier="m1", defaults={"title": "Matrix dataset"}
    )
    return dataset.pk


def _import_job(s: Scenario) -> str:
    """A finished catalog import job, as the import page leaves it."""
    cache.set(
        "catalog-import:matrixjob",
        {"state": "done", "processed": 1, "source": "Matrix portal", "line": ""},
    )
    return "matrixjob"


def _catalog_upload() -> Any:
    body = b'{"dataset": [{"identifier": "u1", "title": "Matrix upload"}]}'
    return SimpleUploadedFile("matrix.json", body, content_type="application/json")


NEW_VENTURE_NAME = "Matrix created venture"
EDITED_VENTURE_NAME = "Matrix edited venture"
EDITED_USE_HOW = "Matrix edited use"
NEW_DATA_REQUEST = "Matrix requested dataset"


def _venture_form(name: str) -> dict[str, str]:
    return {"name": name, "status": "operating", "launched_on": "2024-01-01"}


def _venture_world(s: Scenario) -> dict[str, Any]:
    """The scenario's venture with the owner (founder) and editor on its team,
    one recorded dataset use, one dataset not yet used and one data request
    (made on first use)."""
    venture = s.venture
    VentureMember.objects.get_or_create(
        venture=venture, user=s.idea.owner, defaults={"role": VentureRole.FOUNDER}
    )
    VentureMember.objects.get_or_create(
        venture=venture,
        user=s.comment.author,  # the editor
        defaults={"role": VentureRole.MEMBER},
    )
    source, _created = CatalogSource.objects.get_or_create(name="Matrix uses")
    used, _created = Dataset.objects.get_or_create(
        source=source, identifier="used", defaults={"title": "Matrix used dataset"}
    )
    unused, _created = Dataset.objects.get_or_create(
        source=source, identifier="unused", defaults={"title": "Matrix new dataset"}
    )
    use, _created = DatasetUse.objects.get_or_create(venture=venture, dataset=used)
    request, _created = DataRequest.objects.get_or_create(
        venture=venture, title="Matrix first request"
    )
    return {
        "slug": venture.slug,
        "use": use.pk,
        "unused": unused,
        "request": request.pk,
    }


def _first_version(s: Scenario) -> int:
    """A frozen plan version of the scenario's idea (made on first use)."""
    from ideas.models import PlanVersion
    from ideas.plans import get_or_create_plan

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


# url name -> did the POST's change land in the database?
EFFECTS: dict[str, Callable[[Scenario], bool]] = {
    "hub-profile": lambda s: User.objects.filter(
        display_name=NEW_DISPLAY_NAME
    ).exists(),
    "hub-people-role": lambda s: (
        User.objects.get(pk=s.bystander.pk).role == Role.REVIEWER
    ),
    "ideas-create": lambda s: Idea.objects.filter(title=NEW_IDEA_TITLE).exists(),
    "ideas-edit": lambda s: Idea.objects.get(pk=s.idea.pk).title == EDITED_IDEA_TITLE,
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
    "hub-notifications-read-all": lambda s: Notification.objects.filter(
        read_at__isnull=False
    ).exists(),
    "hub-notifications-open": lambda s: (
        Notification.objects.get(pk=s.notices["owner"].pk).read_at is not None
    ),
    "ideas-plan-preview": lambda s: False,  # renders, stores nothing
    "ventures-create": lambda s: Venture.objects.filter(name=NEW_VENTURE_NAME).exists(),
    "ventures-edit": lambda s: (
        Venture.objects.get(pk=s.venture.pk).name == EDITED_VENTURE_NAME
    ),
    "ventures-use-add": lambda s: DatasetUse.objects.filter(
        venture=s.venture, dataset__identifier="unused"
    ).exists(),
    "ventures-use-edit": lambda s: DatasetUse.objects.filter(
        how=EDITED_USE_HOW
    ).exists(),
    "ventures-use-remove": lambda s: (
        not DatasetUse.objects.filter(dataset__identifier="used").exists()
    ),
    "ventures-data-request-add": lambda s: DataRequest.objects.filter(
        title=NEW_DATA_REQUEST
    ).exists(),
    "ventures-data-request-status": lambda s: DataRequest.objects.filter(
        status="planned"
    ).exists(),
    "catalog-import": lambda s: Dataset.objects.filter(
        source__name=MATRIX_CATALOG
    ).exists(),
}


def _assert_login_redirect(response: Any, path: str) -> None:
    location = urlsplit(response["Location"])
    assert location.path == LOGIN_PATH, response["Location"]
    assert parse_qs(location.query)["next"] == [path]


def run_matrix_case(
    client_for: Callable[..., Any],
    s: Scenario,
    persona: str,
    key: tuple[str, str],
    status: int,
    changers: frozenset[str] | None,
) -> None:
    url_name, method = key
    path, data = REQUESTS[key](s)
    client = client_for(persona)
    response = client.get(path) if method == "GET" else client.post(path, data)
    assert response.status_code == status, (
        f"{method} {url_name} as {persona}: "
        f"expected {status}, got {response.status_code}"
    )
    if status == 302:
        if persona == "anonymous":
            _assert_login_redirect(response, path)
        else:
            assert urlsplit(response["Location"]).path != LOGIN_PATH
    if method == "POST":
        assert changers is not None, f"no effect row for POST {url_name}"
        landed = EFFECTS[url_name](s)
        assert landed == (persona in changers), (
            f"POST {url_name} as {persona}: change landed={landed}, "
            f"expected {persona in changers}"
        )


def matrix_params(
    matrix: dict[tuple[str, str], dict[str, int]],
) -> list[Any]:
    return [
        pytest.param(key, persona, row[persona], id=f"{key[0]}-{key[1]}-{persona}")
        for key, row in matrix.items()
        for persona in PERSONAS
    ]


# --------------------------------------------------------------------------------------
# Main matrix: a team-only idea in "proposed" (submitted, so reviewers/staff see it)
# --------------------------------------------------------------------------------------

# fmt: off
MAIN_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("hub-landing", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("hub-profile", "GET"): expect(
        anonymous=302, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("hub-profile", "POST"): expect(
        anonymous=302, outsider=302, viewer=302,
        editor=302, owner=302, reviewer=302, staff=302,
    ),
    ("hub-people", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("hub-people-role", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=302,
    ),
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
    ("ventures-list", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("ventures-detail", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    # Ventures: staff enter and edit them; the venture's team (owner as founder,
    # editor as member; not the idea's viewer) and staff record dataset uses
    # and ask for data; staff triage the requests.
    ("ventures-create", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("ventures-create", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=302,
    ),
    ("ventures-edit", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("ventures-edit", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=302,
    ),
    ("ventures-use-add", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=302, owner=302, reviewer=403, staff=302,
    ),
    ("ventures-use-edit", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=200, owner=200, reviewer=403, staff=200,
    ),
    ("ventures-use-edit", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=302, owner=302, reviewer=403, staff=302,
    ),
    ("ventures-use-remove", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=302, owner=302, reviewer=403, staff=302,
    ),
    ("ventures-data-request-add", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=302, owner=302, reviewer=403, staff=302,
    ),
    ("ventures-data-requests", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("ventures-data-request-status", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=302,
    ),
    # Notifications: everyone signed in has their own; nobody reaches another's.
    ("hub-notifications", "GET"): expect(
        anonymous=302, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("hub-notifications-badge", "GET"): expect(
        anonymous=302, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("hub-notifications-read-all", "POST"): expect(
        anonymous=302, outsider=302, viewer=302,
        editor=302, owner=302, reviewer=302, staff=302,
    ),
    # The owner's notification.
    ("hub-notifications-open", "POST"): expect(
        anonymous=302, outsider=404, viewer=404,
        editor=404, owner=302, reviewer=404, staff=404,
    ),
    # The open-data catalog: datasets are public; sources and imports are staff's.
    ("datasets-list", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("datasets-detail", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("catalog-sources", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("catalog-import", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("catalog-import", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=302,
    ),
    ("catalog-import-status", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    # The plan: the team and staff read it; reviewers only once assigned.
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
}
# fmt: on

MAIN_CHANGES: dict[str, frozenset[str]] = {
    "hub-profile": LOGGED_IN,
    "hub-people-role": only("staff"),
    "ideas-create": LOGGED_IN,
    "ideas-edit": only("editor", "owner"),
    "ideas-move": only("staff"),
    "ideas-team-add": only("owner"),
    "ideas-team-remove": only("owner", "viewer"),
    "ideas-comment-add": only("viewer", "editor", "owner", "reviewer", "staff"),
    "ideas-comment-edit": only("editor"),
    "ideas-comment-remove": only("staff"),
    "ideas-plan-preview": NOBODY,
    "hub-notifications-read-all": LOGGED_IN,
    "hub-notifications-open": only("owner"),
    "ventures-create": only("staff"),
    "ventures-edit": only("staff"),
    "ventures-use-add": only("editor", "owner", "staff"),
    "ventures-use-edit": only("editor", "owner", "staff"),
    "ventures-use-remove": only("editor", "owner", "staff"),
    "ventures-data-request-add": only("editor", "owner", "staff"),
    "ventures-data-request-status": only("staff"),
    "catalog-import": only("staff"),
}

ALL_URL_NAMES = {
    "hub-landing", "hub-profile", "hub-people", "hub-people-role",
    "ideas-list", "ideas-mine", "ideas-create", "ideas-detail", "ideas-edit",
    "ideas-move", "ideas-team-add", "ideas-team-remove", "ideas-comment-add",
    "ideas-comment-edit", "ideas-comment-remove", "ideas-board",
    "ventures-list", "ventures-detail", "ventures-create", "ventures-edit",
    "ventures-use-add", "ventures-use-edit", "ventures-use-remove",
    "ventures-data-request-add", "ventures-data-requests",
    "ventures-data-request-status",
    "hub-notifications", "hub-notifications-badge", "hub-notifications-read-all",
    "hub-notifications-open",
    "ideas-plan", "ideas-plan-preview", "ideas-plan-versions", "ideas-plan-version",
    "datasets-list", "datasets-detail", "catalog-sources", "catalog-import",
    "catalog-import-status",
}  # fmt: skip


def test_main_matrix_covers_every_url_of_the_app():
    from django.urls import get_resolver

    def names(patterns: list[Any]) -> set[str]:
        found: set[str] = set()
        for p in patterns:
            if hasattr(p, "url_patterns"):
                if getattr(p, "app_name", None) == "admin":
                    continue
                module = getattr(p.urlconf_module, "__name__", "")
                if module.startswith("allauth"):
                    continue
                found |= names(p.url_patterns)
            elif p.name:
                found.add(p.name)
        return found

    assert names(get_resolver().url_patterns) == ALL_URL_NAMES
    assert {name for name, _method in MAIN_MATRIX} == ALL_URL_NAMES
    assert set(MAIN_CHANGES) == {
        name for name, method in MAIN_MATRIX if method == "POST"
    }


@pytest.mark.parametrize(("key", "persona", "status"), matrix_params(MAIN_MATRIX))
def test_team_only_proposed_idea_access(scenario, client_for, key, persona, status):
    s = scenario(stage=Stage.PROPOSED, move_to=Stage.SCREENING)
    run_matrix_case(client_for, s, persona, key, status, MAIN_CHANGES.get(key[0]))


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
    run_matrix_case(client_for, s, persona, key, status, DRAFT_CHANGES.get(key[0]))


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
    run_matrix_case(client_for, s, persona, key, status, PUBLIC_CHANGES.get(key[0]))


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
    run_matrix_case(client_for, s, persona, key, status, LAUNCHED_CHANGES.get(key[0]))


def test_post_only_urls_refuse_get_without_changing_anything(scenario, client_for):
    s = scenario(stage=Stage.PROPOSED, move_to=Stage.SCREENING)
    client = client_for("staff")
    for key in REQUESTS:
        url_name, method = key
        if method != "POST" or (url_name, "GET") in REQUESTS:
            continue
        path, _data = REQUESTS[key](s)
        assert client.get(path).status_code == 405, url_name
        assert not EFFECTS[url_name](s), url_name


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
        _assert_login_redirect(response, path)
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
def every_kind_of_idea(team_idea) -> list[Idea]:
    return [
        team_idea(visibility=visibility, stage=stage)
        for visibility, stage in itertools.product(Visibility.values, Stage.values)
    ]


def _user(people: dict[str, User | None], persona: str) -> Any:
    return people[persona] or AnonymousUser()


def _expected_readable(persona: str, idea: Idea) -> bool:
    if idea.visibility == Visibility.PUBLIC:
        return True
    if persona in ("owner", "editor", "viewer"):
        return True
    return persona in ("reviewer", "staff") and idea.stage != Stage.DRAFT


@pytest.mark.parametrize("persona", PERSONAS)
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
    "persona", ["outsider", "viewer", "editor", "owner", "reviewer", "staff"]
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

SMUGGLED = {
    "id": "4242",
    "pk": "4242",
    "role": Role.STAFF,
    "is_staff": "on",
    "is_superuser": "on",
}


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


def test_profile_form_ignores_role_staff_flags_email_and_id(people, client_for):
    person = people["outsider"]
    other = people["viewer"]
    before = User.objects.values(
        "pk", "email", "role", "is_staff", "is_superuser", "is_active", "password"
    ).get(pk=person.pk)
    data = {
        "display_name": "Renamed Olga",
        "organisation": "Olga Org",
        "bio": "Hi",
        "skills": "retail",
        **SMUGGLED,
        "id": str(other.pk),
        "email": "hijack@example.org",
        "is_active": "",
        "password": "x",
        "groups": "1",
        "user_permissions": "1",
    }
    response = client_for("outsider").post(reverse("hub-profile"), data)
    assert response.status_code == 302
    person = User.objects.get(pk=person.pk)
    assert person.display_name == "Renamed Olga"  # the form did save
    after = User.objects.values(
        "pk", "email", "role", "is_staff", "is_superuser", "is_active", "password"
    ).get(pk=person.pk)
    assert after == before
    assert not person.groups.exists() and not person.user_permissions.exists()
    other.refresh_from_db()
    assert other.display_name == "Vera Viewer"
    assert not User.objects.filter(email="hijack@example.org").exists()
