"""Hub pages: the landing page and staff's People list, with query budgets."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ideas.models import Idea
from ideas.stages import Stage

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("size", [5, 60])
def test_the_landing_page_runs_a_constant_number_of_queries(
    size, people, make_idea, client, django_assert_num_queries
):
    for i in range(size):
        make_idea(
            people["owner"], visibility="public", stage=Stage.PROPOSED, title=f"I{i}"
        )
    # stage counts, five recently moved ideas (+owner), venture count
    with django_assert_num_queries(3):
        response = client.get("/")
    assert response.status_code == 200
    assert dict(response.context["funnel"])[Stage.PROPOSED] == size
    assert len(response.context["recent"]) == 5


def test_the_landing_page_counts_only_what_the_visitor_may_see(
    people, make_idea, client
):
    make_idea(people["owner"], visibility="team", stage=Stage.SCREENING, title="Hidden")
    make_idea(
        people["owner"], visibility="public", stage=Stage.SCREENING, title="Shown"
    )
    response = client.get("/")
    assert dict(response.context["funnel"])[Stage.SCREENING] == 1
    body = response.content.decode()
    assert "Shown" in body and "Hidden" not in body


def test_the_landing_page_lists_the_ideas_moved_last_across_stages(
    people, make_idea, client
):
    t0 = timezone.now() - datetime.timedelta(days=10)
    stages = [Stage.PROPOSED, Stage.SCREENING, Stage.PLANNING, Stage.PILOT]
    ideas = []
    for i in range(8):
        idea = make_idea(
            people["owner"], visibility="public", stage=stages[i % 4], title=f"M{i}"
        )
        Idea.objects.filter(pk=idea.pk).update(
            stage_changed_at=t0 + datetime.timedelta(hours=i)
        )
        ideas.append(idea)
    draft = make_idea(people["owner"], visibility="public", stage=Stage.DRAFT)
    Idea.objects.filter(pk=draft.pk).update(stage_changed_at=timezone.now())
    response = client.get("/")
    assert [i.pk for i in response.context["recent"]] == [
        i.pk for i in reversed(ideas[3:])
    ]


@pytest.mark.parametrize("size", [5, 60])
def test_the_people_page_runs_a_constant_number_of_queries(
    size, make_user, client_for, django_assert_num_queries
):
    for _ in range(size):
        make_user()
    client = client_for("staff")
    # session, user, the bell's unread count, count, page of people
    with django_assert_num_queries(5):
        response = client.get("/people/", {"q": "person"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count >= size


def test_people_search_and_role_filter(people, client_for):
    response = client_for("staff").get("/people/", {"role": "reviewer"})
    assert [p.display_name for p in response.context["page"]] == ["Rita Reviewer"]
    response = client_for("staff").get("/people/", {"q": "vera"})
    assert [p.display_name for p in response.context["page"]] == ["Vera Viewer"]
