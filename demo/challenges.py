"""Demo challenges for ``seed_demo``: two challenges with rubrics, answered by
demo ideas, with reviews in progress and completed. Idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from challenges import services
from challenges.models import Challenge, rubric_for
from challenges.services import CriterionSpec
from hub.core.models import User
from ideas.models import Idea
from ideas.stages import Stage
from programs.models import Program

STAFF = "staff@demo.clusterhub.test"
REVIEWERS = ["reviewer@demo.clusterhub.test", "reviewer2@demo.clusterhub.test"]

CHALLENGES: list[dict[str, Any]] = [
    {
        "slug": "curbside-deliveries",
        "title": "How might we end double parking by delivery vans on main streets?",
        "brief": (
            "Deliveries on our main streets block bus lanes and bike lanes every "
            "morning.\n\n## What we offer\n\n- curb and loading-zone data\n"
            "- a pilot street for twelve weeks\n\n## What we look for\n\n"
            "Solutions merchants and couriers adopt without new enforcement."
        ),
        "closes_in": 21,
        "required_reviews": 2,
        "scale": (0, 5),
        "criteria": [
            CriterionSpec("Need", 3, "How much double parking would it remove?"),
            CriterionSpec("Feasibility", 2, "Can it run on the pilot street?"),
            CriterionSpec("Use of city data", 1, "Does it build on open data?"),
        ],
        "ideas": [
            "Curbside delivery windows",
            "Parking sensor data exchange",
            "Local-first food boxes",
        ],
        "in_program": False,
    },
    {
        "slug": "night-economy",
        "title": "How might we help night-time businesses thrive?",
        "brief": (
            "Night markets, venues and late shops bring life and jobs, and "
            "complaints. Help them grow while neighbours sleep."
        ),
        "closes_in": 45,
        "required_reviews": 1,
        "scale": (1, 10),
        "criteria": [
            CriterionSpec("Impact", 2, "Jobs and visitors it brings."),
            CriterionSpec("Cost to the city", 1, "Lower is better: score 10 if free."),
            CriterionSpec("Team", 1, "Can this team deliver?"),
        ],
        "ideas": ["Night market permits in a day", "Noise complaints to quiet hours"],
        "in_program": True,
    },
]

#: Per answering idea (in order): how far each demo reviewer got.
PROGRESS = [("submitted", "submitted"), ("submitted", "draft"), ("assigned", None)]
OPEN = [Stage.PROPOSED, Stage.SCREENING, Stage.PLANNING, Stage.PILOT]


def _scores(idea: Idea, seed: int) -> dict[int, tuple[int, str]]:
    rubric = rubric_for(idea)
    span = rubric.scale_max - rubric.scale_min + 1
    return {
        c.pk: (
            rubric.scale_min + (seed * 7 + i * 3) % span,
            "Clear and credible." if i % 2 else "Needs numbers from a pilot.",
        )
        for i, c in enumerate(rubric.criteria.all())
    }


@transaction.atomic
def seed_challenges() -> int:
    """Create the demo challenges (once); returns how many were created."""
    staff = User.objects.filter(email=STAFF).first()
    reviewers = list(User.objects.filter(email__in=REVIEWERS).order_by("email"))
    if (
        staff is None
        or Challenge.objects.filter(slug__in=[c["slug"] for c in CHALLENGES]).exists()
    ):
        return 0
    program = Program.objects.order_by("pk").first()
    today = timezone.localdate()
    created = 0
    for spec in CHALLENGES:
        challenge = services.create_challenge(
            actor=staff,
            fields={
                "title": spec["title"],
                "slug": spec["slug"],
                "brief": spec["brief"],
                "program": program if spec["in_program"] else None,
                "opens_on": today - timedelta(days=14),
                "closes_on": today + timedelta(days=spec["closes_in"]),
                "required_reviews": spec["required_reviews"],
            },
            scale_min=spec["scale"][0],
            scale_max=spec["scale"][1],
            criteria=spec["criteria"],
        )
        created += 1
        answers = list(Idea.objects.filter(title__in=spec["ideas"]).order_by("title"))
        # Demo ideas already exist; answering is the author's choice on the
        # idea form, so the seeder sets the link directly.
        Idea.objects.filter(pk__in=[i.pk for i in answers]).update(challenge=challenge)
        open_answers = [i for i in answers if i.stage in OPEN]
        for n, (idea, progress) in enumerate(zip(open_answers, PROGRESS, strict=False)):
            idea.challenge = challenge
            for reviewer, state in zip(reviewers, progress, strict=False):
                if state is None:
                    continue
                assignment = services.assign_reviewer(idea, reviewer, actor=staff)
                if state == "draft":
                    services.save_draft_scores(
                        assignment, actor=reviewer, scores=_scores(idea, n)
                    )
                elif state == "submitted":
                    services.submit_review(
                        assignment,
                        actor=reviewer,
                        scores=_scores(idea, n + reviewers.index(reviewer)),
                    )
    return created
