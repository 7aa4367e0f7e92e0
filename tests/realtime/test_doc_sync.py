"""Live co-editing over y-websocket: the handshake, fan-out, who may open and
who may write."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import get_channel_layer
from pycrdt import Doc, Text, merge_updates

from hub.core.broadcast import groups
from ideas import documents as store
from ideas.models import TeamMembership, TeamRole, lean_canvas_template
from ideas.plans import get_or_create_plan
from ideas.services import move_idea, remove_team_member
from ideas.stages import Stage
from realtime import rooms, yprotocol
from tests.support import ydoc as support
from tests.support.ydoc import YClient, db

fast_rooms, plan, logins = support.fast_rooms, support.plan, support.logins

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_rooms"),
]


async def read_only_everywhere(plan_id: int) -> None:
    """Wait until every socket on the plan has handled its access notice."""
    room = rooms.get_room(plan_id)
    for _ in range(300):
        if all(not c.access.can_edit for c in room.connections):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("still allowed to edit")


def text_of(update: bytes) -> str:
    doc = Doc()
    doc.apply_update(update)
    return str(doc.get(store.TEXT_NAME, type=Text))


async def test_a_fresh_client_gets_the_template_text(plan, logins):
    owner = await YClient.open(plan.pk, logins["owner"])
    kind, server_state = await owner.recv()
    assert (kind, server_state) == (
        yprotocol.KIND_STEP1,
        (await db(store.load_doc)(plan.pk)).get_state(),
    )
    await owner.send(yprotocol.sync_step1(owner.doc.get_state()))
    kind, update = await owner.recv()
    assert kind == yprotocol.KIND_STEP2
    assert text_of(update) == lean_canvas_template(plan.idea.title) == plan.text
    # Our empty Step2 changes nothing, so nothing is relayed.
    await owner.send(yprotocol.sync_step2(owner.doc.get_update(server_state)))
    await owner.expect_nothing()
    await owner.close()


async def test_two_clients_converge_and_the_sender_gets_its_echo(plan, logins):
    owner = await YClient.join(plan.pk, logins["owner"])
    editor = await YClient.join(plan.pk, logins["editor"])
    owner.text.insert(0, "Owner was here. ")
    editor.text.insert(len(editor.text), "\nEditor too.")
    [from_owner] = await owner.push()
    [from_editor] = await editor.push()

    # Everyone, the sender included, gets both updates. They arrived in one
    # turn of the event loop, so they travel together: one frame each.
    together = merge_updates(from_owner, from_editor)
    assert await owner.expect_update() == together
    assert await editor.expect_update() == together
    assert str(owner.text) == str(editor.text)
    assert str(owner.text).startswith("Owner was here. # Business plan")
    assert str(owner.text).endswith("\nEditor too.")
    await owner.expect_nothing()
    await editor.expect_nothing()
    await owner.close()
    await editor.close()
    assert await db(store.load_text)(plan.pk) == str(owner.text)


async def test_updates_apart_in_time_travel_apart(plan, logins):
    owner = await YClient.join(plan.pk, logins["owner"])
    editor = await YClient.join(plan.pk, logins["editor"])
    owner.text.insert(0, "One. ")
    [first] = await owner.push()
    assert await editor.expect_update() == first
    editor.text.insert(0, "Two. ")
    [second] = await editor.push()
    assert await owner.expect_update() == first
    assert await owner.expect_update() == second
    assert await editor.expect_update() == second
    await owner.close()
    await editor.close()


async def test_a_client_with_offline_edits_pushes_them_in_its_step2(plan, logins):
    owner = await YClient.join(plan.pk, logins["owner"])
    offline = Doc()
    offline.apply_update(owner.doc.get_update())
    await owner.close()
    offline.get(store.TEXT_NAME, type=Text).insert(0, "Written offline. ")

    editor = await YClient.join(plan.pk, logins["editor"])
    back = await YClient.open(plan.pk, logins["owner"], doc=offline)
    await back.sync()
    # The Step2 answering the server's Step1 carried the edit; it is relayed.
    pushed = await back.expect_update()
    assert await editor.expect_update() == pushed
    assert str(editor.text) == str(back.text)
    assert str(editor.text).startswith("Written offline. # Business plan")
    await back.close()
    await editor.close()
    assert (await db(store.load_text)(plan.pk)).startswith("Written offline. #")


async def test_a_viewer_is_answered_but_cannot_write(plan, logins):
    owner = await YClient.join(plan.pk, logins["owner"])
    viewer = await YClient.join(plan.pk, logins["viewer"])
    assert str(viewer.text) == plan.text
    before = await db(store.load_updates)(plan.pk)

    viewer.text.insert(0, "Vandalism. ")
    [update] = viewer.outbox
    await viewer.push()
    await viewer.send(yprotocol.sync_step2(update))
    await viewer.expect_nothing()
    await owner.expect_nothing()
    # It still may ask for the state: the answer does not contain its edit.
    await viewer.send(yprotocol.sync_step1(Doc().get_state()))
    kind, state = await viewer.recv()
    assert (kind, text_of(state)) == (yprotocol.KIND_STEP2, plan.text)
    await viewer.close()
    await owner.close()
    assert await db(store.load_updates)(plan.pk) == before


async def test_staff_read_a_submitted_plan_but_do_not_write(team_idea, logins):
    idea = await db(team_idea)(stage=Stage.PROPOSED)
    plan = await db(get_or_create_plan)(idea)
    staff = await YClient.join(plan.pk, logins["staff"])
    assert str(staff.text) == plan.text
    staff.text.insert(0, "Staff note. ")
    await staff.push()
    await staff.expect_nothing()
    await staff.close()
    assert await db(store.load_text)(plan.pk) == plan.text


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "reviewer"])
async def test_people_who_may_not_open_the_plan_are_accepted_then_closed(
    persona, plan, logins
):
    someone = await YClient.open(plan.pk, logins[persona])
    await someone.expect_closed(4403)
    await someone.close()


@pytest.mark.parametrize("plan_id", [0, 999_999, 2**63, 10**30])
async def test_an_unknown_plan_is_closed_with_4403(plan_id, plan, logins):
    owner = await YClient.open(plan_id, logins["owner"])
    await owner.expect_closed(4403)
    await owner.close()


async def test_a_removed_team_member_is_closed_while_the_others_go_on(
    plan, people, logins
):
    owner = await YClient.join(plan.pk, logins["owner"])
    editor = await YClient.join(plan.pk, logins["editor"])
    membership = await db(TeamMembership.objects.get)(
        idea=plan.idea, user=people["editor"]
    )
    await db(remove_team_member)(membership, actor=people["owner"])

    await editor.expect_closed(4403)
    owner.text.insert(0, "Still here. ")
    [update] = await owner.push()
    await owner.expect_update(update)
    await editor.close()
    await owner.close()


async def test_losing_edit_rights_makes_the_socket_read_only(plan, people, logins):
    editor = await YClient.join(plan.pk, logins["editor"])
    await db(
        TeamMembership.objects.filter(idea=plan.idea, user=people["editor"]).update
    )(role=TeamRole.VIEWER)
    await get_channel_layer().group_send(
        groups.user_group(people["editor"].pk),
        {"type": "access.changed", "user_id": people["editor"].pk},
    )
    await read_only_everywhere(plan.pk)
    editor.text.insert(0, "Too late. ")
    await editor.push()
    await editor.expect_nothing()
    # Still connected and answered.
    await editor.send(yprotocol.sync_step1(editor.doc.get_state()))
    assert (await editor.recv())[0] == yprotocol.KIND_STEP2
    await editor.close()
    assert await db(store.load_text)(plan.pk) == plan.text


async def test_access_changes_of_someone_else_and_other_notices_are_ignored(
    plan, people, logins
):
    owner = await YClient.join(plan.pk, logins["owner"])
    layer = get_channel_layer()
    await layer.group_send(
        groups.doc_group(plan.pk),
        {"type": "access.changed", "user_id": people["viewer"].pk},
    )
    await layer.group_send(
        groups.user_group(people["owner"].pk), {"type": "notify.changed"}
    )
    await owner.expect_nothing()
    owner.text.insert(0, "Fine. ")
    [update] = await owner.push()
    await owner.expect_update(update)
    await owner.close()


async def test_withdrawing_the_idea_makes_every_socket_read_only(plan, people, logins):
    """A stage change notifies the plan's group without a user id: every
    socket re-checks, and editors become readers (withdrawn plans are frozen)."""
    owner = await YClient.join(plan.pk, logins["owner"])
    editor = await YClient.join(plan.pk, logins["editor"])
    await db(move_idea)(plan.idea, Stage.WITHDRAWN, actor=people["owner"])
    await read_only_everywhere(plan.pk)
    for client in (owner, editor):
        client.text.insert(0, "Too late. ")
        await client.push()
    await owner.expect_nothing()
    await editor.expect_nothing()
    await owner.close()
    await editor.close()
    assert await db(store.load_text)(plan.pk) == plan.text


async def test_a_stage_change_that_hides_the_plan_closes_with_4403(
    team_idea, people, logins
):
    idea = await db(team_idea)(stage=Stage.WITHDRAWN)
    plan = await db(get_or_create_plan)(idea)
    staff = await YClient.join(plan.pk, logins["staff"])
    owner = await YClient.join(plan.pk, logins["owner"])
    await db(move_idea)(idea, Stage.DRAFT, actor=people["owner"])  # reopened
    await staff.expect_closed(4403)
    await owner.expect_nothing()
    await staff.close()
    await owner.close()
