"""Assigning reviewers, conflicts of interest, scoring and submitting, and
review blindness on every page."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from challenges import services
from challenges.models import ReviewAssignment, Score
from challenges.services import ReviewError
from hub.core.models import AuditEvent, Notification, NotificationKind
from ideas.stages import Stage
from programs.models import MemberRole, ProgramMembership
from tests.support.challenge_world import review, scores_for

pytestmark = pytest.mark.django_db


def test_assigning_notifies_the_reviewer_in_app_and_by_mail(
    answer, people, django_capture_on_commit_callbacks
):
    idea = answer()
    with django_capture_on_commit_callbacks(execute=True):
        assignment = services.assign_reviewer(
            idea, people["reviewer"], actor=people["staff"]
        )
    notice = Notification.objects.get(recipient=people["reviewer"])
    assert notice.kind == NotificationKind.REVIEW_ASSIGNED
    assert notice.url == reverse("reviews-review", args=[assignment.pk])
    [message] = mail.outbox
    assert message.to == [people["reviewer"].email]
    assert idea.title in message.subject
    assert notice.url in message.body
    assert AuditEvent.objects.filter(action="challenges.assign").count() == 1


@pytest.mark.parametrize(
    ("who", "stage", "message"),
    [
        ("reviewer", Stage.DRAFT, "submitted, open ideas"),
        ("reviewer", Stage.DECLINED, "submitted, open ideas"),
        ("outsider", Stage.SCREENING, "not a reviewer"),
        ("staff", Stage.SCREENING, None),  # staff may review too
    ],
)
def test_who_may_be_assigned(answer, people, who, stage, message):
    idea = answer(stage=stage)
    if message is None:
        services.assign_reviewer(idea, people[who], actor=people["staff"])
        return
    with pytest.raises(ReviewError, match=message):
        services.assign_reviewer(idea, people[who], actor=people["staff"])
    assert not ReviewAssignment.objects.exists()


def test_a_team_member_cannot_review_their_own_idea(answer, people):
    idea = answer()
    people["editor"].role = "reviewer"
    people["editor"].save(update_fields=["role"])
    with pytest.raises(ReviewError, match="on the idea's team"):
        services.assign_reviewer(idea, people["editor"], actor=people["staff"])


def test_only_staff_assign_and_nobody_twice(answer, people):
    idea = answer()
    with pytest.raises(ReviewError, match="city's staff"):
        services.assign_reviewer(idea, people["reviewer"], actor=people["reviewer"])
    services.assign_reviewer(idea, people["reviewer"], actor=people["staff"])
    with pytest.raises(ReviewError, match="already assigned"):
        services.assign_reviewer(idea, people["reviewer"], actor=people["staff"])
    assert ReviewAssignment.objects.count() == 1


def test_assigning_a_reviewer_to_every_idea_of_a_challenge(
    answer, people, client_for, make_idea
):
    ideas = [answer(), answer(stage=Stage.PROPOSED), answer(stage=Stage.PLANNING)]
    answer(stage=Stage.DRAFT)  # not submitted: skipped
    answer(stage=Stage.DECLINED)  # closed: skipped
    services.assign_reviewer(ideas[0], people["reviewer"], actor=people["staff"])
    challenge = ideas[0].challenge
    response = client_for("staff").post(
        reverse("challenges-assign", args=[challenge.slug]),
        {"reviewer": people["reviewer"].pk},
    )
    assert response.status_code == 302
    assigned = set(
        ReviewAssignment.objects.filter(reviewer=people["reviewer"]).values_list(
            "idea_id", flat=True
        )
    )
    assert assigned == {idea.pk for idea in ideas}


def test_a_program_reviewer_may_be_assigned_and_then_reads_the_idea(
    make_challenge, team_idea, people, program, client_for
):
    challenge = make_challenge(program=program)
    idea = team_idea(challenge=challenge, stage=Stage.SCREENING)
    member = people["program_member"]
    with pytest.raises(ReviewError, match="not a reviewer"):
        services.assign_reviewer(idea, member, actor=people["staff"])
    ProgramMembership.objects.filter(user=member).update(role=MemberRole.REVIEWER)
    client = client_for("program_member")
    assert client.get(idea.get_absolute_url()).status_code == 404
    assignment = services.assign_reviewer(idea, member, actor=people["staff"])
    assert client.get(idea.get_absolute_url()).status_code == 200
    assert client.get(assignment.get_absolute_url()).status_code == 200
    services.declare_conflict(assignment, actor=member, reason="My cousin's firm")
    assert client.get(idea.get_absolute_url()).status_code == 404


def test_declaring_a_conflict_removes_the_reviewer(answer, people, client_for):
    idea = answer()
    assignment = review(idea, people["reviewer"], people["staff"], 3, 4, submit=False)
    client = client_for("reviewer")
    response = client.post(
        reverse("reviews-conflict", args=[assignment.pk]),
        {"reason": "I advise this team."},
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.conflict_declared_at is not None
    assert assignment.conflict_reason == "I advise this team."
    assert not Score.objects.filter(assignment=assignment).exists()
    # Gone from their list, their review page and the plan.
    assert client.get(assignment.get_absolute_url()).status_code == 404
    assert idea.title not in client.get(reverse("reviews-mine")).content.decode()
    assert client.get(reverse("ideas-plan", args=[idea.pk])).status_code == 404
    # Staff see the reason; the reviewer cannot be assigned again.
    summary = client_for("staff").get(reverse("reviews-idea", args=[idea.pk]))
    assert "I advise this team." in summary.content.decode()
    with pytest.raises(ReviewError):
        services.assign_reviewer(idea, people["reviewer"], actor=people["staff"])


def test_a_conflict_needs_a_reason(answer, people, client_for):
    assignment = services.assign_reviewer(
        answer(), people["reviewer"], actor=people["staff"]
    )
    response = client_for("reviewer").post(
        reverse("reviews-conflict", args=[assignment.pk]), {"reason": "  "}
    )
    assert response.status_code == 200
    assert "Say briefly what the conflict is." in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.conflict_declared_at is None


def _review_post(idea, values, *, submit: bool) -> dict[str, str]:
    data = {"submit" if submit else "save": "1"}
    for criterion_id, (value, comment) in scores_for(idea, *values).items():
        data[f"score_{criterion_id}"] = "" if value is None else str(value)
        data[f"comment_{criterion_id}"] = comment
    return data


def test_a_draft_keeps_partial_scores_and_submitting_needs_all(
    answer, people, client_for
):
    idea = answer()
    assignment = services.assign_reviewer(
        idea, people["reviewer"], actor=people["staff"]
    )
    client = client_for("reviewer")
    path = assignment.get_absolute_url()
    draft = _review_post(idea, [4, None], submit=False)
    assert client.post(path, draft).status_code == 302
    assert list(assignment.scores.values_list("value", flat=True)) == [4]
    refused = client.post(path, _review_post(idea, [4, None], submit=True))
    assert refused.status_code == 200
    assert "Score this criterion before submitting." in refused.content.decode()
    assignment.refresh_from_db()
    assert assignment.submitted_at is None
    assert client.post(path, _review_post(idea, [4, 2], submit=True)).status_code == 302
    assignment.refresh_from_db()
    assert assignment.submitted_at is not None
    assert sorted(assignment.scores.values_list("value", flat=True)) == [2, 4]
    # Submitted is final.
    again = client.post(path, _review_post(idea, [0, 0], submit=True), follow=True)
    assert "already submitted; it is final" in again.content.decode()
    assert sorted(assignment.scores.values_list("value", flat=True)) == [2, 4]


@pytest.mark.parametrize("value", ["6", "-1", "2.5", "lots"])
def test_the_form_rejects_a_score_outside_the_scale(answer, people, client_for, value):
    idea = answer()
    assignment = services.assign_reviewer(
        idea, people["reviewer"], actor=people["staff"]
    )
    data = _review_post(idea, [3, 3], submit=True)
    first = idea.challenge.rubric.criteria.first()
    data[f"score_{first.pk}"] = value
    data[f"comment_{first.pk}"] = "My careful comment"
    response = client_for("reviewer").post(assignment.get_absolute_url(), data)
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    assert "My careful comment" in response.content.decode()  # nothing lost
    assert not Score.objects.exists()
    assignment.refresh_from_db()
    assert assignment.submitted_at is None


@pytest.mark.parametrize("value", [6, -1, 100])
def test_the_service_rejects_a_score_outside_the_scale(answer, people, value):
    idea = answer()
    assignment = services.assign_reviewer(
        idea, people["reviewer"], actor=people["staff"]
    )
    for save in (services.save_draft_scores, services.submit_review):
        with pytest.raises(ReviewError, match="go from 0 to 5"):
            save(
                assignment, actor=people["reviewer"], scores=scores_for(idea, value, 1)
            )
    assert not Score.objects.exists()


def test_scores_for_another_rubric_are_refused(answer, people, make_challenge):
    idea = answer()
    other = make_challenge()
    assignment = services.assign_reviewer(
        idea, people["reviewer"], actor=people["staff"]
    )
    foreign = other.rubric.criteria.first()
    with pytest.raises(ReviewError, match="another rubric"):
        services.save_draft_scores(
            assignment, actor=people["reviewer"], scores={foreign.pk: (3, "")}
        )


def test_only_the_assigned_reviewer_scores(answer, people, make_reviewer):
    idea = answer()
    assignment = services.assign_reviewer(
        idea, people["reviewer"], actor=people["staff"]
    )
    for intruder in (people["staff"], make_reviewer(), people["owner"]):
        with pytest.raises(ReviewError):
            services.submit_review(
                assignment, actor=intruder, scores=scores_for(idea, 5, 5)
            )
    assert not Score.objects.exists()


def test_an_unsolicited_proposal_is_scored_on_the_intake_rubric(
    team_idea, people, client_for
):
    idea = team_idea(stage=Stage.SCREENING)
    assignment = review(idea, people["reviewer"], people["staff"], 5, 4, 3, 2)
    assert assignment.scores.count() == 4
    page = client_for("reviewer").get(assignment.get_absolute_url())
    assert "Unsolicited proposal" in page.content.decode()


# -- Blindness -----------------------------------------------------------------------

SECRET_COMMENT = "Zanzibarian secret remark"


@pytest.fixture
def blind_world(answer, people, make_reviewer):
    """Rita (persona reviewer) assigned, not submitted; Bob submitted with a
    secret comment; Cleo assigned, with a draft."""
    idea = answer()
    rita = services.assign_reviewer(idea, people["reviewer"], actor=people["staff"])
    bob = make_reviewer(name="Bob Blindtest")
    services.submit_review(
        services.assign_reviewer(idea, bob, actor=people["staff"]),
        actor=bob,
        scores=scores_for(idea, 1, 1, comment=SECRET_COMMENT),
    )
    cleo = make_reviewer(name="Cleo Drafter")
    review(idea, cleo, people["staff"], 5, 5, submit=False)
    return {"idea": idea, "rita": rita, "bob": bob}


def _pages(world) -> list[str]:
    idea = world["idea"]
    return [
        reverse("ideas-detail", args=[idea.pk]),
        reverse("reviews-review", args=[world["rita"].pk]),
        reverse("reviews-mine"),
        reverse("challenges-detail", args=[idea.challenge.slug]),
        reverse("challenges-list"),
        reverse("ideas-plan", args=[idea.pk]),
        reverse("hub-notifications"),
        reverse("reviews-idea", args=[idea.pk]),
        reverse("challenges-ranking", args=[idea.challenge.slug]),
    ]


@pytest.mark.parametrize(
    "persona", ["anonymous", "outsider", "viewer", "editor", "owner", "reviewer"]
)
def test_nobody_but_staff_sees_scores_before_submitting(
    blind_world, client_for, persona
):
    client = client_for(persona)
    for path in _pages(blind_world):
        body = client.get(path, follow=True).content.decode()
        assert SECRET_COMMENT not in body, (persona, path)
        assert "Bob Blindtest" not in body, (persona, path)
        assert "Cleo Drafter" not in body, (persona, path)


def test_staff_see_every_score_and_draft(blind_world, client_for):
    body = (
        client_for("staff")
        .get(reverse("reviews-idea", args=[blind_world["idea"].pk]))
        .content.decode()
    )
    assert SECRET_COMMENT in body
    assert "Bob Blindtest" in body
    assert "Cleo Drafter" in body


def test_after_submitting_a_reviewer_sees_the_other_submitted_reviews(
    blind_world, people, client_for
):
    idea, rita = blind_world["idea"], blind_world["rita"]
    services.submit_review(
        rita, actor=people["reviewer"], scores=scores_for(idea, 3, 3)
    )
    body = client_for("reviewer").get(rita.get_absolute_url()).content.decode()
    assert SECRET_COMMENT in body and "Bob Blindtest" in body
    assert "Cleo Drafter" not in body  # a draft stays private
    # The ranking and the summary stay staff's.
    client = client_for("reviewer")
    assert client.get(reverse("reviews-idea", args=[idea.pk])).status_code == 403
    ranking = reverse("challenges-ranking", args=[idea.challenge.slug])
    assert client.get(ranking).status_code == 403


def test_the_idea_queryset_and_the_read_rule_agree_for_assigned_reviewers(
    team_idea, people, make_user
):
    """A program's own reviewer has no reviewer role: an assignment alone lets
    them read a submitted idea, never a draft, and a conflict ends it."""
    import itertools

    from ideas.models import Idea, Visibility

    outsider_reviewer = make_user(name="Pat Programme Reviewer")
    ideas = []
    for visibility, stage in itertools.product(Visibility.values, Stage.values):
        idea = team_idea(visibility=visibility, stage=stage)
        ReviewAssignment.objects.create(idea=idea, reviewer=outsider_reviewer)
        ideas.append(idea)
    conflicted = team_idea(stage=Stage.SCREENING)
    ReviewAssignment.objects.create(
        idea=conflicted,
        reviewer=outsider_reviewer,
        conflict_declared_at="2026-01-01T00:00Z",
    )
    ideas.append(conflicted)
    visible = set(
        Idea.objects.visible_to(outsider_reviewer).values_list("pk", flat=True)
    )
    for idea in ideas:
        expected = idea.visibility == Visibility.PUBLIC or (
            idea.stage != Stage.DRAFT and idea is not conflicted
        )
        fresh = Idea.objects.get(pk=idea.pk)
        assert (idea.pk in visible) == expected, (idea.visibility, idea.stage)
        assert outsider_reviewer.has_perm("ideas.read_idea", fresh) == expected
