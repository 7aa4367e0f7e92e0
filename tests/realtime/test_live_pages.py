"""The HTTP side of live regions: pages mark the regions a socket refreshes,
and a region re-fetching itself sees what the page would show, through the
same views and access checks, without eating the person's flash messages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ideas import services
from ideas.models import Comment
from ideas.stages import Stage

pytestmark = pytest.mark.django_db

LIVE = {"HTTP_X_LIVE_REFRESH": "true"}


def _region(body: str, region_id: str) -> str:
    """The opening tag of the element with ``region_id``."""
    match = re.search(rf'<[a-z]+ id="{region_id}"[^>]*>', body)
    assert match, f"no #{region_id}"
    return match.group(0)


def test_the_idea_page_marks_its_comment_list_live(people, team_idea, client_for):
    idea = team_idea(stage=Stage.PROPOSED)
    body = client_for("viewer").get(idea.get_absolute_url()).content.decode()
    tag = _region(body, "comment-thread")
    assert f'data-live-url="/ws/ideas/{idea.pk}/"' in tag
    assert f'data-live-refresh="{idea.get_absolute_url()}"' in tag
    assert 'data-live-events="comments"' in tag
    assert 'data-live-announce="Comments updated"' in tag
    # The comment form stays outside the region: a refresh never eats a draft.
    action = reverse("ideas-comment-add", args=[idea.pk])
    thread = body[body.index(tag) : body.index(f'action="{action}"')]
    assert "<textarea" not in thread
    assert re.search(rf'</div>\s*<form method="post" action="{action}"', body)


def test_the_board_marks_its_columns_live(client_for):
    body = client_for("staff").get(reverse("ideas-board")).content.decode()
    tag = _region(body, "board-columns")
    assert 'data-live-url="/ws/pipeline/"' in tag
    assert f'data-live-refresh="{reverse("ideas-board")}"' in tag
    assert 'data-live-announce="Board updated"' in tag


def test_a_refresh_shows_a_new_comment_in_the_region(people, team_idea, client_for):
    idea = team_idea(stage=Stage.PROPOSED)
    client = client_for("viewer")
    services.add_comment(idea, author=people["editor"], body="Fresh words")
    body = client.get(idea.get_absolute_url(), **LIVE).content.decode()
    start = body.index('id="comment-thread"')
    assert "Fresh words" in body[start:]
    assert "Comments (1)" in body[start:]


def test_a_refresh_goes_through_the_same_access_check(people, team_idea, client_for):
    idea = team_idea(stage=Stage.DRAFT)
    response = client_for("outsider").get(idea.get_absolute_url(), **LIVE)
    assert response.status_code == 404


def test_a_board_refresh_leaves_the_flash_message_for_the_next_page(
    team_idea, client_for
):
    idea = team_idea(stage=Stage.PROPOSED)
    client = client_for("staff")
    client.post(
        reverse("ideas-move", args=[idea.pk]),
        {"to_stage": Stage.SCREENING, "from_stage": Stage.PROPOSED, "note": ""},
    )
    # The socket's notice can beat the move's own redirect to the board.
    live = client.get(reverse("ideas-board"), **LIVE).content.decode()
    assert "moved to Screening" not in live
    page = client.get(reverse("ideas-board")).content.decode()
    assert "moved to Screening" in page


def test_a_page_refresh_leaves_the_flash_message_for_the_next_page(
    people, team_idea, client_for
):
    idea = team_idea(stage=Stage.PROPOSED)
    comment = Comment.objects.create(idea=idea, author=people["editor"], body="x")
    client = client_for("staff")
    client.post(reverse("ideas-comment-remove", args=[comment.pk]))
    live = client.get(idea.get_absolute_url(), **LIVE).content.decode()
    assert "The comment was removed." not in live
    page = client.get(idea.get_absolute_url()).content.decode()
    assert "The comment was removed." in page
