"""The machinery of the access matrices: who may reach which page.

Each app's table is in ``tests/<app>/test_access_matrix.py``; this module holds
what they share. The spec, in short:

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

An app's matrix (:class:`AppMatrix`) says, for each ``(url name, method)``, how
to build the request against a :class:`Scenario` and, for every persona, the
expected status code; POST rows also say, in a second table, for which personas
the change actually lands in the database. :func:`app_matrices` gathers every
app's matrix, so that one test (``tests/hub/test_access_matrix.py``) can check
that together they cover every URL name of the project.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from hub.core.models import Notification, NotificationKind, Role, User
from ideas.models import Comment, Idea, TeamMembership
from programs.models import Cohort, Invitation, Program, ProgramMembership
from programs.services import hash_token
from tests.support.personas import PERSONAS
from ventures.models import Venture

LOGIN_PATH = "/accounts/login/"

#: ``(url name, method)``
Key = tuple[str, str]
#: Builds ``(path, POST data)`` for a scenario.
RequestBuilder = Callable[["Scenario"], tuple[str, dict[str, Any]]]
#: Did the POST's change land in the database?
Effect = Callable[["Scenario"], bool]

#: The apps' matrices, floor first; each module defines ``MATRIX``.
APP_MATRIX_MODULES = (
    "tests.hub.test_access_matrix",
    "tests.catalog.test_access_matrix",
    "tests.programs.test_access_matrix",
    "tests.ideas.test_access_matrix",
    "tests.challenges.test_access_matrix",
    "tests.ventures.test_access_matrix",
    "tests.reports.test_access_matrix",
    "tests.api.test_access_matrix",
)

#: Fields no form declares, posted anyway (mass assignment).
SMUGGLED = {
    "id": "4242",
    "pk": "4242",
    "role": Role.STAFF,
    "is_staff": "on",
    "is_superuser": "on",
}


def expect(**statuses: int) -> dict[str, int]:
    """One row of a matrix; insists every persona is stated."""
    assert sorted(statuses) == sorted(PERSONAS), f"row must cover {PERSONAS}"
    return statuses


def only(*personas: str) -> frozenset[str]:
    assert set(personas) <= set(PERSONAS)
    return frozenset(personas)


LOGGED_IN = only("outsider", "viewer", "editor", "owner", "reviewer", "staff")
NOBODY: frozenset[str] = frozenset()


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


def scenario_factory(
    people: dict[str, User | None],
    team_idea: Callable[..., Idea],
    make_user: Callable[..., User],
) -> Callable[..., Scenario]:
    """What the ``scenario`` fixture (``tests/conftest.py``) returns:
    ``scenario(move_to=..., **idea_fields)`` builds a team idea and its world."""

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


# --------------------------------------------------------------------------------------
# An app's matrix, and one case of it
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppMatrix:
    """One app's part of the access matrix."""

    #: Every URL name the app's urlconf declares (written out, for review).
    url_names: frozenset[str]
    requests: dict[Key, RequestBuilder]
    #: url name -> did the POST's change land in the database?
    effects: dict[str, Effect]
    #: The main matrix: a team-only idea in "proposed" (submitted, so
    #: reviewers and staff see it); one row per request.
    proposed: dict[Key, dict[str, int]]
    #: url name -> the personas whose POST changes something (main matrix).
    changes: dict[str, frozenset[str]]
    #: The program member's status on every URL inside a program.
    program_member: dict[Key, int] = field(default_factory=dict)
    #: The requests that are inside a program (need a program_member row).
    program_scoped: frozenset[Key] = frozenset()


def app_matrices() -> dict[str, AppMatrix]:
    """Every app's matrix, by module name."""
    return {name: importlib.import_module(name).MATRIX for name in APP_MATRIX_MODULES}


def assert_login_redirect(response: Any, path: str) -> None:
    location = urlsplit(response["Location"])
    assert location.path == LOGIN_PATH, response["Location"]
    assert parse_qs(location.query)["next"] == [path]


def run_matrix_case(
    matrix: AppMatrix,
    client_for: Callable[..., Any],
    s: Scenario,
    persona: str,
    key: Key,
    status: int,
    changers: frozenset[str] | None,
) -> None:
    url_name, method = key
    path, data = matrix.requests[key](s)
    client = client_for(persona)
    response = client.get(path) if method == "GET" else client.post(path, data)
    assert response.status_code == status, (
        f"{method} {url_name} as {persona}: "
        f"expected {status}, got {response.status_code}"
    )
    if status == 302:
        if persona == "anonymous":
            assert_login_redirect(response, path)
        else:
            assert urlsplit(response["Location"]).path != LOGIN_PATH
    if method == "POST":
        assert changers is not None, f"no effect row for POST {url_name}"
        landed = matrix.effects[url_name](s)
        assert landed == (persona in changers), (
            f"POST {url_name} as {persona}: change landed={landed}, "
            f"expected {persona in changers}"
        )


def matrix_params(
    matrix: dict[Key, dict[str, int]],
) -> list[Any]:
    return [
        pytest.param(key, persona, row[persona], id=f"{key[0]}-{key[1]}-{persona}")
        for key, row in matrix.items()
        for persona in PERSONAS
    ]


# --------------------------------------------------------------------------------------
# The matrix program: shared by the program pages and the program scorecards
# --------------------------------------------------------------------------------------

MATRIX_PROGRAM = "matrix-program"
MATRIX_TOKEN = "matrix-invitation-token-0123456789-abcdefghijk"
MATRIX_INVITEE = "matrix-invitee@example.org"


def program_world(s: Scenario) -> dict[str, Any]:
    """The matrix program (made on first use): a cohort; the program member
    (conftest's "Pia Programme") as resident and the bystander as mentor; a
    pending invitation to the newcomer (link MATRIX_TOKEN) and one to
    MATRIX_INVITEE (to resend and revoke)."""
    program, created = Program.objects.get_or_create(
        slug=MATRIX_PROGRAM, defaults={"name": "Matrix program"}
    )
    cohort, _created = Cohort.objects.get_or_create(program=program, name="Cohort A")
    if created:
        member = User.objects.get(display_name="Pia Programme")
        ProgramMembership.objects.create(program=program, user=member)
        ProgramMembership.objects.create(
            program=program, user=s.bystander, role="mentor"
        )
        expires = timezone.now() + timedelta(days=14)
        Invitation.objects.create(
            program=program,
            email=s.newcomer.email,
            token_hash=hash_token(MATRIX_TOKEN),
            expires_at=expires,
        )
        Invitation.objects.create(
            program=program,
            email=MATRIX_INVITEE,
            token_hash=hash_token("matrix-other-token"),
            expires_at=expires,
        )
    return {
        "slug": program.slug,
        "program": program,
        "cohort": cohort.pk,
        "membership": ProgramMembership.objects.get(
            program=program, user=s.bystander
        ).pk,
        "invitation": Invitation.objects.get(program=program, email=MATRIX_INVITEE).pk,
    }


def program_url(s: Scenario, name: str, *extra: Any) -> str:
    """A URL inside the matrix program."""
    return reverse(name, args=[program_world(s)["slug"], *extra])


def program_staff_only(get: int = 200, post: int | None = None) -> dict[str, int]:
    """Program management: anonymous to login, non-members 404, staff allowed."""
    status = get if post is None else post
    return expect(
        anonymous=302, outsider=404, viewer=404,
        editor=404, owner=404, reviewer=404, staff=status,
    )  # fmt: skip
