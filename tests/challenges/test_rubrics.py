"""Rubrics: criteria with weights on one scale, validated in the service, the
forms and the database; the default intake rubric for unsolicited proposals."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from challenges import services
from challenges.models import Criterion, Rubric, Score
from challenges.services import CriterionSpec, ReviewError
from tests.support.challenge_world import review

pytestmark = pytest.mark.django_db


def test_the_intake_rubric_exists_after_migrating():
    rubric = Rubric.default()
    assert (rubric.scale_min, rubric.scale_max) == (0, 5)
    assert [c.name for c in rubric.criteria.all()] == [
        "Need",
        "Feasibility",
        "Impact",
        "Fit with city priorities",
    ]


@pytest.mark.parametrize(
    ("scale", "criteria", "message"),
    [
        ((0, 5), [], "at least one criterion"),
        ((0, 5), [CriterionSpec("Need", 0)], "from 1 to 100"),
        ((0, 5), [CriterionSpec("Need", -2)], "from 1 to 100"),
        ((5, 5), [CriterionSpec("Need", 1)], "lowest score must be below"),
        ((6, 1), [CriterionSpec("Need", 1)], "lowest score must be below"),
        ((0, 5), [CriterionSpec("Need", 1), CriterionSpec("need", 2)], "same name"),
    ],
)
def test_the_service_rejects_a_bad_rubric(people, scale, criteria, message):
    with pytest.raises(ReviewError, match=message):
        services.create_challenge(
            actor=people["staff"],
            fields={"title": "How might we?", "slug": "hmw"},
            scale_min=scale[0],
            scale_max=scale[1],
            criteria=criteria,
        )
    assert not Rubric.objects.filter(is_default=False).exists()


def test_only_staff_change_a_rubric(people):
    with pytest.raises(ReviewError):
        services.save_rubric(
            Rubric.default(),
            actor=people["reviewer"],
            scale_min=1,
            scale_max=10,
            criteria=[CriterionSpec("X", 1)],
        )
    assert Rubric.default().scale_max == 5


def test_the_database_refuses_bad_weights_and_scales():
    rubric = Rubric.default()
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.create(rubric=rubric, name="Zero", weight=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rubric.objects.create(name="Upside down", scale_min=3, scale_max=1)


def test_the_database_refuses_a_score_outside_the_scale(answer, people):
    idea = answer()
    assignment = services.assign_reviewer(
        idea, people["reviewer"], actor=people["staff"]
    )
    criterion = idea.challenge.rubric.criteria.first()
    for value in (-1, 6):
        with pytest.raises(IntegrityError), transaction.atomic():
            Score.objects.create(
                assignment=assignment,
                criterion=criterion,
                value=value,
                scale_min=0,
                scale_max=5,
            )


def test_a_scored_rubric_is_locked_but_descriptions_may_change(answer, people):
    idea = answer()
    review(idea, people["reviewer"], people["staff"], 3, 3)
    rubric = idea.challenge.rubric
    specs = [
        CriterionSpec(c.name, c.weight, "Reworded", c.pk) for c in rubric.criteria.all()
    ]
    services.save_rubric(
        rubric, actor=people["staff"], scale_min=0, scale_max=5, criteria=specs
    )
    assert set(rubric.criteria.values_list("description", flat=True)) == {"Reworded"}
    with pytest.raises(ReviewError, match="already scored"):
        services.save_rubric(
            rubric, actor=people["staff"], scale_min=0, scale_max=10, criteria=specs
        )
    with pytest.raises(ReviewError, match="already scored"):
        services.save_rubric(
            rubric,
            actor=people["staff"],
            scale_min=0,
            scale_max=5,
            criteria=[*specs, CriterionSpec("New", 1)],
        )
    assert rubric.criteria.count() == 2


def _intake_post(scale_min: str, scale_max: str, rows: list[tuple[str, str]]) -> dict:
    data = {
        "scale_min": scale_min,
        "scale_max": scale_max,
        "criteria-TOTAL_FORMS": str(len(rows)),
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "30",
    }
    for i, (name, weight) in enumerate(rows):
        data[f"criteria-{i}-name"] = name
        data[f"criteria-{i}-weight"] = weight
        data[f"criteria-{i}-description"] = ""
    return data


def test_staff_edit_the_intake_rubric(client_for):
    client = client_for("staff")
    response = client.post(
        reverse("challenges-intake-rubric"),
        _intake_post("1", "10", [("Novelty", "2"), ("Reach", "5"), ("", "")]),
    )
    assert response.status_code == 302
    rubric = Rubric.default()
    assert (rubric.scale_min, rubric.scale_max) == (1, 10)
    assert [(c.name, c.weight) for c in rubric.criteria.all()] == [
        ("Novelty", 2),
        ("Reach", 5),
    ]


@pytest.mark.parametrize(
    ("scale", "rows", "error"),
    [
        (("0", "5"), [("Need", "0")], "greater than or equal to 1"),
        (("0", "5"), [("Need", "-3")], "greater than or equal to 1"),
        (("0", "5"), [("", "")], "at least one criterion"),
        (("5", "5"), [("Need", "1")], "highest score must be above"),
        (("0", "5"), [("Need", "")], "Give this criterion a weight"),
        (("0", "5"), [("Need", "1"), ("NEED", "2")], "same name"),
    ],
)
def test_the_rubric_form_shows_errors_and_keeps_the_input(
    client_for, scale, rows, error
):
    before = list(Rubric.default().criteria.values_list("name", "weight"))
    response = client_for("staff").post(
        reverse("challenges-intake-rubric"), _intake_post(*scale, rows)
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert rows[0][0].encode() in response.content  # the input is still there
    assert list(Rubric.default().criteria.values_list("name", "weight")) == before
