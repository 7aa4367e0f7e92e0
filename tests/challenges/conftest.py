"""Builders for challenge and review tests: a challenge with a two-criterion
rubric (Need ×3, Feasibility ×1, scale 0–5) and ideas answering it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from challenges import services
from challenges.models import Challenge
from challenges.services import CriterionSpec
from hub.core.models import Role, User
from ideas.models import Idea
from ideas.stages import Stage

CRITERIA = [CriterionSpec("Need", 3, "Is it real?"), CriterionSpec("Feasibility", 1)]


@pytest.fixture
def make_challenge(people) -> Callable[..., Challenge]:
    counter = iter(range(1, 10_000))

    def make(criteria: list[CriterionSpec] | None = None, **fields: Any) -> Challenge:
        n = next(counter)
        values = {
            "title": f"How might we fix thing {n}?",
            "slug": f"challenge-{n}",
            "brief": "The **brief**.",
            "required_reviews": 0,
            **fields,
        }
        return services.create_challenge(
            actor=people["staff"],
            fields=values,
            scale_min=0,
            scale_max=5,
            criteria=criteria or CRITERIA,
        )

    return make


@pytest.fixture
def challenge(make_challenge) -> Challenge:
    return make_challenge(required_reviews=2)


@pytest.fixture
def answer(team_idea, challenge) -> Callable[..., Idea]:
    """An idea of the persona team answering ``challenge`` (in Screening)."""

    def make(**fields: Any) -> Idea:
        fields.setdefault("stage", Stage.SCREENING)
        return team_idea(challenge=challenge, **fields)

    return make


@pytest.fixture
def make_reviewer(make_user) -> Callable[..., User]:
    def make(name: str | None = None) -> User:
        return make_user(role=Role.REVIEWER, name=name)

    return make
