"""seed_demo adds two challenges with rubrics and reviews at different stages."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from challenges.models import Challenge, ReviewAssignment, Score
from challenges.queries import ranking

pytestmark = pytest.mark.django_db


def test_the_demo_has_challenges_with_reviews_in_progress_and_done():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo challenges created: 2." in out.getvalue()
    challenges = list(Challenge.objects.order_by("slug"))
    assert [c.slug for c in challenges] == ["curbside-deliveries", "night-economy"]
    for challenge in challenges:
        assert challenge.rubric.criteria.count() == 3
        assert challenge.ideas.exists()
    submitted = ReviewAssignment.objects.filter(submitted_at__isnull=False)
    in_progress = ReviewAssignment.objects.filter(
        submitted_at__isnull=True, scores__isnull=False
    ).distinct()
    assert submitted.count() >= 3
    assert in_progress.exists()
    assert Score.objects.count() == 3 * (submitted.count() + in_progress.count())
    ranked = ranking(challenges[0])["ideas"]
    assert ranked[0].total is not None

    call_command("seed_demo", stdout=out)
    assert "Demo challenges created: 0." in out.getvalue()
    assert Challenge.objects.count() == 2
