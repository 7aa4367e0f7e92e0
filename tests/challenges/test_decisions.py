"""The pipeline's review rules (N submitted reviews before business planning,
written feedback for a decision) and what the team then sees."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from hub.core.models import Notification, NotificationKind
from ideas.models import StageChange
from ideas.services import IllegalMove, move_idea
from ideas.stages import Stage
from tests.support.challenge_world import review

pytestmark = pytest.mark.django_db

GATE = "requires 2 submitted reviews before an idea moves to business planning"


def test_the_challenge_gate_needs_n_submitted_reviews(answer, people, make_reviewer):
    idea = answer()  # the challenge requires 2
    review(idea, people["reviewer"], people["staff"], 4, 4)
    review(idea, make_reviewer(), people["staff"], 5, 5, submit=False)  # a draft
    with pytest.raises(IllegalMove, match=GATE) as refused:
        move_idea(idea, Stage.PLANNING, actor=people["staff"], note="Go ahead.")
    assert "this idea has 1" in str(refused.value)
    assert not StageChange.objects.filter(idea=idea).exists()
    review(idea, make_reviewer(), people["staff"], 2, 3)
    move_idea(idea, Stage.PLANNING, actor=people["staff"], note="Go ahead.")
    idea.refresh_from_db()
    assert idea.stage == Stage.PLANNING


def test_a_conflicted_review_does_not_count_towards_the_gate(
    answer, people, make_reviewer
):
    from challenges.services import declare_conflict

    idea = answer()
    review(idea, people["reviewer"], people["staff"], 4, 4)
    other = make_reviewer()
    declare_conflict(
        review(idea, other, people["staff"]), actor=other, reason="Former employer"
    )
    with pytest.raises(IllegalMove, match=GATE):
        move_idea(idea, Stage.PLANNING, actor=people["staff"], note="Go ahead.")


def test_the_gate_message_reaches_the_page(answer, client_for):
    idea = answer()
    response = client_for("staff").post(
        reverse("ideas-move", args=[idea.pk]),
        {"to_stage": Stage.PLANNING, "from_stage": Stage.SCREENING, "note": "Yes"},
        follow=True,
    )
    assert GATE in response.content.decode()
    idea.refresh_from_db()
    assert idea.stage == Stage.SCREENING


def test_the_gate_applies_only_to_screening_to_planning(answer, people):
    idea = answer(stage=Stage.PROPOSED)
    move_idea(idea, Stage.SCREENING, actor=people["staff"])
    move_idea(idea, Stage.DECLINED, actor=people["staff"], note="Not now.")
    assert idea.stage == Stage.DECLINED


def test_unsolicited_and_ungated_ideas_move_freely(team_idea, make_challenge, people):
    for idea in (
        team_idea(stage=Stage.SCREENING),
        team_idea(stage=Stage.SCREENING, challenge=make_challenge(required_reviews=0)),
    ):
        move_idea(idea, Stage.PLANNING, actor=people["staff"])
        assert idea.stage == Stage.PLANNING


def test_a_decision_on_a_reviewed_idea_needs_feedback(answer, people, make_reviewer):
    idea = answer()
    review(idea, people["reviewer"], people["staff"], 4, 4)
    review(idea, make_reviewer(), people["staff"], 3, 4)
    with pytest.raises(IllegalMove, match="required for a decision"):
        move_idea(idea, Stage.PLANNING, actor=people["staff"], note="  ")


@pytest.fixture
def decided(answer, people, make_reviewer, django_capture_on_commit_callbacks):
    """Reviewed by Rita (Need 4, Feasibility 2) and Ruth (Need 2, Feasibility 4),
    then declined with feedback."""
    idea = answer()
    review(idea, people["reviewer"], people["staff"], 4, 2)
    review(idea, make_reviewer(name="Ruth Scorer"), people["staff"], 2, 4)
    mail.outbox.clear()
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        move_idea(
            idea,
            Stage.DECLINED,
            actor=people["staff"],
            note="Promising, but the pilot budget is too small.",
        )
    return idea


def test_a_decision_notifies_the_team_in_app_and_by_mail(decided, people):
    team = {people[p].pk for p in ("owner", "editor", "viewer")}
    notices = Notification.objects.filter(kind=NotificationKind.DECISION)
    assert set(notices.values_list("recipient_id", flat=True)) == team
    assert not Notification.objects.filter(kind=NotificationKind.STAGE_CHANGED).exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        people[p].email for p in ("owner", "editor", "viewer")
    )
    message = mail.outbox[0]
    assert decided.title in message.subject
    assert "Promising, but the pilot budget is too small." in message.body
    assert "&quot;" not in message.body and "&#x27;" not in message.body
    assert "Rita" not in message.body and "Ruth" not in message.body


@pytest.mark.parametrize("persona", ["owner", "editor", "viewer"])
def test_the_team_sees_the_aggregates_without_reviewer_names(
    decided, client_for, persona
):
    body = client_for(persona).get(decided.get_absolute_url()).content.decode()
    assert "Decision and review feedback" in body
    assert "Promising, but the pilot budget is too small." in body
    # Need: mean 3.0, range 2–4; Feasibility: mean 3.0, range 2–4.
    assert body.count("<td>3.0</td>") == 2
    assert body.count("<td>2–4</td>") == 2
    # Weighted total: ((4·3 + 2·1) + (2·3 + 4·1)) / (4 · 2) = 3.00
    assert "weighted total 3.00" in body
    for secret in ("Rita Reviewer", "Ruth Scorer", "On Need", "On Feasibility"):
        assert secret not in body


def test_before_a_decision_the_team_sees_no_scores(answer, people, client_for):
    idea = answer()
    review(idea, people["reviewer"], people["staff"], 4, 2)
    body = client_for("owner").get(idea.get_absolute_url()).content.decode()
    assert "Decision and review feedback" not in body
    assert "weighted total" not in body


def test_sending_a_reviewed_idea_back_is_not_a_decision(answer, people):
    idea = answer(stage=Stage.PILOT)
    review(idea, people["reviewer"], people["staff"], 4, 4)
    Notification.objects.all().delete()
    move_idea(idea, Stage.PLANNING, actor=people["staff"], note="More numbers.")
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds == {NotificationKind.STAGE_CHANGED}
    from challenges.decisions import feedback_for_team

    assert feedback_for_team(idea) is None
