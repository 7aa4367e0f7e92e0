"""Comments (Markdown, edit window, staff removal) and team management."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.core.models import AuditEvent
from ideas import services
from ideas.models import Comment, TeamMembership
from ideas.stages import Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def idea(team_idea):
    return team_idea(stage=Stage.PROPOSED)


def test_a_reviewer_comments_in_sanitized_markdown(people, idea, client_for):
    response = client_for("reviewer").post(
        f"/ideas/{idea.pk}/comments/",
        {"body": "**Nice** [x](javascript:alert(1)) <img src=x onerror=alert(1)>"},
    )
    comment = Comment.objects.get()
    assert response["Location"] == f"/ideas/{idea.pk}/#comment-{comment.pk}"
    assert "<strong>Nice</strong>" in comment.body_html
    assert "javascript" not in comment.body_html and "onerror" not in comment.body_html
    page = client_for("owner").get(f"/ideas/{idea.pk}/").content.decode()
    assert "<strong>Nice</strong>" in page and "onerror" not in page


def test_an_empty_or_overlong_comment_is_refused(idea, client_for):
    client = client_for("owner")
    page = client.post(f"/ideas/{idea.pk}/comments/", {"body": "   "}, follow=True)
    assert "This field is required." in page.content.decode()
    page = client.post(f"/ideas/{idea.pk}/comments/", {"body": "x" * 5001}, follow=True)
    assert "at most 5000 characters" in page.content.decode()
    assert not Comment.objects.exists()


def test_the_author_edits_within_the_window(people, idea, client_for):
    comment = services.add_comment(idea, author=people["editor"], body="first")
    client = client_for("editor")
    assert client.get(f"/comments/{comment.pk}/edit/").status_code == 200
    client.post(f"/comments/{comment.pk}/edit/", {"body": "second *take*"})
    comment.refresh_from_db()
    assert comment.body == "second *take*"
    assert comment.edited_at is not None
    assert "<em>take</em>" in comment.body_html
    event = AuditEvent.objects.get(action="ideas.comment_edit")
    assert event.data["previous"] == "first"


def test_the_author_cannot_edit_after_the_window(people, idea, client_for):
    comment = services.add_comment(idea, author=people["editor"], body="first")
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - timedelta(minutes=16)
    )
    client = client_for("editor")
    assert client.get(f"/comments/{comment.pk}/edit/").status_code == 403
    assert (
        client.post(f"/comments/{comment.pk}/edit/", {"body": "late"}).status_code
        == 403
    )
    assert Comment.objects.get(pk=comment.pk).body == "first"
    page = client.get(f"/ideas/{idea.pk}/").content.decode()
    assert f"/comments/{comment.pk}/edit/" not in page


def test_others_cannot_edit_a_comment(people, idea, client_for):
    comment = services.add_comment(idea, author=people["editor"], body="mine")
    for persona in ("owner", "staff"):
        response = client_for(persona).post(
            f"/comments/{comment.pk}/edit/", {"body": "x"}
        )
        assert response.status_code == 403
    assert Comment.objects.get(pk=comment.pk).body == "mine"


def test_staff_remove_a_comment_and_its_text_is_kept_in_the_audit_log(
    people, idea, client_for
):
    comment = services.add_comment(idea, author=people["editor"], body="rude words")
    assert (
        client_for("owner").post(f"/comments/{comment.pk}/remove/").status_code == 403
    )
    client_for("staff").post(f"/comments/{comment.pk}/remove/")
    comment.refresh_from_db()
    assert comment.removed_by == people["staff"]
    page = client_for("viewer").get(f"/ideas/{idea.pk}/").content.decode()
    assert "rude words" not in page
    assert "removed by the city" in page
    assert (
        AuditEvent.objects.get(action="ideas.comment_remove").data["body"]
        == "rude words"
    )


def test_the_owner_adds_a_member_by_email_in_any_case(
    people, idea, client_for, make_user
):
    newcomer = make_user("New.Comer@Example.org")
    client_for("owner").post(
        f"/ideas/{idea.pk}/team/", {"email": "new.comer@EXAMPLE.org", "role": "viewer"}
    )
    membership = TeamMembership.objects.get(idea=idea, user=newcomer)
    assert membership.role == "viewer"
    assert membership.added_by == people["owner"]
    assert AuditEvent.objects.filter(action="ideas.team_add").exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@example.org", "Nobody with that e-mail address has an account"),
        ("not-an-email", "Enter the e-mail address of a registered person"),
    ],
)
def test_adding_an_unknown_person_says_why(idea, client_for, email, message):
    page = client_for("owner").post(
        f"/ideas/{idea.pk}/team/", {"email": email, "role": "editor"}, follow=True
    )
    assert message in page.content.decode()
    assert TeamMembership.objects.filter(idea=idea).count() == 2


def test_adding_someone_twice_or_the_owner_says_why(people, idea, client_for):
    client = client_for("owner")
    page = client.post(
        f"/ideas/{idea.pk}/team/",
        {"email": people["editor"].email, "role": "viewer"},
        follow=True,
    )
    assert "already on the team" in page.content.decode()
    page = client.post(
        f"/ideas/{idea.pk}/team/",
        {"email": people["owner"].email, "role": "viewer"},
        follow=True,
    )
    assert "The owner is already on the team" in page.content.decode()
    assert TeamMembership.objects.get(idea=idea, user=people["editor"]).role == "editor"


def test_only_the_owner_manages_the_team_but_members_may_leave(
    people, idea, client_for
):
    viewer_membership = TeamMembership.objects.get(idea=idea, user=people["viewer"])
    editor_membership = TeamMembership.objects.get(idea=idea, user=people["editor"])
    response = client_for("editor").post(
        f"/ideas/{idea.pk}/team/{viewer_membership.pk}/remove/"
    )
    assert response.status_code == 403
    response = client_for("editor").post(
        f"/ideas/{idea.pk}/team/{editor_membership.pk}/remove/"
    )
    assert response.status_code == 302
    assert not TeamMembership.objects.filter(pk=editor_membership.pk).exists()
    client_for("owner").post(f"/ideas/{idea.pk}/team/{viewer_membership.pk}/remove/")
    assert not TeamMembership.objects.filter(idea=idea).exists()
    assert AuditEvent.objects.filter(action="ideas.team_remove").count() == 2


def test_a_removed_member_loses_access_to_a_team_only_draft(
    people, team_idea, client_for
):
    draft = team_idea()
    membership = TeamMembership.objects.get(idea=draft, user=people["viewer"])
    client = client_for("viewer")
    assert client.get(f"/ideas/{draft.pk}/").status_code == 200
    services.remove_team_member(membership, actor=people["owner"])
    assert client.get(f"/ideas/{draft.pk}/").status_code == 404
