"""Live sockets: an idea's comments, the staff board and the bell.

Each test drives the real ASGI application (origin check, session auth,
router) with a session cookie, makes the change through the service function
a view would call, and asserts the whole notice the browser gets.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from hub.asgi import application
from hub.core import services as hub_services
from hub.core.broadcast import groups
from hub.core.models import Role
from ideas import services
from ideas.models import TeamMembership, TeamRole, Visibility
from ideas.stages import Stage
from tests.support.personas import PERSONAS

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

COMMENTS = {"event": "idea.changed", "what": "comments"}
TEAM = {"event": "idea.changed", "what": "team"}
STAGE = {"event": "idea.changed", "what": "stage"}
BOARD = {"event": "board.changed"}
NOTIFY = {"event": "notify.changed"}
FORBIDDEN = {"type": "websocket.close", "code": 4403}


@pytest.fixture
def headers(people) -> dict[str, list[tuple[bytes, bytes]]]:
    """Handshake headers per persona: a real session cookie and our origin."""
    result = {}
    for persona in PERSONAS:
        client = Client()
        if people[persona] is not None:
            client.force_login(people[persona])
        cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
        value = f"{settings.SESSION_COOKIE_NAME}={cookie.value}" if cookie else ""
        result[persona] = [
            (b"cookie", value.encode()),
            (b"host", b"testserver"),
            (b"origin", b"http://testserver"),
        ]
    return result


@pytest_asyncio.fixture
async def sockets(headers) -> AsyncIterator[Callable[..., Any]]:
    """Opens sockets by persona and path; disconnects every one afterwards."""
    opened: list[WebsocketCommunicator] = []

    async def open_socket(persona: str, path: str) -> WebsocketCommunicator:
        communicator = WebsocketCommunicator(application, path, headers[persona])
        opened.append(communicator)
        connected, _ = await communicator.connect()
        assert connected
        return communicator

    yield open_socket
    for communicator in opened:
        # (a failed receive has already stopped the application)
        with contextlib.suppress(asyncio.CancelledError):
            await communicator.disconnect()


def sync(fn: Callable[..., Any]) -> Callable[..., Any]:
    return database_sync_to_async(fn)


async def _refused(communicator: WebsocketCommunicator) -> bool:
    return await communicator.receive_output(timeout=2) == FORBIDDEN


# --- ws/ideas/<id>/ -----------------------------------------------------------


async def test_a_new_comment_reaches_everyone_viewing_the_idea(
    people, team_idea, sockets
):
    idea = await sync(team_idea)(stage=Stage.PROPOSED)
    path = f"/ws/ideas/{idea.pk}/"
    viewer = await sockets("viewer", path)
    reviewer = await sockets("reviewer", path)
    await sync(services.add_comment)(idea, author=people["editor"], body="Hi")
    assert await viewer.receive_json_from(timeout=2) == COMMENTS
    assert await reviewer.receive_json_from(timeout=2) == COMMENTS
    assert await viewer.receive_nothing(timeout=0.2)


async def test_edits_and_removals_of_comments_are_announced_too(
    people, team_idea, sockets
):
    idea = await sync(team_idea)(stage=Stage.PROPOSED)
    comment = await sync(services.add_comment)(
        idea, author=people["editor"], body="First"
    )
    owner = await sockets("owner", f"/ws/ideas/{idea.pk}/")
    await sync(services.edit_comment)(comment, actor=people["editor"], body="First!")
    assert await owner.receive_json_from(timeout=2) == COMMENTS
    await sync(services.remove_comment)(comment, actor=people["staff"])
    assert await owner.receive_json_from(timeout=2) == COMMENTS


async def test_anonymous_visitors_may_watch_a_public_idea(people, team_idea, sockets):
    idea = await sync(team_idea)(stage=Stage.PROPOSED, visibility=Visibility.PUBLIC)
    anonymous = await sockets("anonymous", f"/ws/ideas/{idea.pk}/")
    await sync(services.add_comment)(idea, author=people["outsider"], body="Hi")
    assert await anonymous.receive_json_from(timeout=2) == COMMENTS
    await sync(services.move_idea)(idea, Stage.SCREENING, actor=people["staff"])
    assert await anonymous.receive_json_from(timeout=2) == STAGE


@pytest.mark.parametrize(
    ("persona", "stage"),
    [
        ("outsider", Stage.PROPOSED),
        ("anonymous", Stage.PROPOSED),
        ("reviewer", Stage.DRAFT),  # reviewers see team-only ideas once submitted
        ("staff", Stage.DRAFT),
    ],
)
async def test_people_who_may_not_read_a_team_only_idea_are_refused(
    people, team_idea, sockets, persona, stage
):
    idea = await sync(team_idea)(stage=stage)
    communicator = await sockets(persona, f"/ws/ideas/{idea.pk}/")
    assert await _refused(communicator)
    # ... and hear nothing of what happens there.
    await sync(services.add_comment)(idea, author=people["owner"], body="Hi")
    assert await communicator.receive_nothing(timeout=0.2)


async def test_a_missing_idea_is_refused_like_a_hidden_one(people, sockets):
    communicator = await sockets("owner", "/ws/ideas/999999/")
    assert await _refused(communicator)


async def test_a_removed_member_is_cut_off_and_the_rest_of_the_team_is_not(
    people, team_idea, sockets
):
    idea = await sync(team_idea)(stage=Stage.DRAFT)
    path = f"/ws/ideas/{idea.pk}/"
    viewer = await sockets("viewer", path)
    editor = await sockets("editor", path)
    membership = await sync(TeamMembership.objects.get)(
        idea=idea, user=people["viewer"]
    )
    await sync(services.remove_team_member)(membership, actor=people["owner"])
    assert await viewer.receive_json_from(timeout=2) == TEAM
    assert await _refused(viewer)
    assert await editor.receive_json_from(timeout=2) == TEAM
    assert await editor.receive_nothing(timeout=0.2)
    await sync(services.add_comment)(idea, author=people["owner"], body="Bye")
    assert await editor.receive_json_from(timeout=2) == COMMENTS
    assert await viewer.receive_nothing(timeout=0.2)


async def test_a_reviewer_demoted_while_watching_is_cut_off(people, team_idea, sockets):
    idea = await sync(team_idea)(stage=Stage.PROPOSED)
    reviewer = await sockets("reviewer", f"/ws/ideas/{idea.pk}/")
    await sync(hub_services.set_role)(
        people["reviewer"], Role.ENTREPRENEUR, actor=people["staff"]
    )
    assert await _refused(reviewer)


async def test_anything_the_browser_sends_closes_the_socket(team_idea, sockets):
    idea = await sync(team_idea)(stage=Stage.PROPOSED)
    owner = await sockets("owner", f"/ws/ideas/{idea.pk}/")
    await owner.send_to(text_data='{"type": "access.changed", "user_id": 1}')
    assert await owner.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": 4400,
    }


async def test_notices_for_other_kinds_of_socket_are_ignored(
    people, team_idea, sockets
):
    idea = await sync(team_idea)(stage=Stage.PROPOSED)
    owner = await sockets("owner", f"/ws/ideas/{idea.pk}/")
    layer = get_channel_layer()
    await layer.group_send(groups.idea_group(idea.pk), {"type": "doc.presence"})
    await layer.group_send(groups.user_group(people["owner"].pk), {"type": "x.y"})
    assert await owner.receive_nothing(timeout=0.2)
    await sync(services.add_comment)(idea, author=people["editor"], body="Still here")
    assert await owner.receive_json_from(timeout=2) == COMMENTS


# --- ws/pipeline/ -------------------------------------------------------------


async def test_any_move_reaches_the_staff_board(people, team_idea, sockets):
    idea = await sync(team_idea)(stage=Stage.DRAFT)
    board = await sockets("staff", "/ws/pipeline/")
    # The team submits: staff hear of it without reloading.
    await sync(services.move_idea)(idea, Stage.PROPOSED, actor=people["owner"])
    assert await board.receive_json_from(timeout=2) == BOARD
    await sync(services.move_idea)(idea, Stage.SCREENING, actor=people["staff"])
    assert await board.receive_json_from(timeout=2) == BOARD
    # Comments are not the board's business.
    await sync(services.add_comment)(idea, author=people["owner"], body="Hi")
    assert await board.receive_nothing(timeout=0.2)


@pytest.mark.parametrize(
    "persona", ["anonymous", "outsider", "viewer", "editor", "owner", "reviewer"]
)
async def test_the_board_socket_is_for_staff_only(people, team_idea, sockets, persona):
    idea = await sync(team_idea)(stage=Stage.PROPOSED)
    communicator = await sockets(persona, "/ws/pipeline/")
    assert await _refused(communicator)
    await sync(services.move_idea)(idea, Stage.SCREENING, actor=people["staff"])
    assert await communicator.receive_nothing(timeout=0.2)


async def test_staff_who_lose_the_role_lose_the_board(people, make_user, sockets):
    board = await sockets("staff", "/ws/pipeline/")
    colleague = await sync(make_user)(role=Role.STAFF)
    await sync(hub_services.set_role)(people["staff"], Role.REVIEWER, actor=colleague)
    assert await _refused(board)


# --- ws/notifications/ --------------------------------------------------------


async def test_being_added_to_a_team_rings_only_the_newcomers_bell(
    people, team_idea, sockets
):
    idea = await sync(team_idea)(stage=Stage.DRAFT)
    newcomer = await sockets("outsider", "/ws/notifications/")
    owner = await sockets("owner", "/ws/notifications/")
    editor = await sockets("editor", "/ws/notifications/")
    await sync(services.add_team_member)(
        idea,
        actor=people["owner"],
        email=people["outsider"].email,
        role=TeamRole.VIEWER,
    )
    assert await newcomer.receive_json_from(timeout=2) == NOTIFY
    assert await owner.receive_nothing(timeout=0.2)  # the actor is not told
    assert await editor.receive_nothing(timeout=0.1)


async def test_a_comment_and_a_mention_ring_the_right_bells(people, team_idea, sockets):
    idea = await sync(team_idea)(stage=Stage.PROPOSED, visibility=Visibility.PUBLIC)
    owner = await sockets("owner", "/ws/notifications/")
    outsider = await sockets("outsider", "/ws/notifications/")
    staff = await sockets("staff", "/ws/notifications/")
    # The outsider has commented before, so they may be mentioned.
    await sync(services.add_comment)(idea, author=people["outsider"], body="Q?")
    assert await owner.receive_json_from(timeout=2) == NOTIFY
    assert await owner.receive_nothing(timeout=0.2)
    assert await outsider.receive_nothing(timeout=0.1)

    await sync(services.add_comment)(
        idea, author=people["staff"], body="@Olga Outsider good question"
    )
    assert await outsider.receive_json_from(timeout=2) == NOTIFY  # mention
    assert await owner.receive_json_from(timeout=2) == NOTIFY  # comment
    assert await staff.receive_nothing(timeout=0.2)  # the author


async def test_a_stage_change_rings_the_teams_bells_only(people, team_idea, sockets):
    idea = await sync(team_idea)(stage=Stage.PROPOSED)
    team = [await sockets(p, "/ws/notifications/") for p in ("owner", "editor")]
    others = [await sockets(p, "/ws/notifications/") for p in ("outsider", "staff")]
    await sync(services.move_idea)(idea, Stage.SCREENING, actor=people["staff"])
    for bell in team:
        assert await bell.receive_json_from(timeout=2) == NOTIFY
    for bell in others:
        assert await bell.receive_nothing(timeout=0.2)


async def test_anonymous_visitors_have_no_bell(sockets):
    communicator = await sockets("anonymous", "/ws/notifications/")
    assert await _refused(communicator)


async def test_a_deactivated_account_loses_its_bell(people, sockets):
    bell = await sockets("outsider", "/ws/notifications/")
    person = people["outsider"]

    def deactivate() -> None:
        person.is_active = False
        person.save(update_fields=["is_active"])

    await sync(deactivate)()
    from hub.core.broadcast import events

    await sync(events.user_access_changed)(person.pk)
    assert await _refused(bell)


async def test_live_sockets_refuse_a_foreign_origin(headers):
    cookie, host = headers["owner"][:2]
    for path in ("/ws/ideas/1/", "/ws/pipeline/", "/ws/notifications/"):
        communicator = WebsocketCommunicator(
            application, path, [cookie, host, (b"origin", b"https://evil.example")]
        )
        # Accepted and closed at once (realtime.origins), so the page's script
        # stops retrying; no notice ever comes.
        connected, _ = await communicator.connect()
        assert connected, path
        assert await communicator.receive_output() == FORBIDDEN, path
        assert await communicator.receive_nothing(), path
        await communicator.disconnect()


async def test_making_a_public_idea_team_only_cuts_off_outsiders(
    people, team_idea, sockets
):
    idea = await sync(team_idea)(stage=Stage.PROPOSED, visibility=Visibility.PUBLIC)
    path = f"/ws/ideas/{idea.pk}/"
    outsider = await sockets("outsider", path)
    anonymous = await sockets("anonymous", path)
    viewer = await sockets("viewer", path)
    fields = {"visibility": Visibility.TEAM}
    await sync(services.update_idea)(idea, actor=people["owner"], fields=fields)
    assert await _refused(outsider)
    assert await _refused(anonymous)
    assert await viewer.receive_nothing(timeout=0.3)  # the team keeps watching


async def test_reopening_as_a_draft_cuts_off_staff_watching_a_team_only_idea(
    people, team_idea, sockets
):
    idea = await sync(team_idea)(stage=Stage.WITHDRAWN)
    path = f"/ws/ideas/{idea.pk}/"
    staff = await sockets("staff", path)
    owner = await sockets("owner", path)
    await sync(services.move_idea)(idea, Stage.DRAFT, actor=people["owner"])
    assert await staff.receive_json_from(timeout=2) == STAGE
    assert await _refused(staff)
    assert await owner.receive_json_from(timeout=2) == STAGE
    assert await owner.receive_nothing(timeout=0.3)
