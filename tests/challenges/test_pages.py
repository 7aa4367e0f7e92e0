"""Challenge pages: posting and editing with a rubric, who sees a program's
challenge, answering one from the idea form, and the lists' query budgets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import CatalogSource, Dataset
from challenges.models import Challenge
from ideas.models import Idea, Visibility
from ideas.stages import Stage
from tests.support.challenge_world import review

pytestmark = pytest.mark.django_db


def _challenge_post(**overrides: str) -> dict[str, str]:
    data = {
        "title": "How might we cut delivery double-parking?",
        "slug": "double-parking",
        "brief": "## Context\n\nCouriers park where they can.",
        "program": "",
        "opens_on": timezone.localdate().isoformat(),
        "closes_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "required_reviews": "2",
        "scale_min": "0",
        "scale_max": "5",
        "criteria-TOTAL_FORMS": "3",
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "30",
        "criteria-0-name": "Need",
        "criteria-0-weight": "3",
        "criteria-1-name": "Cost",
        "criteria-1-weight": "1",
        "criteria-2-name": "",
        "criteria-2-weight": "",
    }
    data.update(overrides)
    return data


def test_staff_post_a_challenge_with_rubric_and_datasets(client_for):
    source = CatalogSource.objects.create(name="City portal")
    dataset = Dataset.objects.create(source=source, identifier="k", title="Kerbs")
    response = client_for("staff").post(
        reverse("challenges-create"), _challenge_post(datasets=str(dataset.pk))
    )
    challenge = Challenge.objects.get(slug="double-parking")
    assert response.status_code == 302
    assert response["Location"] == challenge.get_absolute_url()
    assert "<h3>Context</h3>" in challenge.brief_html
    assert list(challenge.datasets.all()) == [dataset]
    assert challenge.required_reviews == 2
    assert [(c.name, c.weight) for c in challenge.rubric.criteria.all()] == [
        ("Need", 3),
        ("Cost", 1),
    ]
    page = client_for("anonymous").get(challenge.get_absolute_url()).content.decode()
    assert "Kerbs" in page and "<h3>Context</h3>" in page and "Need" in page


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"criteria-0-weight": "0", "criteria-1-weight": "0"}, "greater than or equal"),
        ({"criteria-0-name": "", "criteria-0-weight": "", "criteria-1-name": "",
          "criteria-1-weight": ""}, "at least one criterion"),
        ({"scale_min": "5", "scale_max": "1"}, "highest score must be above"),
        ({"closes_on": "2000-01-01"}, "closing date is before"),
        ({"slug": "new"}, "address is taken"),
        ({"title": "   "}, "Give the challenge a title"),
    ],
)  # fmt: skip
def test_a_bad_challenge_form_keeps_the_input(client_for, overrides, error):
    response = client_for("staff").post(
        reverse("challenges-create"), _challenge_post(**overrides)
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert error in body
    assert "Couriers park where they can." in body
    assert not Challenge.objects.exists()


def test_staff_edit_the_challenge_and_its_criteria(make_challenge, client_for):
    challenge = make_challenge()
    need, feasibility = challenge.rubric.criteria.all()
    data = _challenge_post(
        slug=challenge.slug,
        **{
            "criteria-INITIAL_FORMS": "2",
            "criteria-0-id": str(need.pk),
            "criteria-0-name": "Need",
            "criteria-0-weight": "5",
            "criteria-1-id": str(feasibility.pk),
            "criteria-1-name": "Feasibility",
            "criteria-1-weight": "1",
            "criteria-1-DELETE": "on",
            "criteria-2-name": "Reach",
            "criteria-2-weight": "2",
        },
    )
    response = client_for("staff").post(
        reverse("challenges-edit", args=[challenge.slug]), data
    )
    assert response.status_code == 302
    assert [(c.pk, c.name, c.weight) for c in challenge.rubric.criteria.all()][0] == (
        need.pk,
        "Need",
        5,
    )
    assert [c.name for c in challenge.rubric.criteria.all()] == ["Need", "Reach"]


def test_a_program_challenge_is_for_its_members(make_challenge, program, client_for):
    challenge = make_challenge(program=program, title="How might members win?")
    path = challenge.get_absolute_url()
    for persona in ("anonymous", "outsider", "reviewer", "owner"):
        assert client_for(persona).get(path).status_code == 404, persona
        listing = client_for(persona).get(reverse("challenges-list"))
        assert "How might members win?" not in listing.content.decode()
    for persona in ("program_member", "staff"):
        assert client_for(persona).get(path).status_code == 200, persona
        listing = client_for(persona).get(reverse("challenges-list"))
        assert "How might members win?" in listing.content.decode()


def test_a_challenge_opening_later_is_hidden_until_then(make_challenge, client_for):
    later = make_challenge(opens_on=timezone.localdate() + timedelta(days=5))
    assert client_for("outsider").get(later.get_absolute_url()).status_code == 404
    assert client_for("staff").get(later.get_absolute_url()).status_code == 200


def _idea_post(challenge: str) -> dict[str, str]:
    return {
        "title": "An answer",
        "pitch": "It helps.",
        "problem": "P",
        "solution": "S",
        "description": "",
        "visibility": Visibility.TEAM,
        "tags": "",
        "challenge": challenge,
    }


def test_the_idea_form_offers_open_challenges_the_author_may_see(
    make_challenge, program, client_for, people
):
    open_one = make_challenge(title="Open public")
    closed = make_challenge(
        title="Closed public", closes_on=timezone.localdate() - timedelta(days=1)
    )
    members = make_challenge(title="Members only", program=program)
    page = client_for("outsider").get(reverse("ideas-create")).content.decode()
    assert "Open public" in page
    assert "Closed public" not in page and "Members only" not in page
    member_page = client_for("program_member").get(reverse("ideas-create"))
    assert "Members only" in member_page.content.decode()
    # Posting a hidden or closed challenge is refused with a form error.
    for challenge in (closed, members):
        response = client_for("outsider").post(
            reverse("ideas-create"), _idea_post(str(challenge.pk))
        )
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    assert not Idea.objects.exists()
    response = client_for("outsider").post(
        reverse("ideas-create"), _idea_post(str(open_one.pk))
    )
    idea = Idea.objects.get()
    assert idea.challenge == open_one
    detail = client_for("outsider").get(idea.get_absolute_url()).content.decode()
    assert "This idea answers" in detail and "Open public" in detail
    # "Answer with an idea" preselects the challenge.
    answer = client_for("outsider").get(
        reverse("ideas-create") + f"?challenge={open_one.pk}"
    )
    assert answer.context["form"]["challenge"].value() == str(open_one.pk)
    assert response.status_code == 302
    assert people["outsider"] == idea.owner


def test_editing_keeps_a_closed_challenge(make_challenge, team_idea, client_for):
    challenge = make_challenge(title="Was open")
    idea = team_idea(challenge=challenge)
    Challenge.objects.filter(pk=challenge.pk).update(
        closes_on=timezone.localdate() - timedelta(days=2)
    )
    data = _idea_post(str(challenge.pk))
    response = client_for("owner").post(reverse("ideas-edit", args=[idea.pk]), data)
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.challenge_id == challenge.pk


# -- Query budgets -------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 12])
def test_challenge_list_queries(
    make_challenge, client_for, size, django_assert_num_queries
):
    for _ in range(size):
        make_challenge()
    client = client_for("outsider")
    # session, user, count, the page of challenges (with programs), the bell.
    with django_assert_num_queries(5):
        response = client.get(reverse("challenges-list"))
    assert len(response.context["page"].object_list) == size


@pytest.mark.parametrize("size", [2, 12])
def test_my_reviews_queries(
    answer, people, client_for, size, django_assert_num_queries
):
    for _ in range(size):
        review(answer(), people["reviewer"], people["staff"])
    client = client_for("reviewer")
    # session, user, count, the page of assignments (ideas, challenges), the bell.
    with django_assert_num_queries(5):
        response = client.get(reverse("reviews-mine"))
    assert len(response.context["page"].object_list) == size


@pytest.mark.parametrize("size", [2, 8])
def test_review_summary_queries(
    answer, people, make_reviewer, client_for, size, django_assert_num_queries
):
    idea = answer()
    for _ in range(size):
        review(idea, make_reviewer(), people["staff"], 3, 4)
    client = client_for("staff")
    # session, user, the idea, its challenge, the rubric, criteria, statistics,
    # totals, assignments (with reviewers), their scores (with criteria),
    # conflicts, the bell, the reviewers still to assign.
    with django_assert_num_queries(13):
        response = client.get(reverse("reviews-idea", args=[idea.pk]))
    assert len(response.context["assignments"]) == size


def test_staff_assign_from_the_summary(answer, people, client_for):
    idea = answer(stage=Stage.PROPOSED)
    response = client_for("staff").post(
        reverse("reviews-assign", args=[idea.pk]), {"reviewer": people["reviewer"].pk}
    )
    assert response.status_code == 302
    assert idea.review_assignments.get().reviewer == people["reviewer"]
    bogus = client_for("staff").post(
        reverse("reviews-assign", args=[idea.pk]),
        {"reviewer": people["owner"].pk},
        follow=True,
    )
    assert "Choose a reviewer from the list." in bogus.content.decode()


def test_the_challenge_form_with_errors_passes_the_audit(client_for):
    from tests.support.accessibility import audit

    response = client_for("staff").post(
        reverse("challenges-create"),
        _challenge_post(**{"criteria-0-weight": "0", "scale_max": "0"}),
    )
    body = response.content.decode()
    assert 'aria-invalid="true"' in body
    assert audit(body) == []


def test_the_review_form_with_errors_passes_the_audit(answer, people, client_for):
    from challenges import services
    from tests.support.accessibility import audit

    idea = answer()
    assignment = services.assign_reviewer(
        idea, people["reviewer"], actor=people["staff"]
    )
    response = client_for("reviewer").post(
        assignment.get_absolute_url(), {"submit": "1"}
    )
    body = response.content.decode()
    assert "Score this criterion before submitting." in body
    assert audit(body) == []


def test_changing_a_scored_rubric_is_refused_on_the_page(answer, people, client_for):
    idea = answer()
    review(idea, people["reviewer"], people["staff"], 3, 3)
    challenge = idea.challenge
    need, feasibility = challenge.rubric.criteria.all()
    data = _challenge_post(
        slug=challenge.slug,
        title="Renamed while scored",
        **{
            "criteria-INITIAL_FORMS": "2",
            "criteria-0-id": str(need.pk),
            "criteria-0-name": "Need",
            "criteria-0-weight": "9",
            "criteria-1-id": str(feasibility.pk),
            "criteria-1-name": "Feasibility",
            "criteria-1-weight": "1",
        },
    )
    response = client_for("staff").post(
        reverse("challenges-edit", args=[challenge.slug]), data
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "can no longer change" in body
    assert 'value="9"' in body and "Renamed while scored" in body
    challenge.refresh_from_db()
    assert challenge.title != "Renamed while scored"
    assert [c.weight for c in challenge.rubric.criteria.all()] == [3, 1]


@pytest.mark.parametrize(
    "persona", ["anonymous", "outsider", "reviewer", "staff", "program_member"]
)
def test_the_challenge_queryset_and_the_read_rule_agree(
    make_challenge, program, people, persona
):
    from django.contrib.auth.models import AnonymousUser

    user = people[persona] or AnonymousUser()
    later = timezone.localdate() + timedelta(days=3)
    challenges = [
        make_challenge(),
        make_challenge(program=program),
        make_challenge(opens_on=later),
        make_challenge(program=program, opens_on=later),
    ]
    visible = set(Challenge.objects.visible_to(user).values_list("pk", flat=True))
    for challenge in challenges:
        assert (challenge.pk in visible) == user.has_perm(
            "challenges.read_challenge", challenge
        ), (persona, challenge.program_id, challenge.opens_on)
    assert len(visible) == {"anonymous": 1, "outsider": 1, "reviewer": 1}.get(
        persona, 4 if persona == "staff" else 2
    )
