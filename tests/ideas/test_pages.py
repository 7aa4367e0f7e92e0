"""Idea pages: list, search and filters, create/edit, detail, board; query budgets."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from hub.core.models import AuditEvent
from ideas.models import Idea, Visibility
from ideas.stages import BOARD_ORDER, Stage

pytestmark = pytest.mark.django_db

VALID = {
    "title": "Curb slots",
    "pitch": "Couriers book curb time.",
    "problem": "Double parking.",
    "solution": "Bookable curb windows.",
    "description": "## Plan\n\n| a | b |\n|---|---|\n| 1 | 2 |",
    "visibility": "team",
    "tags": "mobility, logistics",
}


def _ideas(make_idea, owner, n, **fields):
    stages = list(BOARD_ORDER)
    return [
        make_idea(
            owner,
            title=f"Public idea {i}",
            visibility=Visibility.PUBLIC,
            stage=fields.get("stage") or stages[i % len(stages)],
            tags=["alpha", f"t{i % 3}"],
        )
        for i in range(n)
    ]


# --- query budgets ---------------------------------------------------------------


@pytest.mark.parametrize("size", [5, 60])
def test_the_idea_list_runs_a_constant_number_of_queries(
    size, people, make_idea, client_for, django_assert_num_queries
):
    _ideas(make_idea, people["owner"], size)
    client = client_for("outsider")
    # session, user, the bell's unread count, COUNT for the paginator, the page
    # of ideas (+owner), tags prefetch
    with django_assert_num_queries(6):
        response = client.get("/ideas/?q=idea&tag=alpha")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(size, 20)


@pytest.mark.parametrize("size", [5, 60])
def test_the_board_runs_a_constant_number_of_queries(
    size, people, make_idea, client_for, django_assert_num_queries
):
    _ideas(make_idea, people["owner"], size)
    client = client_for("staff")
    # session, user, the bell's unread count, counts per stage, the ranked cards
    # per column (+owner)
    with django_assert_num_queries(5):
        response = client.get("/pipeline/")
    assert response.status_code == 200
    columns = response.context["columns"]
    assert [c["stage"] for c in columns] == BOARD_ORDER
    assert sum(c["count"] for c in columns) == size


@pytest.mark.parametrize("size", [5, 60])
def test_my_ideas_runs_a_constant_number_of_queries(
    size, people, make_idea, client_for, django_assert_num_queries
):
    _ideas(make_idea, people["owner"], size)
    client = client_for("owner")
    # session, user, the bell's unread count, count, ideas, tags
    with django_assert_num_queries(6):
        response = client.get("/ideas/mine/")
    assert response.context["page"].paginator.count == size


def test_the_board_caps_cards_per_column_and_says_how_many_more(
    people, make_idea, client_for, settings
):
    settings.BOARD_CARDS_PER_COLUMN = 3
    _ideas(make_idea, people["owner"], 5, stage=Stage.SCREENING)
    response = client_for("staff").get("/pipeline/")
    screening = next(
        c for c in response.context["columns"] if c["stage"] == Stage.SCREENING
    )
    assert (screening["count"], len(screening["cards"]), screening["more"]) == (5, 3, 2)
    assert "and 2 more" in response.content.decode()


def test_the_board_shows_the_longest_waiting_cards_ties_broken_by_id(
    people, make_idea, client_for, settings
):
    """The same cards whichever way the database picks each column's first
    ones (one LIMIT per stage on PostgreSQL, ROW_NUMBER() elsewhere)."""
    settings.BOARD_CARDS_PER_COLUMN = 2
    owner, t0 = people["owner"], timezone.now() - datetime.timedelta(days=30)
    ideas = [
        make_idea(owner, visibility=Visibility.PUBLIC, stage=Stage.SCREENING)
        for _ in range(4)
    ]
    for idea, days in zip(ideas, [3, 1, 1, 0], strict=True):
        Idea.objects.filter(pk=idea.pk).update(
            stage_changed_at=t0 + datetime.timedelta(days=days)
        )
    make_idea(owner, visibility=Visibility.PUBLIC, stage=Stage.PILOT)
    # Someone else's team-only draft: not for staff's eyes.
    hidden = make_idea(people["editor"], title="Hidden draft", stage=Stage.DRAFT)
    response = client_for("staff").get("/pipeline/")
    columns = {c["stage"]: c for c in response.context["columns"]}
    screening = columns[Stage.SCREENING]
    assert [i.pk for i in screening["cards"]] == [ideas[3].pk, ideas[1].pk]
    assert (screening["count"], screening["more"]) == (4, 2)
    assert len(columns[Stage.PILOT]["cards"]) == 1
    assert hidden.pk not in [i.pk for c in columns.values() for i in c["cards"]]
    body = response.content.decode()
    assert "Hidden draft" not in body
    card = ideas[3]
    assert f'href="{reverse("ideas-detail", args=[card.pk])}"' in body
    assert f'action="{reverse("ideas-move", args=[card.pk])}"' in body
    assert "30 days in stage" in body


# --- list, search, filters --------------------------------------------------------


def test_search_matches_title_pitch_and_tags(people, make_idea, client):
    make_idea(people["owner"], title="Solar canopies", visibility="public")
    make_idea(people["owner"], pitch="Cheap solar for renters", visibility="public")
    make_idea(people["owner"], title="Bike lanes", visibility="public", tags=["Solar"])
    make_idea(people["owner"], title="Unrelated", visibility="public")
    response = client.get("/ideas/", {"q": "solar"})
    titles = {i.title for i in response.context["page"].object_list}
    assert "Unrelated" not in titles
    assert len(titles) == 3


def test_filters_by_stage_tag_and_mine(people, make_idea, client_for):
    owner = people["owner"]
    make_idea(owner, title="A", visibility="public", stage=Stage.SCREENING, tags=["x"])
    make_idea(owner, title="B", visibility="public", stage=Stage.PROPOSED, tags=["x"])
    make_idea(people["editor"], title="C", visibility="public", stage=Stage.SCREENING)
    client = client_for("owner")

    def titles(**params):
        response = client.get("/ideas/", params)
        return sorted(i.title for i in response.context["page"].object_list)

    assert titles(stage="screening") == ["A", "C"]
    assert titles(tag="X") == ["A", "B"]
    assert titles(mine="on") == ["A", "B"]
    assert titles(stage="screening", tag="x", mine="on") == ["A"]


def test_an_unknown_stage_filter_says_so_and_lists_nothing(people, make_idea, client):
    make_idea(people["owner"], visibility="public", stage=Stage.PROPOSED)
    response = client.get("/ideas/", {"stage": "nirvana"})
    assert response.status_code == 200
    assert "Some filters were not valid" in response.content.decode()
    assert response.context["page"].paginator.count == 0


def test_the_list_paginates_and_keeps_filters(people, make_idea, client):
    _ideas(make_idea, people["owner"], 45, stage=Stage.PROPOSED)
    page2 = client.get("/ideas/", {"stage": "proposed", "page": 2})
    assert page2.context["page"].number == 2
    assert "stage=proposed&amp;page=3" in page2.content.decode()
    assert client.get("/ideas/", {"page": "999"}).context["page"].number == 3
    assert client.get("/ideas/", {"page": "x"}).context["page"].number == 1


def test_htmx_requests_get_only_the_results_fragment(people, make_idea, client):
    make_idea(people["owner"], visibility="public", title="Fragmented")
    response = client.get("/ideas/", {"q": "Frag"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="results"')
    assert "<html" not in body
    assert "Fragmented" in body


# --- create and edit -------------------------------------------------------------


def test_an_entrepreneur_proposes_an_idea_as_a_draft(people, client_for):
    response = client_for("outsider").post("/ideas/new/", VALID)
    idea = Idea.objects.get(title="Curb slots")
    assert response.status_code == 302
    assert response["Location"] == f"/ideas/{idea.pk}/"
    assert idea.owner == people["outsider"]
    assert idea.stage == Stage.DRAFT
    assert sorted(idea.tags.names()) == ["logistics", "mobility"]
    assert "<table>" in idea.description_html
    assert AuditEvent.objects.filter(
        action="ideas.create", target_id=str(idea.pk)
    ).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "This field is required."),
        ("title", "   ", "This field is required."),
        ("title", "x" * 141, "at most 140 characters"),
        ("pitch", "y" * 201, "at most 200 characters"),
        ("problem", "", "This field is required."),
        ("description", "z" * 20_001, "at most 20000 characters"),
        ("visibility", "everyone", "Select a valid choice"),
        ("tags", ", ".join(f"tag{i}" for i in range(13)), "at most 12 tags"),
        ("tags", "a" * 51, "at most 50 characters"),
    ],
)
def test_bad_idea_input_gives_form_errors_not_500s(client_for, field, value, message):
    data = {**VALID, field: value}
    response = client_for("outsider").post("/ideas/new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Idea.objects.exists()


def test_the_team_edits_and_the_change_is_audited(people, team_idea, client_for):
    idea = team_idea(stage=Stage.PROPOSED)
    response = client_for("editor").post(
        f"/ideas/{idea.pk}/edit/", {**VALID, "title": "Renamed", "tags": "one"}
    )
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.title == "Renamed"
    assert list(idea.tags.names()) == ["one"]
    event = AuditEvent.objects.get(action="ideas.update")
    assert "title" in event.data["fields"] and "tags" in event.data["fields"]


def test_the_edit_form_is_prefilled(people, team_idea, client_for):
    idea = team_idea(tags=["mobility"])
    body = client_for("owner").get(f"/ideas/{idea.pk}/edit/").content.decode()
    assert f'value="{idea.title}"' in body
    assert "mobility" in body


# --- detail ---------------------------------------------------------------------


def test_the_detail_page_shows_markdown_team_history_and_moves(
    people, team_idea, client_for
):
    from ideas import services

    idea = team_idea(description="# Plan\n\n**bold** <script>alert(1)</script>")
    services.move_idea(idea, Stage.PROPOSED, actor=people["owner"], note="Ready!")
    body = client_for("owner").get(f"/ideas/{idea.pk}/").content.decode()
    assert "<h3>Plan</h3>" in body
    assert "<strong>bold</strong>" in body
    assert "<script>alert" not in body
    assert "Vera Viewer" in body and "Ed Editor" in body
    assert "Ready!" in body  # the note in the timeline
    assert 'value="withdrawn"' in body  # the owner may withdraw
    assert 'value="screening"' not in body  # but not screen


def test_staff_see_the_staff_moves_on_the_detail_page(people, team_idea, client_for):
    idea = team_idea(stage=Stage.PROPOSED)
    body = client_for("staff").get(f"/ideas/{idea.pk}/").content.decode()
    assert 'value="screening"' in body and 'value="declined"' in body
    assert 'value="withdrawn"' not in body
