"""The access matrix of programs and invitations.

None of the seven personas is in the matrix program, so they are all
non-members: 404 on every program page, except city staff, who manage every
program. The invitation link is for an address no persona has: signed out it
shows the invitation (200), signed in it is "sent to another address" (403),
and nobody can accept it. The program member's own rows are in
``MATRIX.program_member``. The spec and the machinery:
``tests/support/access_matrix.py`` (the matrix program is there too: the
program scorecards in ``tests/reports/`` use it).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from ideas.stages import Stage
from programs.models import Cohort, Invitation, Program, ProgramMembership
from programs.services import hash_token
from tests.support.access_matrix import (
    MATRIX_INVITEE,
    MATRIX_PROGRAM,
    MATRIX_TOKEN,
    NOBODY,
    AppMatrix,
    Scenario,
    app_matrices,
    expect,
    matrix_params,
    only,
    program_world,
    run_matrix_case,
)
from tests.support.access_matrix import program_staff_only as _staff_only
from tests.support.access_matrix import program_url as _p

pytestmark = pytest.mark.django_db

NEW_PROGRAM_NAME = "Matrix created program"
EDITED_PROGRAM_NAME = "Matrix edited program"
NEW_COHORT_NAME = "Matrix new cohort"
EDITED_COHORT_NAME = "Matrix edited cohort"
MATRIX_NEW_INVITEE = "matrix-new-invitee@example.org"


def _program_form(name: str) -> dict[str, str]:
    return {"name": name, "slug": "", "description": "", "starts_on": "", "ends_on": ""}


def _pw(s: Scenario, key: str) -> Any:
    return program_world(s)[key]


# fmt: off
REQUESTS = {
    ("programs-list", "GET"): lambda s: (reverse("programs-list"), {}),
    ("programs-create", "GET"): lambda s: (reverse("programs-create"), {}),
    ("programs-create", "POST"): lambda s: (
        reverse("programs-create"),
        _program_form(NEW_PROGRAM_NAME),
    ),
    ("programs-detail", "GET"): lambda s: (_p(s, "programs-detail"), {}),
    ("programs-edit", "GET"): lambda s: (_p(s, "programs-edit"), {}),
    ("programs-edit", "POST"): lambda s: (
        _p(s, "programs-edit"),
        {**_program_form(EDITED_PROGRAM_NAME), "slug": MATRIX_PROGRAM},
    ),
    ("programs-cohort-add", "GET"): lambda s: (_p(s, "programs-cohort-add"), {}),
    ("programs-cohort-add", "POST"): lambda s: (
        _p(s, "programs-cohort-add"),
        {"name": NEW_COHORT_NAME},
    ),
    ("programs-cohort-edit", "GET"): lambda s: (
        _p(s, "programs-cohort-edit", _pw(s, "cohort")),
        {},
    ),
    ("programs-cohort-edit", "POST"): lambda s: (
        _p(s, "programs-cohort-edit", _pw(s, "cohort")),
        {"name": EDITED_COHORT_NAME},
    ),
    ("programs-members", "GET"): lambda s: (_p(s, "programs-members"), {}),
    ("programs-member-change", "POST"): lambda s: (
        _p(s, "programs-member-change", _pw(s, "membership")),
        {f"m{_pw(s, 'membership')}-role": "reviewer"},
    ),
    ("programs-member-remove", "POST"): lambda s: (
        _p(s, "programs-member-remove", _pw(s, "membership")),
        {},
    ),
    ("programs-invitations", "GET"): lambda s: (_p(s, "programs-invitations"), {}),
    ("programs-invite", "GET"): lambda s: (_p(s, "programs-invite"), {}),
    ("programs-invite", "POST"): lambda s: (
        _p(s, "programs-invite"),
        {"addresses": MATRIX_NEW_INVITEE, "role": "resident", "send": "1"},
    ),
    ("programs-invitation-resend", "POST"): lambda s: (
        _p(s, "programs-invitation-resend", _pw(s, "invitation")),
        {},
    ),
    ("programs-invitation-revoke", "POST"): lambda s: (
        _p(s, "programs-invitation-revoke", _pw(s, "invitation")),
        {},
    ),
    ("invitations-open", "GET"): lambda s: (
        (program_world(s), reverse("invitations-open", args=[MATRIX_TOKEN]))[1],
        {},
    ),
    ("invitations-open", "POST"): lambda s: (
        (program_world(s), reverse("invitations-open", args=[MATRIX_TOKEN]))[1],
        {},
    ),
}

ROWS: dict[tuple[str, str], dict[str, int]] = {
    ("programs-list", "GET"): expect(
        anonymous=302, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("programs-create", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("programs-create", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=302,
    ),
    ("programs-detail", "GET"): _staff_only(200),
    ("programs-edit", "GET"): _staff_only(200),
    ("programs-edit", "POST"): _staff_only(post=302),
    ("programs-cohort-add", "GET"): _staff_only(200),
    ("programs-cohort-add", "POST"): _staff_only(post=302),
    ("programs-cohort-edit", "GET"): _staff_only(200),
    ("programs-cohort-edit", "POST"): _staff_only(post=302),
    ("programs-members", "GET"): _staff_only(200),
    ("programs-member-change", "POST"): _staff_only(post=302),
    ("programs-member-remove", "POST"): _staff_only(post=302),
    ("programs-invitations", "GET"): _staff_only(200),
    ("programs-invite", "GET"): _staff_only(200),
    ("programs-invite", "POST"): _staff_only(post=302),
    ("programs-invitation-resend", "POST"): _staff_only(post=302),
    ("programs-invitation-revoke", "POST"): _staff_only(post=302),
    ("invitations-open", "GET"): expect(
        anonymous=200, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=403,
    ),
    ("invitations-open", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=403,
    ),
}

# The program member (conftest's "program_member", a resident of the matrix
# program) on every program URL: she reads the list and the space; every
# management page is 403; the invitation link is not hers (403).
PROGRAM_MEMBER_ROWS: dict[tuple[str, str], int] = {
    ("programs-list", "GET"): 200,
    ("programs-create", "GET"): 403, ("programs-create", "POST"): 403,
    ("programs-detail", "GET"): 200,
    ("programs-edit", "GET"): 403, ("programs-edit", "POST"): 403,
    ("programs-cohort-add", "GET"): 403, ("programs-cohort-add", "POST"): 403,
    ("programs-cohort-edit", "GET"): 403, ("programs-cohort-edit", "POST"): 403,
    ("programs-members", "GET"): 403,
    ("programs-member-change", "POST"): 403,
    ("programs-member-remove", "POST"): 403,
    ("programs-invitations", "GET"): 403,
    ("programs-invite", "GET"): 403, ("programs-invite", "POST"): 403,
    ("programs-invitation-resend", "POST"): 403,
    ("programs-invitation-revoke", "POST"): 403,
    ("invitations-open", "GET"): 403, ("invitations-open", "POST"): 403,
}
# fmt: on

MATRIX = AppMatrix(
    url_names=frozenset(name for name, _method in ROWS),
    requests=REQUESTS,
    effects={
        "programs-create": lambda s: Program.objects.filter(
            name=NEW_PROGRAM_NAME
        ).exists(),
        "programs-edit": lambda s: Program.objects.filter(
            name=EDITED_PROGRAM_NAME
        ).exists(),
        "programs-cohort-add": lambda s: Cohort.objects.filter(
            name=NEW_COHORT_NAME
        ).exists(),
        "programs-cohort-edit": lambda s: Cohort.objects.filter(
            name=EDITED_COHORT_NAME
        ).exists(),
        "programs-member-change": lambda s: ProgramMembership.objects.filter(
            user=s.bystander, role="reviewer"
        ).exists(),
        "programs-member-remove": lambda s: (
            not ProgramMembership.objects.filter(user=s.bystander).exists()
        ),
        "programs-invite": lambda s: Invitation.objects.filter(
            email=MATRIX_NEW_INVITEE
        ).exists(),
        "programs-invitation-resend": lambda s: (
            not Invitation.objects.filter(
                token_hash=hash_token("matrix-other-token")
            ).exists()
        ),
        "programs-invitation-revoke": lambda s: Invitation.objects.filter(
            email=MATRIX_INVITEE, status="revoked"
        ).exists(),
        # Accepting: a new membership for whoever posted (nobody may).
        "invitations-open": lambda s: Invitation.objects.filter(
            status="accepted"
        ).exists(),
    },
    proposed=ROWS,
    changes={
        "programs-create": only("staff"),
        "programs-edit": only("staff"),
        "programs-cohort-add": only("staff"),
        "programs-cohort-edit": only("staff"),
        "programs-member-change": only("staff"),
        "programs-member-remove": only("staff"),
        "programs-invite": only("staff"),
        "programs-invitation-resend": only("staff"),
        "programs-invitation-revoke": only("staff"),
        "invitations-open": NOBODY,
    },
    program_member=PROGRAM_MEMBER_ROWS,
    program_scoped=frozenset(REQUESTS),
)


def test_program_member_matrix_covers_every_program_url():
    """In every app's matrix (the program scorecards are in tests/reports/)."""
    for matrix in app_matrices().values():
        assert set(matrix.program_member) == set(matrix.program_scoped)
        assert matrix.program_scoped <= set(matrix.requests)


@pytest.mark.parametrize(("key", "persona", "status"), matrix_params(MATRIX.proposed))
def test_team_only_proposed_idea_access(scenario, client_for, key, persona, status):
    s = scenario(stage=Stage.PROPOSED, move_to=Stage.SCREENING)
    run_matrix_case(
        MATRIX, client_for, s, persona, key, status, MATRIX.changes.get(key[0])
    )


@pytest.mark.parametrize(
    ("key", "status"),
    [pytest.param(k, v, id=f"{k[0]}-{k[1]}") for k, v in PROGRAM_MEMBER_ROWS.items()],
)
def test_program_member_access(scenario, client_for, key, status):
    s = scenario(stage=Stage.PROPOSED, move_to=Stage.SCREENING)
    changers = NOBODY if key[1] == "POST" else None
    run_matrix_case(MATRIX, client_for, s, "program_member", key, status, changers)
