"""The pipeline service: the transition table, who may move, history, audit, launch."""

from __future__ import annotations

import pytest

from hub.core.models import AuditEvent
from ideas import services
from ideas.models import Idea, StageChange
from ideas.stages import PIPELINE, TRANSITIONS, Actor, Stage
from ventures.models import Venture

pytestmark = pytest.mark.django_db


def test_every_stage_is_reachable_and_every_move_names_an_actor():
    targets = {t.target for t in TRANSITIONS.values()}
    assert set(Stage) - {Stage.DRAFT} <= targets
    assert all(t.actor in set(Actor) for t in TRANSITIONS.values())
    assert all(t.needs_note for t in TRANSITIONS.values() if t.target == Stage.DECLINED)


def test_the_team_submits_and_the_move_is_recorded(people, team_idea):
    idea = team_idea()
    change = services.move_idea(idea, Stage.PROPOSED, actor=people["editor"])
    idea.refresh_from_db()
    assert idea.stage == Stage.PROPOSED
    assert (change.from_stage, change.to_stage, change.actor) == (
        Stage.DRAFT,
        Stage.PROPOSED,
        people["editor"],
    )
    event = AuditEvent.objects.get(action="ideas.advance")
    assert event.actor == people["editor"]
    assert event.target_id == str(idea.pk)
    assert event.data == {"from_stage": "draft", "to_stage": "proposed", "note": ""}


def test_staff_walk_an_idea_to_launch_which_creates_the_venture(people, team_idea):
    idea = team_idea(stage=Stage.PROPOSED)
    for stage in PIPELINE[2:]:
        services.move_idea(idea, stage, actor=people["staff"])
    idea.refresh_from_db()
    assert idea.stage == Stage.LAUNCHED
    assert list(idea.stage_changes.values_list("to_stage", flat=True)) == [
        "screening",
        "planning",
        "pilot",
        "launched",
    ]
    venture = Venture.objects.get(idea=idea)
    assert venture.name == idea.title
    assert venture.launched_on is not None
    assert {m.user for m in venture.members.all()} == {
        people["owner"],
        people["editor"],
        people["viewer"],
    }
    assert venture.members.get(user=people["owner"]).role == "founder"
    assert AuditEvent.objects.filter(action="ventures.create").count() == 1


@pytest.mark.parametrize(
    ("persona", "stage", "target", "message"),
    [
        ("viewer", Stage.DRAFT, Stage.PROPOSED, "owner or an editor"),
        ("reviewer", Stage.DRAFT, Stage.PROPOSED, "owner or an editor"),
        ("editor", Stage.PROPOSED, Stage.WITHDRAWN, "Only the idea's owner"),
        ("owner", Stage.PROPOSED, Stage.SCREENING, "Only the city's staff"),
        ("reviewer", Stage.SCREENING, Stage.PLANNING, "Only the city's staff"),
        ("outsider", Stage.PROPOSED, Stage.SCREENING, "Only the city's staff"),
    ],
)
def test_it_refuses_moves_by_the_wrong_person(
    people, team_idea, persona, stage, target, message
):
    idea = team_idea(stage=stage)
    with pytest.raises(services.MoveNotAllowed, match=message):
        services.move_idea(idea, target, actor=people[persona])
    idea.refresh_from_db()
    assert idea.stage == stage
    assert not StageChange.objects.exists()
    assert not AuditEvent.objects.filter(action="ideas.advance").exists()


@pytest.mark.parametrize(
    ("stage", "target"),
    [
        (Stage.DRAFT, Stage.LAUNCHED),
        (Stage.PROPOSED, Stage.PILOT),
        (Stage.LAUNCHED, Stage.DECLINED),
        (Stage.DECLINED, Stage.LAUNCHED),
        (Stage.WITHDRAWN, Stage.PROPOSED),
        (Stage.PILOT, Stage.PILOT),
    ],
)
def test_it_refuses_illegal_moves_with_a_clear_message(
    people, team_idea, stage, target
):
    idea = team_idea(stage=stage)
    with pytest.raises(services.IllegalMove, match="cannot move from"):
        services.move_idea(idea, target, actor=people["staff"])
    idea.refresh_from_db()
    assert idea.stage == stage
    assert not StageChange.objects.exists()


def test_it_refuses_an_unknown_stage(people, team_idea):
    idea = team_idea(stage=Stage.PROPOSED)
    with pytest.raises(services.IllegalMove, match="is not a stage"):
        services.move_idea(idea, "nirvana", actor=people["staff"])
    assert Idea.objects.get(pk=idea.pk).stage == Stage.PROPOSED


def test_declining_needs_written_feedback_that_the_team_sees(
    people, team_idea, client_for
):
    idea = team_idea(stage=Stage.SCREENING)
    with pytest.raises(services.IllegalMove, match="feedback"):
        services.move_idea(idea, Stage.DECLINED, actor=people["staff"], note="   ")
    assert Idea.objects.get(pk=idea.pk).stage == Stage.SCREENING

    feedback = "The market is too small for now; partner with the transit agency."
    services.move_idea(idea, Stage.DECLINED, actor=people["staff"], note=feedback)
    page = client_for("viewer").get(f"/ideas/{idea.pk}/")
    assert page.status_code == 200
    assert feedback.encode() in page.content


def test_a_stale_move_reports_that_the_idea_moved_meanwhile(people, team_idea):
    idea = team_idea(stage=Stage.PROPOSED)
    stale = Idea.objects.get(pk=idea.pk)
    services.move_idea(idea, Stage.SCREENING, actor=people["staff"])
    with pytest.raises(services.StageConflict, match="moved meanwhile"):
        services.move_idea(
            stale,
            Stage.DECLINED,
            actor=people["staff"],
            note="No.",
            expected_stage=Stage.PROPOSED,
        )
    assert Idea.objects.get(pk=idea.pk).stage == Stage.SCREENING
    assert StageChange.objects.count() == 1


def test_withdrawn_ideas_can_be_reopened_by_their_owner(people, team_idea):
    idea = team_idea(stage=Stage.PROPOSED)
    services.move_idea(idea, Stage.WITHDRAWN, actor=people["owner"])
    services.move_idea(idea, Stage.DRAFT, actor=people["owner"])
    assert Idea.objects.get(pk=idea.pk).stage == Stage.DRAFT


def test_the_move_view_shows_the_service_message_and_changes_nothing(
    people, team_idea, client_for
):
    idea = team_idea(stage=Stage.PROPOSED)
    response = client_for("staff").post(
        f"/ideas/{idea.pk}/move/",
        {"to_stage": "launched", "from_stage": "proposed", "note": ""},
        follow=True,
    )
    assert response.status_code == 200
    assert "cannot move from Proposed to Launched" in response.content.decode()
    assert Idea.objects.get(pk=idea.pk).stage == Stage.PROPOSED


def test_the_move_view_rejects_an_unknown_stage_clearly(people, team_idea, client_for):
    idea = team_idea(stage=Stage.PROPOSED)
    response = client_for("staff").post(
        f"/ideas/{idea.pk}/move/",
        {"to_stage": "bogus", "from_stage": "proposed"},
        follow=True,
    )
    assert "The move was not made" in response.content.decode()
    assert Idea.objects.get(pk=idea.pk).stage == Stage.PROPOSED


def test_the_board_moves_a_card_through_the_same_service(people, team_idea, client_for):
    idea = team_idea(stage=Stage.PROPOSED)
    response = client_for("staff").post(
        f"/ideas/{idea.pk}/move/",
        {"to_stage": "screening", "from_stage": "proposed", "next": "/pipeline/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/pipeline/"
    assert Idea.objects.get(pk=idea.pk).stage == Stage.SCREENING
    assert AuditEvent.objects.filter(action="ideas.advance").count() == 1


def test_the_move_view_ignores_an_offsite_next(people, team_idea, client_for):
    idea = team_idea(stage=Stage.PROPOSED)
    response = client_for("staff").post(
        f"/ideas/{idea.pk}/move/",
        {
            "to_stage": "screening",
            "from_stage": "proposed",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == f"/ideas/{idea.pk}/"
