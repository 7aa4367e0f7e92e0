"""Several server processes share a document through the channel layer. Here
the test plays the other process: it listens on the doc group and sends what
another process would."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import get_channel_layer
from pycrdt import Doc, Text

from hub.core.broadcast import groups
from ideas import documents as store
from ideas.models import BusinessPlan
from realtime import rooms, yprotocol
from realtime.yprotocol import AwarenessEntry
from tests.support import ydoc as support
from tests.support.ydoc import YClient, db, user_field

fast_rooms, plan, logins = support.fast_rooms, support.plan, support.logins

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_rooms"),
]

OTHER = "another-process"
HERE = rooms.PROCESS_ID


class OtherProcess:
    """A channel in the doc group, as another process's consumer would be."""

    def __init__(self, plan_id: int) -> None:
        self.layer = get_channel_layer()
        self.group = groups.doc_group(plan_id)
        self.sent = 0

    async def __aenter__(self) -> OtherProcess:
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.layer.group_discard(self.group, self.channel)

    async def _next(self) -> dict[str, Any]:
        while True:  # (the group echoes what we send ourselves)
            message = await self.layer.receive(self.channel)
            if message.get("origin") != OTHER:
                return message

    async def receive(self, timeout: float = 2) -> dict[str, Any]:
        """The next message from the process under test, without its id."""
        message = await asyncio.wait_for(self._next(), timeout)
        assert isinstance(message.pop("id"), str)
        return message

    async def expect_nothing(self, timeout: float = 0.1) -> None:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(self._next(), timeout)

    async def send(self, message: dict[str, Any], *, id: str | None = None) -> None:
        self.sent += 1
        message = {"origin": OTHER, "id": id or f"{OTHER}:{self.sent}", **message}
        await self.layer.group_send(self.group, message)


async def edit_elsewhere(plan_id: int, text: str) -> bytes:
    """An update made on another process's copy of the document."""
    doc = Doc()
    doc.apply_update((await db(store.load_doc)(plan_id)).get_update())
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    doc.get(store.TEXT_NAME, type=Text).insert(0, text)
    return updates[0]


async def test_local_changes_go_to_the_other_processes(plan, logins, people):
    async with OtherProcess(plan.pk) as other:
        owner = await YClient.join(plan.pk, logins["owner"])
        # On loading, the room asks what it may have missed and who is there.
        state = await db(store.load_doc)(plan.pk)
        assert await other.receive() == {
            "type": "doc.sync_step1",
            "origin": HERE,
            "state_vector": state.get_state(),
            "text_length": len(plan.text.encode()),
        }
        assert await other.receive() == {"type": "doc.awareness_query", "origin": HERE}

        owner.text.insert(0, "Hello. ")
        [update] = await owner.push()
        await owner.expect_update(update)
        assert await other.receive() == {
            "type": "doc.update",
            "origin": HERE,
            "updates": [update],
        }
        await owner.say(1001, 1, {"user": {"name": "Fake"}})
        await owner.recv()
        state_json = yprotocol.dump_state({"user": user_field(people["owner"])})
        assert await other.receive() == {
            "type": "doc.awareness",
            "origin": HERE,
            "entries": [[1001, 1, state_json, people["owner"].pk]],
        }
        await owner.close()
        assert await other.receive() == {
            "type": "doc.awareness",
            "origin": HERE,
            "entries": [[1001, 2, None, None]],
        }
        await other.expect_nothing()


async def test_an_update_from_another_process_reaches_each_local_client_once(
    plan, logins
):
    owner = await YClient.join(plan.pk, logins["owner"])
    editor = await YClient.join(plan.pk, logins["editor"])
    update = await edit_elsewhere(plan.pk, "From afar. ")
    async with OtherProcess(plan.pk) as other:
        await other.send({"type": "doc.update", "updates": [update]}, id="x:1")
        assert await owner.expect_update() == update
        assert await editor.expect_update() == update
        # The same message again, or one of our own, is not handled again.
        await other.send({"type": "doc.update", "updates": [update]}, id="x:1")
        await other.send({"type": "doc.update", "updates": [update], "origin": HERE})
        await owner.expect_nothing()
        await editor.expect_nothing()
    assert str(owner.text).startswith("From afar. # Business plan")
    await owner.close()
    await editor.close()


async def test_updates_of_a_process_that_died_before_writing_are_kept(plan, logins):
    """The other process applied and relayed an update but never wrote it:
    the room that applied it appends what the log lacks when it unloads."""
    owner = await YClient.join(plan.pk, logins["owner"])
    update = await edit_elsewhere(plan.pk, "Not lost. ")
    async with OtherProcess(plan.pk) as other:
        await other.send({"type": "doc.update", "updates": [update]})
        await owner.expect_update(update)
    assert await db(store.load_text)(plan.pk) == plan.text
    await owner.close()
    assert await db(store.load_text)(plan.pk) == "Not lost. " + plan.text


async def test_a_state_vector_from_another_process_is_answered_once_with_the_diff(
    plan, logins
):
    owner = await YClient.join(plan.pk, logins["owner"])
    editor = await YClient.join(plan.pk, logins["editor"])
    room = rooms.get_room(plan.pk)
    async with OtherProcess(plan.pk) as other:
        owner.text.insert(0, "New here. ")
        [update] = await owner.push()
        await owner.expect_update(update)
        await editor.expect_update(update)
        assert await other.receive() == {
            "type": "doc.update",
            "origin": HERE,
            "updates": [update],
        }
        # An empty document: it lacks everything (two local sockets, one answer).
        await other.send(
            {"type": "doc.sync_step1", "state_vector": b"\x00", "text_length": 0}
        )
        answer = await other.receive()
        assert answer == {
            "type": "doc.update",
            "origin": HERE,
            "updates": answer["updates"],
        }
        healed = Doc()
        [diff] = answer["updates"]
        healed.apply_update(diff)
        assert str(healed.get(store.TEXT_NAME, type=Text)) == str(owner.text)
        await other.expect_nothing()
        # Up to date: no answer.
        await other.send(
            {
                "type": "doc.sync_step1",
                "state_vector": room.doc.get_state(),
                "text_length": room.text_length(),
            }
        )
        await other.expect_nothing()
        # Same clocks but a different text (a lost delete): answered.
        await other.send(
            {
                "type": "doc.sync_step1",
                "state_vector": room.doc.get_state(),
                "text_length": room.text_length() + 1,
            }
        )
        assert (await other.receive())["type"] == "doc.update"
    await owner.close()
    await editor.close()


async def test_presence_from_another_process_is_relayed_and_given_to_joiners(
    plan, logins, people
):
    owner = await YClient.join(plan.pk, logins["owner"])
    remote = {"cursor": None, "user": {"name": "Rita Remote", "color": "#0f766e"}}
    async with OtherProcess(plan.pk) as other:
        await other.send(
            {
                "type": "doc.awareness",
                "entries": [[9009, 4, yprotocol.dump_state(remote), 4242]],
            }
        )
        entry = AwarenessEntry(9009, 4, remote)
        assert await owner.recv() == (yprotocol.KIND_AWARENESS, [entry])
        # A local client may not claim it ...
        await owner.say(9009, 5, {})
        await owner.expect_nothing()
        # ... a joiner is told about it ...
        viewer = await YClient.open(plan.pk, logins["viewer"])
        await viewer.sync(presence=[entry])
        # ... and its process may answer a query for local presence.
        await viewer.say(3003, 1, {})
        await viewer.recv()
        await owner.recv()
        await other.send({"type": "doc.awareness_query"})
        state_json = yprotocol.dump_state({"user": user_field(people["viewer"])})
        assert await other.receive() == {
            "type": "doc.awareness",
            "origin": HERE,
            "entries": [[3003, 1, state_json, people["viewer"].pk]],
        }
        # Its removal is relayed too.
        await other.send({"type": "doc.awareness", "entries": [[9009, 5, None, None]]})
        removal = (yprotocol.KIND_AWARENESS, [AwarenessEntry(9009, 5, None)])
        assert await owner.recv() == removal
        assert await viewer.recv() == removal
        await viewer.close()
        await owner.recv()
    await owner.close()


async def test_the_room_sends_its_state_vector_on_a_timer(plan, logins, fast_rooms):
    fast_rooms.YJS_HEAL_INTERVAL_MS = 30
    async with OtherProcess(plan.pk) as other:
        owner = await YClient.join(plan.pk, logins["owner"])
        assert (await other.receive())["type"] == "doc.sync_step1"  # on loading
        assert (await other.receive())["type"] == "doc.awareness_query"
        heal = await other.receive(timeout=1)
        assert heal == {
            "type": "doc.sync_step1",
            "origin": HERE,
            "state_vector": rooms.get_room(plan.pk).doc.get_state(),
            "text_length": len(plan.text.encode()),
        }
        await owner.close()


async def test_an_update_from_another_process_also_refreshes_the_markdown_copy(
    plan, logins
):
    """The process whose client typed may have saved its copy before a later
    edit from here arrived there; the last write must have everything."""
    owner = await YClient.join(plan.pk, logins["owner"])
    update = await edit_elsewhere(plan.pk, "Typed over there. ")
    async with OtherProcess(plan.pk) as other:
        await other.send({"type": "doc.update", "updates": [update]})
        await owner.expect_update(update)
    expected = "Typed over there. " + plan.text
    for _ in range(300):
        if await db(lambda: BusinessPlan.objects.get(pk=plan.pk).text)() == expected:
            break
        await asyncio.sleep(0.01)
    assert await db(lambda: BusinessPlan.objects.get(pk=plan.pk).text)() == expected
    await owner.close()


async def test_a_process_subscribes_once_per_plan_however_many_sockets(plan, logins):
    clients = [await YClient.join(plan.pk, logins[p]) for p in ("owner", "editor")]
    clients.append(await YClient.join(plan.pk, logins["owner"]))
    layer = get_channel_layer()
    assert list(layer.groups[groups.doc_group(plan.pk)]) == [
        rooms.get_room(plan.pk).channel
    ]
    for client in clients:
        await client.close()
    assert not layer.groups.get(groups.doc_group(plan.pk))


async def test_each_update_of_a_batch_is_relayed_on_its_own(plan, logins):
    owner = await YClient.join(plan.pk, logins["owner"])
    elsewhere = Doc()
    elsewhere.apply_update((await db(store.load_doc)(plan.pk)).get_update())
    updates: list[bytes] = []
    elsewhere.observe(lambda event: updates.append(event.update))
    text = elsewhere.get(store.TEXT_NAME, type=Text)
    for word in ("one ", "two ", "three "):
        text.insert(0, word)
    async with OtherProcess(plan.pk) as other:
        # Out of order: the first waits for the second, then both come out.
        await other.send({"type": "doc.update", "updates": [updates[0], updates[2]]})
        assert await owner.expect_update() == updates[0]
        await other.send({"type": "doc.update", "updates": [updates[1]]})
        merged = await owner.expect_update()
    assert str(owner.text).startswith("three two one # Business plan")
    assert merged != updates[1]  # the waiting one came out with it
    await owner.close()


async def test_a_dropped_channel_message_is_healed_both_ways(plan, logins, fast_rooms):
    """Channel-layer delivery is at-most-once: lose one message in each
    direction on purpose, and the periodic state-vector exchange still makes
    both processes (and the browser) converge."""
    fast_rooms.YJS_HEAL_INTERVAL_MS = 50
    owner = await YClient.join(plan.pk, logins["owner"])
    room = rooms.get_room(plan.pk)
    async with OtherProcess(plan.pk) as other:
        elsewhere = Doc()
        elsewhere.apply_update(room.doc.get_update())
        elsewhere_text = elsewhere.get(store.TEXT_NAME, type=Text)

        # 1. Our update to the other process is lost: it never reads it.
        owner.text.insert(0, "Mine. ")
        [update] = await owner.push()
        await owner.expect_update(update)
        lost = await other.receive()
        assert lost["type"] == "doc.update"  # ...and we throw it away
        assert "Mine. " not in str(elsewhere_text)

        # 2. The other process's update to us is lost: it is never sent.
        captured: list[bytes] = []
        sub = elsewhere.observe(lambda event: captured.append(event.update))
        elsewhere_text.insert(len(str(elsewhere_text)), " Theirs.")
        elsewhere.unobserve(sub)
        assert captured  # made, not delivered

        # Healing: our room's timer sends its state vector; the other process
        # answers with what we lack. The other process sends its own state
        # vector; our room answers with what it lacks.
        deadline = asyncio.get_running_loop().time() + 5
        while asyncio.get_running_loop().time() < deadline:
            message = await other.receive(timeout=2)
            if message["type"] == "doc.sync_step1":
                diff = elsewhere.get_update(message["state_vector"])
                await other.send({"type": "doc.update", "updates": [diff]})
                await other.send(
                    {
                        "type": "doc.sync_step1",
                        "state_vector": elsewhere.get_state(),
                        "text_length": len(str(elsewhere_text).encode()),
                    }
                )
            elif message["type"] == "doc.update":
                for diff in message["updates"]:
                    elsewhere.apply_update(diff)
            if str(elsewhere_text) == str(room.text) and "Theirs." in str(room.text):
                break
        assert str(elsewhere_text) == str(room.text)
        assert str(room.text).startswith("Mine. ")
        assert str(room.text).endswith(" Theirs.")
        # The browser got the healed text too.
        while str(owner.text) != str(room.text):
            await owner.expect_update()
        assert str(owner.text) == str(elsewhere_text)
    await owner.close()
