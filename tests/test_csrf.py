"""Every state-changing POST is refused without a CSRF token, and accepted with one.

The client enforces CSRF checks (the default test client skips them). Each
case logs in as staff, or as the owner (or comment author) where staff cannot
reach the view, and snapshots the rows the POST would change: without a token
the answer is 403 and the snapshot is identical; with a valid token the answer
is not 403 and the change lands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hub.models import Notification, NotificationKind, Role, User
from ideas.models import (
    Comment,
    Idea,
    StageChange,
    TeamMembership,
    TeamRole,
    Visibility,
)
from ideas.stages import Stage
from ventures.models import Dataset

pytestmark = pytest.mark.django_db


@dataclass
class World:
    people: dict[str, User | None]
    idea: Idea  # team-only, proposed: staff can see and screen it
    staff_comment: Comment  # written by staff just now (editable by staff)
    viewer_membership: TeamMembership
    newcomer: User
    bystander: User
    notice: Notification  # the owner's, unread


@pytest.fixture
def world(people, team_idea, make_user) -> World:
    idea = team_idea(stage=Stage.PROPOSED)
    return World(
        people=people,
        idea=idea,
        staff_comment=Comment.objects.create(
            idea=idea, author=people["staff"], body="Staff note"
        ),
        viewer_membership=TeamMembership.objects.get(idea=idea, user=people["viewer"]),
        newcomer=make_user(name="Nina Newcomer"),
        bystander=make_user(name="Bea Bystander"),
        notice=Notification.objects.create(
            recipient=people["owner"],
            kind=NotificationKind.STAGE_CHANGED,
            text="Your idea moved.",
            url=idea.get_absolute_url(),
        ),
    )


def _idea_form(title: str) -> dict[str, str]:
    return {
        "title": title,
        "pitch": "Helps people do a thing.",
        "problem": "A problem.",
        "solution": "A solution.",
        "description": "Text.",
        "visibility": Visibility.TEAM,
        "tags": "",
    }


def _idea_state(w: World) -> Any:
    return (
        Idea.objects.values("title", "stage", "stage_changed_at", "updated_at").get(
            pk=w.idea.pk
        ),
        StageChange.objects.count(),
        Idea.objects.count(),
    )


def _users_state(w: World) -> Any:
    return list(
        User.objects.order_by("pk").values("pk", "display_name", "role", "is_staff")
    )


def _team_state(w: World) -> Any:
    return sorted(TeamMembership.objects.values_list("idea_id", "user_id", "role"))


def _notifications_state(w: World) -> Any:
    return list(Notification.objects.order_by("pk").values_list("pk", "read_at"))


def _comments_state(w: World) -> Any:
    return list(
        Comment.objects.order_by("pk").values("pk", "body", "edited_at", "removed_at")
    )


def _catalog_file() -> SimpleUploadedFile:
    body = b'{"dataset": [{"identifier": "c1", "title": "CSRF data"}]}'
    return SimpleUploadedFile("csrf.json", body, content_type="application/json")


def _catalog_state(w: World) -> Any:
    return sorted(Dataset.objects.values_list("source__name", "identifier"))


def _venture_bits(w: World) -> dict[str, Any]:
    """A venture with one dataset use, a dataset not yet used and a data
    request (made on first use; staff may act on all of them)."""
    from ventures.models import CatalogSource, DataRequest, DatasetUse, Venture

    venture, _ = Venture.objects.get_or_create(slug="csrf-co", defaults={"name": "C"})
    source, _ = CatalogSource.objects.get_or_create(name="CSRF uses")
    used, _ = Dataset.objects.get_or_create(source=source, identifier="used")
    unused, _ = Dataset.objects.get_or_create(source=source, identifier="unused")
    use, _ = DatasetUse.objects.get_or_create(venture=venture, dataset=used)
    request, _ = DataRequest.objects.get_or_create(venture=venture, title="Wanted")
    return {"slug": venture.slug, "use": use.pk, "unused": unused.pk, "req": request}


def _ventures_state(w: World) -> Any:
    from ventures.models import DataRequest, DatasetUse, Venture

    return (
        list(Venture.objects.order_by("pk").values_list("name", "status")),
        list(DatasetUse.objects.order_by("pk").values_list("dataset_id", "how")),
        list(DataRequest.objects.order_by("pk").values_list("title", "status")),
    )


def _venture_form(name: str) -> dict[str, str]:
    return {"name": name, "status": "closed", "launched_on": "2024-01-01"}


@dataclass(frozen=True)
class Case:
    persona: str  # who is logged in
    request: Callable[[World], tuple[str, dict[str, str]]]
    state: Callable[[World], Any]  # snapshot of what the POST would change


CASES: dict[str, Case] = {
    "hub-profile": Case(
        "staff",
        lambda w: (
            reverse("hub-profile"),
            {"display_name": "Renamed Sam", "skills": ""},
        ),
        _users_state,
    ),
    "hub-people-role": Case(
        "staff",
        lambda w: (
            reverse("hub-people-role", args=[w.bystander.pk]),
            {f"p{w.bystander.pk}-role": Role.REVIEWER},
        ),
        _users_state,
    ),
    "ideas-create": Case(
        "staff",
        lambda w: (reverse("ideas-create"), _idea_form("Made by staff")),
        _idea_state,
    ),
    # Staff may not edit ideas: the owner does.
    "ideas-edit": Case(
        "owner",
        lambda w: (
            reverse("ideas-edit", args=[w.idea.pk]),
            _idea_form("Edited by owner"),
        ),
        _idea_state,
    ),
    "ideas-move": Case(
        "staff",
        lambda w: (
            reverse("ideas-move", args=[w.idea.pk]),
            {"to_stage": Stage.SCREENING, "from_stage": Stage.PROPOSED, "note": ""},
        ),
        _idea_state,
    ),
    # Team management is the owner's.
    "ideas-team-add": Case(
        "owner",
        lambda w: (
            reverse("ideas-team-add", args=[w.idea.pk]),
            {"email": w.newcomer.email, "role": TeamRole.EDITOR},
        ),
        _team_state,
    ),
    "ideas-team-remove": Case(
        "owner",
        lambda w: (
            reverse("ideas-team-remove", args=[w.idea.pk, w.viewer_membership.pk]),
            {},
        ),
        _team_state,
    ),
    "ideas-comment-add": Case(
        "staff",
        lambda w: (
            reverse("ideas-comment-add", args=[w.idea.pk]),
            {"body": "Hello team"},
        ),
        _comments_state,
    ),
    "ideas-comment-edit": Case(
        "staff",
        lambda w: (
            reverse("ideas-comment-edit", args=[w.staff_comment.pk]),
            {"body": "Staff note, reworded"},
        ),
        _comments_state,
    ),
    "ideas-comment-remove": Case(
        "staff",
        lambda w: (reverse("ideas-comment-remove", args=[w.staff_comment.pk]), {}),
        _comments_state,
    ),
    "hub-notifications-read-all": Case(
        "owner",
        lambda w: (reverse("hub-notifications-read-all"), {}),
        _notifications_state,
    ),
    "hub-notifications-open": Case(
        "owner",
        lambda w: (reverse("hub-notifications-open", args=[w.notice.pk]), {}),
        _notifications_state,
    ),
    "ventures-create": Case(
        "staff",
        lambda w: (reverse("ventures-create"), _venture_form("CSRF venture")),
        _ventures_state,
    ),
    "ventures-edit": Case(
        "staff",
        lambda w: (
            reverse("ventures-edit", args=[_venture_bits(w)["slug"]]),
            _venture_form("CSRF renamed"),
        ),
        _ventures_state,
    ),
    "ventures-use-add": Case(
        "staff",
        lambda w: (
            reverse("ventures-use-add", args=[_venture_bits(w)["slug"]]),
            {"use-dataset": str(_venture_bits(w)["unused"]), "use-extent": "core"},
        ),
        _ventures_state,
    ),
    "ventures-use-edit": Case(
        "staff",
        lambda w: (
            reverse("ventures-use-edit", args=["csrf-co", _venture_bits(w)["use"]]),
            {"how": "Edited", "extent": "core"},
        ),
        _ventures_state,
    ),
    "ventures-use-remove": Case(
        "staff",
        lambda w: (
            reverse("ventures-use-remove", args=["csrf-co", _venture_bits(w)["use"]]),
            {},
        ),
        _ventures_state,
    ),
    "ventures-data-request-add": Case(
        "staff",
        lambda w: (
            reverse("ventures-data-request-add", args=[_venture_bits(w)["slug"]]),
            {"request-title": "More data"},
        ),
        _ventures_state,
    ),
    "ventures-data-request-status": Case(
        "staff",
        lambda w: (
            reverse("ventures-data-request-status", args=[_venture_bits(w)["req"].pk]),
            {"status": "declined"},
        ),
        _ventures_state,
    ),
    "catalog-import": Case(
        "staff",
        lambda w: (
            reverse("catalog-import"),
            {"file": _catalog_file(), "source": "CSRF catalog"},  # type: ignore[dict-item]
        ),
        _catalog_state,
    ),
}


def _csrf_client(w: World, persona: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(w.people[persona])
    return client


def _is_logged_in(client: Client) -> bool:
    return client.get(reverse("hub-profile")).status_code == 200


def _token(client: Client) -> str:
    assert client.get(reverse("hub-landing")).status_code == 200
    return client.cookies["csrftoken"].value


def test_cases_cover_every_post_url():
    post_urls = {
        "hub-profile", "hub-people-role", "ideas-create", "ideas-edit",
        "ideas-move", "ideas-team-add", "ideas-team-remove", "ideas-comment-add",
        "ideas-comment-edit", "ideas-comment-remove",
        "hub-notifications-read-all", "hub-notifications-open",
        "ventures-create", "ventures-edit", "ventures-use-add", "ventures-use-edit",
        "ventures-use-remove", "ventures-data-request-add",
        "ventures-data-request-status",
        "catalog-import",
    }  # fmt: skip
    assert set(CASES) == post_urls


@pytest.mark.parametrize("url_name", list(CASES))
def test_post_without_csrf_token_is_refused_and_changes_nothing(world, url_name):
    case = CASES[url_name]
    client = _csrf_client(world, case.persona)
    path, data = case.request(world)
    before = case.state(world)

    response = client.post(path, data)

    assert response.status_code == 403
    assert case.state(world) == before


@pytest.mark.parametrize("url_name", list(CASES))
def test_post_with_a_wrong_csrf_token_is_refused(world, url_name):
    case = CASES[url_name]
    client = _csrf_client(world, case.persona)
    _token(client)
    path, data = case.request(world)
    before = case.state(world)

    response = client.post(path, {**data, "csrfmiddlewaretoken": "x" * 64})

    assert response.status_code == 403
    assert case.state(world) == before


@pytest.mark.parametrize("url_name", list(CASES))
def test_post_with_a_valid_csrf_token_goes_through(world, url_name):
    case = CASES[url_name]
    client = _csrf_client(world, case.persona)
    token = _token(client)
    path, data = case.request(world)
    before = case.state(world)

    response = client.post(path, {**data, "csrfmiddlewaretoken": token})

    assert response.status_code != 403
    assert response.status_code == 302
    assert case.state(world) != before


def test_header_token_is_accepted_too(world):
    client = _csrf_client(world, "staff")
    token = _token(client)
    path, data = CASES["ideas-move"].request(world)
    response = client.post(path, data, headers={"X-CSRFToken": token})
    assert response.status_code == 302
    assert Idea.objects.get(pk=world.idea.pk).stage == Stage.SCREENING


def test_logout_without_csrf_token_is_refused_and_keeps_the_session(world):
    client = _csrf_client(world, "staff")
    assert _is_logged_in(client)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 403
    assert _is_logged_in(client)


def test_logout_with_a_valid_csrf_token_signs_out(world):
    client = _csrf_client(world, "staff")
    token = _token(client)

    response = client.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})

    assert response.status_code != 403
    assert response.status_code == 302
    assert not _is_logged_in(client)
