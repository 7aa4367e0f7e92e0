"""Venture directory and detail pages."""

from __future__ import annotations

import pytest

from ideas import services
from ideas.stages import Stage
from ventures.models import Venture

pytestmark = pytest.mark.django_db


@pytest.fixture
def launched(people, team_idea):
    idea = team_idea(stage=Stage.PILOT, title="Curb slots", description="We *ship*.")
    services.move_idea(idea, Stage.LAUNCHED, actor=people["staff"])
    return idea


@pytest.mark.parametrize("size", [2, 12])
def test_the_directory_lists_ventures_in_constant_queries(
    size, people, team_idea, client, django_assert_num_queries
):
    for i in range(size):
        idea = team_idea(stage=Stage.PILOT, title=f"Venture {i}")
        services.move_idea(idea, Stage.LAUNCHED, actor=people["staff"])
    with django_assert_num_queries(3):  # count, page of ventures, their sector tags
        response = client.get("/ventures/")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == size


def test_the_detail_page_shows_the_team_and_links_the_idea_only_to_who_may_see_it(
    launched, client, client_for
):
    venture = Venture.objects.get(idea=launched)
    public_page = client.get(f"/ventures/{venture.slug}/").content.decode()
    assert "Curb slots" in public_page and "<em>ship</em>" in public_page
    assert "Owen Owner" in public_page
    assert f"/ideas/{launched.pk}/" not in public_page  # team-only idea stays hidden
    owner_page = client_for("owner").get(f"/ventures/{venture.slug}/").content.decode()
    assert f"/ideas/{launched.pk}/" in owner_page


def test_slugs_stay_unique_for_same_named_ventures(people, team_idea):
    for _ in range(2):
        idea = team_idea(stage=Stage.PILOT, title="Same Name")
        services.move_idea(idea, Stage.LAUNCHED, actor=people["staff"])
    assert sorted(Venture.objects.values_list("slug", flat=True)) == [
        "same-name",
        "same-name-2",
    ]


def test_an_unknown_venture_is_404(client):
    assert client.get("/ventures/nope/").status_code == 404
