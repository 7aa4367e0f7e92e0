"""The access matrix of the API's pages (the token page and the API docs).
The API's JSON routes (/api/v1/...) have their own per-persona tests in this
folder. The spec and the machinery: ``tests/support/access_matrix.py``."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from ideas.stages import Stage
from tests.support.access_matrix import (
    LOGGED_IN,
    AppMatrix,
    expect,
    matrix_params,
    run_matrix_case,
)

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX = AppMatrix(
    url_names=frozenset({"api-token", "api-docs"}),
    requests={
        ("api-token", "GET"): lambda s: (reverse("api-token"), {}),
        ("api-token", "POST"): lambda s: (reverse("api-token"), {"action": "create"}),
        ("api-docs", "GET"): lambda s: (reverse("api-docs"), {}),
    },
    effects={
        # Each case runs alone: any token means this persona's was created.
        "api-token": lambda s: Token.objects.exists(),
    },
    proposed={
        # The API token page: everyone signed in manages their own token.
        ("api-token", "GET"): expect(
            anonymous=302, outsider=200, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
        ("api-token", "POST"): expect(
            anonymous=302, outsider=302, viewer=302,
            editor=302, owner=302, reviewer=302, staff=302,
        ),
        ("api-docs", "GET"): expect(
            anonymous=200, outsider=200, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
    },
    changes={
        "api-token": LOGGED_IN,
    },
)
# fmt: on


@pytest.mark.parametrize(("key", "persona", "status"), matrix_params(MATRIX.proposed))
def test_team_only_proposed_idea_access(scenario, client_for, key, persona, status):
    s = scenario(stage=Stage.PROPOSED, move_to=Stage.SCREENING)
    run_matrix_case(
        MATRIX, client_for, s, persona, key, status, MATRIX.changes.get(key[0])
    )
