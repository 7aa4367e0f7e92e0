"""Assigned reviewers read the business plan (page and live socket) but never
write it; a declared conflict or no assignment keeps them out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from challenges import services
from ideas import documents as store
from ideas.plans import get_or_create_plan
from ideas.stages import Stage
from tests.realtime.conftest import _fresh_sync_thread  # noqa: E402, F401 (autouse)
from tests.support import ydoc as support
from tests.support.ydoc import YClient, db

fast_rooms, logins = support.fast_rooms, support.logins


@pytest.mark.django_db
def test_an_assigned_reviewer_reads_the_plan_pages(team_idea, people, client_for):
    idea = team_idea(stage=Stage.SCREENING)
    get_or_create_plan(idea)
    client = client_for("reviewer")
    paths = [
        reverse("ideas-plan", args=[idea.pk]),
        reverse("ideas-plan-versions", args=[idea.pk]),
    ]
    for path in paths:
        assert client.get(path).status_code == 404
    assignment = services.assign_reviewer(
        idea, people["reviewer"], actor=people["staff"]
    )
    for path in paths:
        assert client.get(path).status_code == 200
    page = client.get(paths[0])
    assert page.context["can_edit"] is False
    services.declare_conflict(assignment, actor=people["reviewer"], reason="Shares")
    for path in paths:
        assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_an_assigned_reviewer_still_cannot_see_a_draft_plan(
    team_idea, people, client_for
):
    from challenges.models import ReviewAssignment

    idea = team_idea(stage=Stage.DRAFT)
    # Assigned while submitted, then the team withdrew and reopened it.
    ReviewAssignment.objects.create(idea=idea, reviewer=people["reviewer"])
    assert (
        client_for("reviewer").get(reverse("ideas-plan", args=[idea.pk])).status_code
        == 404
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fast_rooms")
async def test_an_assigned_reviewer_syncs_read_only_and_others_get_4403(
    team_idea, people, logins
):
    idea = await db(team_idea)(stage=Stage.SCREENING)
    plan = await db(get_or_create_plan)(idea)

    unassigned = await YClient.open(plan.pk, logins["reviewer"])
    await unassigned.expect_closed(4403)
    await unassigned.close()

    await db(services.assign_reviewer)(idea, people["reviewer"], actor=people["staff"])
    owner = await YClient.join(plan.pk, logins["owner"])
    reviewer = await YClient.join(plan.pk, logins["reviewer"])
    assert str(reviewer.text) == plan.text
    reviewer.text.insert(0, "Reviewer scribble. ")
    await reviewer.push()
    await reviewer.expect_nothing()
    await owner.expect_nothing()
    await reviewer.close()
    await owner.close()
    assert await db(store.load_text)(plan.pk) == plan.text


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fast_rooms")
async def test_declaring_a_conflict_closes_the_reviewers_socket(
    team_idea, people, logins
):
    idea = await db(team_idea)(stage=Stage.SCREENING)
    plan = await db(get_or_create_plan)(idea)
    assignment = await db(services.assign_reviewer)(
        idea, people["reviewer"], actor=people["staff"]
    )
    owner = await YClient.join(plan.pk, logins["owner"])
    reviewer = await YClient.join(plan.pk, logins["reviewer"])
    await db(services.declare_conflict)(
        assignment, actor=people["reviewer"], reason="Relative on the team"
    )
    await reviewer.expect_closed(4403)
    await reviewer.close()
    await owner.expect_nothing()
    await owner.close()
