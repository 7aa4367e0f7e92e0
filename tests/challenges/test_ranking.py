"""The challenge ranking: weighted totals and per-criterion spread, computed in
the database with a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from challenges.queries import ranking
from ideas.stages import Stage
from tests.support.challenge_world import review

pytestmark = pytest.mark.django_db


def test_ideas_are_ranked_by_weighted_total(answer, people, make_reviewer):
    staff, rita, ruth = people["staff"], people["reviewer"], make_reviewer()
    low, high = answer(title="Low"), answer(title="High")
    answer(title="Zero")  # not reviewed yet: ranked last
    review(low, rita, staff, 1, 5)  # (3 + 5) / 4 = 2.0
    review(high, rita, staff, 5, 1)  # (15 + 1) / 4 = 4.0
    review(high, ruth, staff, 3, 3)  # (9 + 3) / 4 = 3.0 → mean 3.5
    review(low, ruth, staff, 2, 2, submit=False)  # a draft does not count
    answer(title="Draft", stage=Stage.DRAFT)  # never ranked
    result = ranking(low.challenge)
    rows = [(i.title, i.reviews, i.total) for i in result["ideas"]]
    assert rows == [("High", 2, 3.5), ("Low", 1, 2.0), ("Zero", 0, None)]
    need = result["ideas"][0].criterion_stats[0]
    assert need["criterion"].name == "Need"
    assert (need["mean"], need["low"], need["high"], need["count"]) == (4.0, 3, 5, 2)
    assert need["spread"] == pytest.approx(1.0)  # population standard deviation


def test_the_ranking_page_shows_the_table(answer, people, client_for):
    idea = answer(title="Ranked idea")
    review(idea, people["reviewer"], people["staff"], 4, 4)
    body = (
        client_for("staff")
        .get(reverse("challenges-ranking", args=[idea.challenge.slug]))
        .content.decode()
    )
    assert "Ranked idea" in body
    assert "4.00" in body
    assert "(4–4, σ 0.0)" in body


def _populate(answer, people, reviewers, n: int) -> None:
    for i in range(n):
        idea = answer(title=f"Idea {i}")
        for j, reviewer in enumerate(reviewers):
            review(idea, reviewer, people["staff"], (i + j) % 6, (i * j) % 6)


@pytest.mark.parametrize("size", [2, 12])
def test_the_ranking_runs_a_constant_number_of_queries(
    answer, people, make_reviewer, client_for, django_assert_num_queries, size
):
    reviewers = [people["reviewer"], make_reviewer(), make_reviewer()]
    _populate(answer, people, reviewers, size)
    challenge = answer().challenge
    client = client_for("staff")
    path = reverse("challenges-ranking", args=[challenge.slug])
    # session, user, the challenge (with program and rubric), the criteria, the
    # ranked ideas (review count and weighted sum as subqueries, with owners),
    # the per-(idea, criterion) statistics, the bell's unread count, the
    # reviewers for the assign form.
    with django_assert_num_queries(8):
        response = client.get(path)
    assert response.status_code == 200
    assert len(response.context["ideas"]) == size + 1
