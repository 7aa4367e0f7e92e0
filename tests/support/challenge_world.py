"""A small challenge world for the cross-cutting tests (access matrix, CSRF,
accessibility): a public challenge the given idea answers, the persona
reviewer assigned to it, and one more eligible reviewer. Made on first use,
idempotent. Also the form posts those tests send, and ``review``/``scores_for``
(assign and score in one call) for the challenge tests."""

from __future__ import annotations

from typing import Any

from challenges import services
from challenges.models import Challenge, ReviewAssignment, rubric_for
from challenges.services import CriterionSpec
from hub.core.models import Role, User
from ideas.models import Idea

WORLD_SLUG = "matrix-challenge"
EXTRA_REVIEWER = "extra-reviewer@example.org"
NEW_CHALLENGE_TITLE = "How might we test the matrix?"
EDITED_CHALLENGE_TITLE = "How might we edit the matrix?"


def challenge_world(idea: Idea) -> dict[str, Any]:
    staff = User.objects.filter(role=Role.STAFF).order_by("pk").first()
    reviewer = User.objects.filter(role=Role.REVIEWER).order_by("pk").first()
    challenge = Challenge.objects.filter(slug=WORLD_SLUG).first()
    if challenge is None:
        challenge = services.create_challenge(
            actor=staff,
            fields={"title": "How might we matrix?", "slug": WORLD_SLUG},
            scale_min=0,
            scale_max=5,
            criteria=[CriterionSpec("Need", 2), CriterionSpec("Team", 1)],
        )
        Idea.objects.filter(pk=idea.pk).update(challenge=challenge)
        idea.challenge = challenge
        services.assign_reviewer(idea, reviewer, actor=staff)
        User.objects.create_user(
            email=EXTRA_REVIEWER, display_name="Xavier Extra", role=Role.REVIEWER
        )
    assignment = ReviewAssignment.objects.get(idea=idea, reviewer=reviewer)
    return {
        "challenge": challenge,
        "slug": challenge.slug,
        "assignment": assignment,
        "extra": User.objects.get(email=EXTRA_REVIEWER),
    }


def criteria_post(rows: list[tuple[str, str]], initial: int = 0) -> dict[str, str]:
    data = {
        "criteria-TOTAL_FORMS": str(len(rows)),
        "criteria-INITIAL_FORMS": str(initial),
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "30",
        "scale_min": "0",
        "scale_max": "5",
    }
    for i, (name, weight) in enumerate(rows):
        data[f"criteria-{i}-name"] = name
        data[f"criteria-{i}-weight"] = weight
    return data


def challenge_post(title: str, slug: str, world: dict[str, Any] | None = None) -> dict:
    data = {
        "title": title,
        "slug": slug,
        "brief": "",
        "program": "",
        "opens_on": "2024-01-01",
        "closes_on": "",
        "required_reviews": "0",
    }
    if world is None:
        data.update(criteria_post([("Need", "1")]))
    else:
        criteria = list(world["challenge"].rubric.criteria.all())
        rows = [(c.name, str(c.weight)) for c in criteria]
        data.update(criteria_post(rows, initial=len(criteria)))
        for i, c in enumerate(criteria):
            data[f"criteria-{i}-id"] = str(c.pk)
    return data


def review_post(world: dict[str, Any]) -> dict[str, str]:
    data = {"submit": "1"}
    for c in world["challenge"].rubric.criteria.all():
        data[f"score_{c.pk}"] = "4"
        data[f"comment_{c.pk}"] = "Fine"
    return data


# --------------------------------------------------------------------------------------
# Reviews in one call (the challenge and review tests, tests/challenges/)
# --------------------------------------------------------------------------------------


def scores_for(idea: Idea, *values: int, comment: str = "") -> dict[int, tuple]:
    criteria = list(rubric_for(idea).criteria.all())
    return {
        c.pk: (v, comment or f"On {c.name}")
        for c, v in zip(criteria, values, strict=False)
    }


def review(
    idea: Idea, reviewer: User, staff: User, *values: int, submit: bool = True
) -> ReviewAssignment:
    """Assign ``reviewer`` and score (and submit) in one go."""
    assignment = services.assign_reviewer(idea, reviewer, actor=staff)
    if values:
        save = services.submit_review if submit else services.save_draft_scores
        save(assignment, actor=reviewer, scores=scores_for(idea, *values))
    return assignment
