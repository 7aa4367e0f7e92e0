"""Bad and oversized frames close only the socket that sent them."""

from __future__ import annotations

import random

import pytest

from ideas import documents as store
from realtime import yprotocol
from tests.support import ydoc as support
from tests.support.ydoc import YClient, db

fast_rooms, plan, logins = support.fast_rooms, support.plan, support.logins

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_rooms"),
]

BAD_FRAMES = {
    "random bytes": random.Random(7).randbytes(64),
    "empty frame": b"",
    "truncated varint": b"\x00\x02\xff",
    "length past the end": b"\x00\x02\x09abc",
    "unknown message type": b"\x07\x00",
    "unknown sync type": b"\x00\x05\x00",
    "trailing bytes": b"\x00\x02\x02\x00\x00\x00",
    "an update pycrdt cannot decode": yprotocol.sync_update(b"\x05\xff\xff\xff"),
    "a truncated state vector": yprotocol.sync_step1(b"\x02\x01\x01"),
    "a state vector with trailing bytes": yprotocol.sync_step1(b"\x00\x00"),
    "awareness that is not JSON": b"\x01\x05\x01\x01\x01\x01{",
}


async def still_works(other: YClient) -> None:
    other.text.insert(0, "Still fine. ")
    [update] = await other.push()
    await other.expect_update(update)


@pytest.mark.parametrize("frame", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
async def test_a_malformed_frame_closes_only_its_socket_with_4400(frame, plan, logins):
    owner = await YClient.join(plan.pk, logins["owner"])
    editor = await YClient.join(plan.pk, logins["editor"])
    await editor.say(77, 1, {})
    await editor.recv()
    await owner.recv()

    await editor.send(frame)
    await editor.expect_closed(4400)
    # Its presence is gone, and the other session carries on.
    assert await owner.recv() == (
        yprotocol.KIND_AWARENESS,
        [yprotocol.AwarenessEntry(77, 2, None)],
    )
    await still_works(owner)
    await editor.expect_nothing()
    await editor.close()
    await owner.close()


async def test_a_text_frame_closes_with_4400(plan, logins):
    owner = await YClient.join(plan.pk, logins["owner"])
    editor = await YClient.join(plan.pk, logins["editor"])
    await editor.comm.send_to(text_data='{"hello": "world"}')
    await editor.expect_closed(4400)
    await still_works(owner)
    await editor.close()
    await owner.close()


async def test_an_oversized_frame_closes_with_4413(plan, logins, fast_rooms):
    fast_rooms.YJS_MAX_MESSAGE_BYTES = 4096
    owner = await YClient.join(plan.pk, logins["owner"])
    editor = await YClient.join(plan.pk, logins["editor"])
    editor.text.insert(0, "x" * 5000)
    [update] = editor.outbox
    await editor.send(yprotocol.sync_update(update))
    await editor.expect_closed(4413)
    await owner.expect_nothing()
    await still_works(owner)
    await editor.close()
    await owner.close()
    assert "x" * 100 not in await db(store.load_text)(plan.pk)


async def test_an_update_past_the_document_limit_is_refused_with_4413(
    plan, logins, fast_rooms
):
    fast_rooms.YJS_MAX_DOC_CHARS = len(plan.text.encode()) + 2000
    owner = await YClient.join(plan.pk, logins["owner"])
    editor = await YClient.join(plan.pk, logins["editor"])
    editor.text.insert(0, "y" * 1000)  # fits
    [fits] = await editor.push()
    await editor.expect_update(fits)
    await owner.expect_update(fits)
    editor.text.insert(0, "z" * 1500)  # would not
    await editor.push()
    await editor.expect_closed(4413)
    await owner.expect_nothing()
    await editor.close()
    await owner.close()
    assert await db(store.load_text)(plan.pk) == str(owner.text)
    assert "z" not in str(owner.text)
