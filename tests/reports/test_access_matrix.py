"""The access matrix of the reports: the open-data return report (aggregates
only: public, like the catalog), the pipeline and outcomes dashboards and
their CSVs (staff only, like the pipeline board: anonymous to login, everyone
else 403) and the program scorecards.

The all-programs scorecard page is for staff (and program managers, who see
their own programs; no persona manages one here), 403 for anyone else signed
in. A program's scorecard and its targets form are for staff and the
program's managers; everyone else, members included, gets 404. The spec and
the machinery: ``tests/support/access_matrix.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from ideas.stages import Stage
from programs.models import Indicator, ScorecardTarget
from tests.support.access_matrix import (
    NOBODY,
    AppMatrix,
    Scenario,
    expect,
    matrix_params,
    only,
    run_matrix_case,
)
from tests.support.access_matrix import program_staff_only as _staff_only
from tests.support.access_matrix import program_url as _p

pytestmark = pytest.mark.django_db

MATRIX_TARGET = "7"


def _scorecard_targets_form(value: str) -> dict[str, str]:
    data = {}
    for indicator in Indicator:
        data[f"{indicator.value}-target"] = ""
        data[f"{indicator.value}-direction"] = "higher"
        data[f"{indicator.value}-amber_band"] = "10"
    data["ideas_submitted-target"] = value
    return data


def _scorecard_target_saved(s: Scenario) -> bool:
    return ScorecardTarget.objects.filter(
        indicator="ideas_submitted", target=MATRIX_TARGET
    ).exists()


SCORECARD_REQUESTS: dict[
    tuple[str, str], Callable[[Scenario], tuple[str, dict[str, Any]]]
] = {
    ("programs-scorecards", "GET"): lambda s: (reverse("programs-scorecards"), {}),
    ("programs-scorecard", "GET"): lambda s: (_p(s, "programs-scorecard"), {}),
    ("programs-scorecard-targets", "GET"): lambda s: (
        _p(s, "programs-scorecard-targets"),
        {},
    ),
    ("programs-scorecard-targets", "POST"): lambda s: (
        _p(s, "programs-scorecard-targets"),
        _scorecard_targets_form(MATRIX_TARGET),
    ),
}
DASHBOARD_REQUESTS: dict[
    tuple[str, str], Callable[[Scenario], tuple[str, dict[str, Any]]]
] = {
    ("dashboards-pipeline", "GET"): lambda s: (reverse("dashboards-pipeline"), {}),
    ("dashboards-pipeline-csv", "GET"): lambda s: (
        reverse("dashboards-pipeline-csv", args=["stages"]),
        {},
    ),
    ("dashboards-outcomes", "GET"): lambda s: (reverse("dashboards-outcomes"), {}),
    ("dashboards-outcomes-csv", "GET"): lambda s: (
        reverse("dashboards-outcomes-csv", args=["investment-verified"]),
        {},
    ),
}

# fmt: off
MATRIX = AppMatrix(
    url_names=frozenset({
        "report-open-data-return", "report-open-data-return-csv",
        "programs-scorecards", "programs-scorecard", "programs-scorecard-targets",
        "dashboards-pipeline", "dashboards-pipeline-csv",
        "dashboards-outcomes", "dashboards-outcomes-csv",
    }),
    requests={
        ("report-open-data-return", "GET"): lambda s: (
            reverse("report-open-data-return"),
            {},
        ),
        ("report-open-data-return-csv", "GET"): lambda s: (
            reverse("report-open-data-return-csv"),
            {},
        ),
        **SCORECARD_REQUESTS,
        **DASHBOARD_REQUESTS,
    },
    effects={
        "programs-scorecard-targets": _scorecard_target_saved,
    },
    proposed={
        # The open-data return report shows aggregates only: public, like the
        # catalog.
        ("report-open-data-return", "GET"): expect(
            anonymous=200, outsider=200, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
        ("report-open-data-return-csv", "GET"): expect(
            anonymous=200, outsider=200, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
        ("programs-scorecards", "GET"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=200,
        ),
        ("programs-scorecard", "GET"): _staff_only(200),
        ("programs-scorecard-targets", "GET"): _staff_only(200),
        ("programs-scorecard-targets", "POST"): _staff_only(post=302),
        # The pipeline dashboard and the outcomes dashboard, and their CSVs:
        # staff only, like the pipeline board.
        **{
            key: expect(
                anonymous=302, outsider=403, viewer=403,
                editor=403, owner=403, reviewer=403, staff=200,
            )
            for key in DASHBOARD_REQUESTS
        },
    },
    changes={
        "programs-scorecard-targets": only("staff"),
    },
    # The program member (a resident of the matrix program): 403 on the
    # all-programs page, 404 on her program's scorecard and targets.
    program_member={
        ("programs-scorecards", "GET"): 403,
        ("programs-scorecard", "GET"): 404,
        ("programs-scorecard-targets", "GET"): 404,
        ("programs-scorecard-targets", "POST"): 404,
    },
    program_scoped=frozenset(SCORECARD_REQUESTS),
)
# fmt: on


@pytest.mark.parametrize(("key", "persona", "status"), matrix_params(MATRIX.proposed))
def test_team_only_proposed_idea_access(scenario, client_for, key, persona, status):
    s = scenario(stage=Stage.PROPOSED, move_to=Stage.SCREENING)
    run_matrix_case(
        MATRIX, client_for, s, persona, key, status, MATRIX.changes.get(key[0])
    )


@pytest.mark.parametrize(
    ("key", "status"),
    [pytest.param(k, v, id=f"{k[0]}-{k[1]}") for k, v in MATRIX.program_member.items()],
)
def test_program_member_access(scenario, client_for, key, status):
    s = scenario(stage=Stage.PROPOSED, move_to=Stage.SCREENING)
    changers = NOBODY if key[1] == "POST" else None
    run_matrix_case(MATRIX, client_for, s, "program_member", key, status, changers)
