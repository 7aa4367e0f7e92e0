"""The access matrix of challenges and reviews.

The scenario's idea answers a public challenge and the reviewer persona is
assigned to it (made on first use by ``tests/support/challenge_world.py``).
Staff run challenges, rankings and assignments; only the assigned reviewer
reaches their review (404 for everyone else, staff included: staff read
reviews on the summary); outsiders get 404 for the hidden idea's summary, the
team and other roles 403. An assigned reviewer also reads the idea's plan (a
grant challenges gives). The spec and the machinery:
``tests/support/access_matrix.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from challenges.models import Challenge, ReviewAssignment, Rubric
from ideas.stages import Stage
from tests.ideas.test_access_matrix import MATRIX as IDEAS_MATRIX
from tests.support import challenge_world as cw
from tests.support.access_matrix import (
    NOBODY,
    AppMatrix,
    Scenario,
    expect,
    matrix_params,
    only,
    run_matrix_case,
)

pytestmark = pytest.mark.django_db


def _cw(s: Scenario) -> dict[str, Any]:
    return cw.challenge_world(s.idea)


def _slug_url(name: str) -> Callable[[Scenario], str]:
    return lambda s: reverse(name, args=[_cw(s)["slug"]])


def _extra_assigned(s: Scenario) -> bool:
    return ReviewAssignment.objects.filter(reviewer__email=cw.EXTRA_REVIEWER).exists()


def _staff_page(ok: int, outsider: int = 403, team: int = 403) -> dict[str, int]:
    return expect(
        anonymous=302, outsider=outsider, viewer=team,
        editor=team, owner=team, reviewer=403, staff=ok,
    )  # fmt: skip


def _reviewer_only(ok: int) -> dict[str, int]:
    return expect(
        anonymous=302, outsider=404, viewer=404,
        editor=404, owner=404, reviewer=ok, staff=404,
    )  # fmt: skip


# fmt: off
ROWS: dict[tuple[str, str], dict[str, int]] = {
    ("challenges-list", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("challenges-detail", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("challenges-create", "GET"): _staff_page(200),
    ("challenges-create", "POST"): _staff_page(302),
    ("challenges-intake-rubric", "GET"): _staff_page(200),
    ("challenges-intake-rubric", "POST"): _staff_page(302),
    ("challenges-edit", "GET"): _staff_page(200),
    ("challenges-edit", "POST"): _staff_page(302),
    ("challenges-ranking", "GET"): _staff_page(200),
    ("challenges-assign", "POST"): _staff_page(302),
    ("reviews-idea", "GET"): _staff_page(200, outsider=404),
    ("reviews-assign", "POST"): _staff_page(302, outsider=404),
    ("reviews-mine", "GET"): expect(
        anonymous=302, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("reviews-review", "GET"): _reviewer_only(200),
    ("reviews-review", "POST"): _reviewer_only(302),
    ("reviews-conflict", "POST"): _reviewer_only(302),
}
# fmt: on

MATRIX = AppMatrix(
    url_names=frozenset(name for name, _method in ROWS),
    requests={
        ("challenges-list", "GET"): lambda s: (reverse("challenges-list"), {}),
        ("challenges-create", "GET"): lambda s: (reverse("challenges-create"), {}),
        ("challenges-create", "POST"): lambda s: (
            reverse("challenges-create"),
            cw.challenge_post(cw.NEW_CHALLENGE_TITLE, "matrix-new"),
        ),
        ("challenges-intake-rubric", "GET"): lambda s: (
            reverse("challenges-intake-rubric"),
            {},
        ),
        ("challenges-intake-rubric", "POST"): lambda s: (
            reverse("challenges-intake-rubric"),
            cw.criteria_post([("Matrix criterion", "2")]),
        ),
        ("challenges-detail", "GET"): lambda s: (
            _slug_url("challenges-detail")(s),
            {},
        ),
        ("challenges-edit", "GET"): lambda s: (_slug_url("challenges-edit")(s), {}),
        ("challenges-edit", "POST"): lambda s: (
            _slug_url("challenges-edit")(s),
            cw.challenge_post(cw.EDITED_CHALLENGE_TITLE, cw.WORLD_SLUG, _cw(s)),
        ),
        ("challenges-ranking", "GET"): lambda s: (
            _slug_url("challenges-ranking")(s),
            {},
        ),
        ("challenges-assign", "POST"): lambda s: (
            _slug_url("challenges-assign")(s),
            {"reviewer": str(_cw(s)["extra"].pk)},
        ),
        ("reviews-idea", "GET"): lambda s: (
            reverse("reviews-idea", args=[_cw(s)["assignment"].idea_id]),
            {},
        ),
        ("reviews-assign", "POST"): lambda s: (
            reverse("reviews-assign", args=[_cw(s)["assignment"].idea_id]),
            {"reviewer": str(_cw(s)["extra"].pk)},
        ),
        ("reviews-mine", "GET"): lambda s: (reverse("reviews-mine"), {}),
        ("reviews-review", "GET"): lambda s: (
            _cw(s)["assignment"].get_absolute_url(),
            {},
        ),
        ("reviews-review", "POST"): lambda s: (
            _cw(s)["assignment"].get_absolute_url(),
            cw.review_post(_cw(s)),
        ),
        ("reviews-conflict", "POST"): lambda s: (
            reverse("reviews-conflict", args=[_cw(s)["assignment"].pk]),
            {"reason": "Matrix conflict"},
        ),
    },
    effects={
        "challenges-create": lambda s: Challenge.objects.filter(
            title=cw.NEW_CHALLENGE_TITLE
        ).exists(),
        "challenges-intake-rubric": lambda s: (
            Rubric.default().criteria.filter(name="Matrix criterion").exists()
        ),
        "challenges-edit": lambda s: Challenge.objects.filter(
            title=cw.EDITED_CHALLENGE_TITLE
        ).exists(),
        "challenges-assign": _extra_assigned,
        "reviews-assign": _extra_assigned,
        "reviews-review": lambda s: ReviewAssignment.objects.filter(
            submitted_at__isnull=False
        ).exists(),
        "reviews-conflict": lambda s: ReviewAssignment.objects.filter(
            conflict_declared_at__isnull=False
        ).exists(),
    },
    proposed=ROWS,
    changes={
        "challenges-create": only("staff"),
        "challenges-intake-rubric": only("staff"),
        "challenges-edit": only("staff"),
        "challenges-assign": only("staff"),
        "reviews-assign": only("staff"),
        "reviews-review": only("reviewer"),
        "reviews-conflict": only("reviewer"),
    },
)


@pytest.mark.parametrize(("key", "persona", "status"), matrix_params(MATRIX.proposed))
def test_team_only_proposed_idea_access(scenario, client_for, key, persona, status):
    s = scenario(stage=Stage.PROPOSED, move_to=Stage.SCREENING)
    run_matrix_case(
        MATRIX, client_for, s, persona, key, status, MATRIX.changes.get(key[0])
    )


# The plan once the reviewer persona is assigned to the idea: they read it
# (and preview, and its versions); nobody else's access changes.
# fmt: off
ASSIGNED_PLAN_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    key: expect(
        anonymous=404, outsider=404, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    )
    for key in [
        ("ideas-plan", "GET"), ("ideas-plan-preview", "POST"),
        ("ideas-plan-versions", "GET"), ("ideas-plan-version", "GET"),
    ]
}
# fmt: on


@pytest.mark.parametrize(
    ("key", "persona", "status"), matrix_params(ASSIGNED_PLAN_MATRIX)
)
def test_assigned_reviewer_plan_access(scenario, client_for, key, persona, status):
    s = scenario(stage=Stage.SCREENING, move_to=Stage.PLANNING)
    _cw(s)  # assigns the reviewer persona
    run_matrix_case(IDEAS_MATRIX, client_for, s, persona, key, status, NOBODY)
