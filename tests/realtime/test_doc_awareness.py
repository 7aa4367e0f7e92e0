"""Presence (awareness): the server decides who an entry belongs to and what
name and colour it shows."""

from __future__ import annotations

import pytest

from hub.core.colors import presence_color
from realtime import presence, yprotocol
from realtime.yprotocol import AwarenessEntry
from tests.support import ydoc as support
from tests.support.ydoc import YClient, user_field

fast_rooms, plan, logins = support.fast_rooms, support.plan, support.logins

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_rooms"),
]

CURSOR = {"cursor": {"anchor": 3, "head": 5}}


async def test_presence_gets_the_account_name_and_colour_and_is_echoed(
    plan, logins, people
):
    owner = await YClient.join(plan.pk, logins["owner"])
    editor = await YClient.join(plan.pk, logins["editor"])
    await owner.say(1001, 1, {**CURSOR, "user": {"name": "Mallory", "color": "red"}})
    expected = AwarenessEntry(1001, 1, {**CURSOR, "user": user_field(people["owner"])})
    assert await owner.recv() == (yprotocol.KIND_AWARENESS, [expected])
    assert await editor.recv() == (yprotocol.KIND_AWARENESS, [expected])
    await owner.close()
    assert await editor.recv() == (
        yprotocol.KIND_AWARENESS,
        [AwarenessEntry(1001, 2, None)],
    )
    await editor.close()


async def test_a_client_id_of_someone_else_cannot_be_claimed(plan, logins, people):
    owner = await YClient.join(plan.pk, logins["owner"])
    editor = await YClient.join(plan.pk, logins["editor"])
    await owner.say(1001, 1, CURSOR)
    await owner.recv()
    await editor.recv()

    # Neither a new state nor a removal for the owner's ID gets through.
    await editor.say(1001, 5, {"user": {"name": "Owen Owner"}})
    await editor.say(1001, 6, None)
    await editor.expect_nothing()
    await owner.expect_nothing()
    # Its own ID does, under its own name.
    await editor.say(2002, 1, {"user": {"name": "Owen Owner"}})
    expected = AwarenessEntry(2002, 1, {"user": user_field(people["editor"])})
    assert await owner.recv() == (yprotocol.KIND_AWARENESS, [expected])
    assert await editor.recv() == (yprotocol.KIND_AWARENESS, [expected])
    await editor.close()
    assert await owner.recv() == (
        yprotocol.KIND_AWARENESS,
        [AwarenessEntry(2002, 2, None)],
    )
    await owner.close()


async def test_a_joiner_gets_everyone_present_and_stale_clocks_are_ignored(
    plan, logins, people
):
    owner = await YClient.join(plan.pk, logins["owner"])
    await owner.say(1001, 3, CURSOR)
    await owner.recv()
    await owner.say(1001, 2, {"older": True})  # an older clock: ignored
    await owner.expect_nothing()

    viewer = await YClient.open(plan.pk, logins["viewer"])
    present = [AwarenessEntry(1001, 3, {**CURSOR, "user": user_field(people["owner"])})]
    await viewer.sync(presence=present)
    # Viewers may be present too.
    await viewer.say(3003, 1, {})
    expected = AwarenessEntry(3003, 1, {"user": user_field(people["viewer"])})
    assert await viewer.recv() == (yprotocol.KIND_AWARENESS, [expected])
    assert await owner.recv() == (yprotocol.KIND_AWARENESS, [expected])
    # queryAwareness answers with everyone.
    await viewer.send(yprotocol.query_awareness())
    assert await viewer.recv() == (yprotocol.KIND_AWARENESS, [*present, expected])
    await viewer.close()
    await owner.recv()
    await owner.close()


async def test_a_client_that_leaves_announces_it_and_is_not_removed_twice(plan, logins):
    owner = await YClient.join(plan.pk, logins["owner"])
    editor = await YClient.join(plan.pk, logins["editor"])
    await editor.say(2002, 1, CURSOR)
    await editor.recv()
    await owner.recv()
    await editor.say(2002, 2, None)
    removal = (yprotocol.KIND_AWARENESS, [AwarenessEntry(2002, 2, None)])
    assert await editor.recv() == removal
    assert await owner.recv() == removal
    await editor.close()
    await owner.expect_nothing()
    await owner.close()


async def test_one_connection_speaks_for_a_few_client_ids_only(plan, logins):
    owner = await YClient.join(plan.pk, logins["owner"])
    limit = presence.MAX_CLIENT_IDS_PER_CONNECTION
    await owner.send(
        yprotocol.awareness_message(
            [AwarenessEntry(5000 + i, 1, {}) for i in range(limit + 3)]
        )
    )
    kind, accepted = await owner.recv()
    assert kind == yprotocol.KIND_AWARENESS
    assert [e.client_id for e in accepted] == [5000 + i for i in range(limit)]
    await owner.close()


async def test_another_tab_of_the_same_person_may_take_over_its_client_id(
    plan, logins, people
):
    """A reconnecting tab keeps its Yjs client ID; its old socket may not be
    closed yet."""
    first = await YClient.join(plan.pk, logins["owner"])
    await first.say(1001, 1, CURSOR)
    await first.recv()
    before = AwarenessEntry(1001, 1, {**CURSOR, "user": user_field(people["owner"])})
    second = await YClient.open(plan.pk, logins["owner"])
    await second.sync(presence=[before])
    await second.say(1001, 2, CURSOR)
    expected = before._replace(clock=2)
    assert await second.recv() == (yprotocol.KIND_AWARENESS, [expected])
    assert await first.recv() == (yprotocol.KIND_AWARENESS, [expected])
    # The old socket closing does not remove the presence it lost.
    await first.close()
    await second.expect_nothing()
    await second.close()


async def test_non_ascii_text_is_read_and_written_by_utf8_length(plan, logins, people):
    owner = people["owner"]
    owner.display_name = "Zoë Ørsted 😀"
    await support.db(owner.save)(update_fields=["display_name"])
    me = await YClient.join(plan.pk, logins["owner"])
    # As the browser writes it: raw UTF-8 JSON, prefixed with its byte length.
    state = '{"note":"naïve ☃"}'.encode()
    payload = b"\x01" + b"\xe9\x07" + b"\x01" + bytes([len(state)]) + state
    await me.send(b"\x01" + bytes([len(payload)]) + payload)
    user = {"name": "Zoë Ørsted 😀", "color": presence_color(owner.pk)}
    expected = AwarenessEntry(1001, 1, {"note": "naïve ☃", "user": user})
    assert await me.recv() == (yprotocol.KIND_AWARENESS, [expected])
    await me.close()
