"""Durability of live documents: the update log, compaction, the Markdown copy,
and never rebuilding CRDT state from Markdown."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest
from django.db import OperationalError, connection
from pycrdt import Doc, Text

from ideas import documents as store
from ideas.models import BusinessPlan, DocSnapshot, DocUpdate
from ideas.plans import save_text
from realtime import rooms
from tests.support import ydoc as support
from tests.support.ydoc import YClient, db

fast_rooms, plan, logins = support.fast_rooms, support.plan, support.logins

pytestmark = pytest.mark.django_db(transaction=True)


async def eventually(check: Callable[[], object], timeout: float = 3) -> None:
    """Wait until the synchronous database ``check`` holds."""
    deadline = time.monotonic() + timeout
    while not await db(check)():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def markdown_copy(plan_id: int) -> str:
    return BusinessPlan.objects.get(pk=plan_id).text


async def edit(client: YClient, text: str) -> None:
    client.text.insert(len(client.text), text)
    for update in await client.push():
        await client.expect_update(update)


@pytest.mark.asyncio
async def test_edits_reach_the_log_and_the_markdown_copy_while_connected(
    plan, logins, fast_rooms
):
    owner = await YClient.join(plan.pk, logins["owner"])
    await edit(owner, "\nFirst.")
    await edit(owner, "\nSecond.")
    expected = str(owner.text)
    await eventually(lambda: store.load_text(plan.pk) == expected)
    await eventually(lambda: markdown_copy(plan.pk) == expected)
    await owner.close()


@pytest.mark.asyncio
async def test_leaving_writes_everything_at_once(plan, logins, fast_rooms):
    fast_rooms.YJS_FLUSH_DELAY_MS = 60_000
    fast_rooms.YJS_TEXT_SAVE_DELAY_MS = 60_000
    owner = await YClient.join(plan.pk, logins["owner"])
    editor = await YClient.join(plan.pk, logins["editor"])
    await edit(owner, "\nBy the owner.")
    await editor.expect_update()
    await owner.close()  # its updates are written as it leaves
    assert await db(store.load_text)(plan.pk) == str(owner.text)
    await edit(editor, "\nBy the editor.")
    await editor.close()  # the last one out: the room unloads
    assert rooms.get_room(plan.pk) is None
    assert await db(store.load_text)(plan.pk) == str(editor.text)
    assert await db(markdown_copy)(plan.pk) == str(editor.text)


@pytest.mark.asyncio
async def test_a_room_stays_loaded_for_the_unload_delay(plan, logins, fast_rooms):
    fast_rooms.YJS_ROOM_UNLOAD_DELAY_MS = 100
    owner = await YClient.join(plan.pk, logins["owner"])
    room = rooms.get_room(plan.pk)
    await edit(owner, "\nKept.")
    await owner.close()
    assert rooms.get_room(plan.pk) is room
    again = await YClient.join(plan.pk, logins["owner"])
    assert rooms.get_room(plan.pk) is room
    assert str(again.text) == str(owner.text)
    await again.close()
    deadline = time.monotonic() + 3
    while rooms.get_room(plan.pk) is not None:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    assert await db(markdown_copy)(plan.pk) == str(owner.text)


@pytest.mark.asyncio
async def test_a_failed_write_is_retried_not_dropped(
    plan, logins, fast_rooms, monkeypatch
):
    real = store.append
    calls = []

    def flaky(plan_id: int, updates: list[bytes]) -> int:
        calls.append(len(updates))
        if len(calls) == 1:
            raise OperationalError("the database went away")
        return real(plan_id, updates)

    monkeypatch.setattr(store, "append", flaky)
    owner = await YClient.join(plan.pk, logins["owner"])
    await edit(owner, "\nSurvives a failed write.")
    expected = str(owner.text)
    await eventually(lambda: store.load_text(plan.pk) == expected)
    assert len(calls) >= 2
    await owner.close()


@pytest.mark.asyncio
async def test_a_change_made_while_the_copy_is_saved_gets_saved_too(
    plan, logins, fast_rooms, monkeypatch
):
    saving = threading.Event()
    release = threading.Event()

    def slow_save_text(plan_id: int, text: str) -> None:
        saving.set()
        release.wait(timeout=5)
        save_text(plan_id, text)

    monkeypatch.setattr(rooms, "save_text", slow_save_text)
    owner = await YClient.join(plan.pk, logins["owner"])
    await edit(owner, "\nBefore the save.")
    await asyncio.get_running_loop().run_in_executor(None, saving.wait, 5)
    await edit(owner, "\nDuring the save.")
    release.set()
    expected = str(owner.text)
    await eventually(lambda: markdown_copy(plan.pk) == expected)
    await owner.close()


@pytest.mark.asyncio
async def test_compaction_on_the_live_path_is_lossless(plan, logins, fast_rooms):
    fast_rooms.YJS_COMPACT_AFTER_UPDATES = 3
    owner = await YClient.join(plan.pk, logins["owner"])
    for i in range(8):
        await edit(owner, f"\nLine {i}.")
        expected = str(owner.text)
        await eventually(lambda e=expected: store.load_text(plan.pk) == e)
    assert await db(DocUpdate.objects.filter(plan=plan).count)() < 3
    assert (await db(DocSnapshot.objects.get)(plan=plan)).upto_id > 0
    await owner.close()

    # The same browser document reconnects: nothing is duplicated, nothing
    # needs relaying, and a fresh one gets the same text.
    back = await YClient.open(plan.pk, logins["owner"], doc=owner.doc)
    await back.sync()
    await back.expect_nothing()
    fresh = await YClient.join(plan.pk, logins["editor"])
    assert str(back.text) == str(fresh.text) == expected
    assert expected.count("Line 3.") == 1
    await back.close()
    await fresh.close()


@pytest.mark.asyncio
async def test_a_changed_markdown_copy_is_never_merged_back(plan, logins, fast_rooms):
    owner = await YClient.join(plan.pk, logins["owner"])
    await edit(owner, "\nThe live text.")
    await owner.close()
    expected = str(owner.text)
    # Someone (an import, an admin) rewrites the Markdown copy.
    await db(save_text)(plan.pk, "Entirely different Markdown.")

    fresh = await YClient.join(plan.pk, logins["editor"])
    assert str(fresh.text) == expected
    back = await YClient.open(plan.pk, logins["owner"], doc=owner.doc)
    await back.sync()
    await back.expect_nothing()
    assert str(back.text) == expected
    await fresh.close()
    await back.close()
    assert await db(store.load_text)(plan.pk) == expected


def test_compaction_is_lossless_while_updates_are_appended(plan, monkeypatch):
    """store.compact in one thread, appends in another, on the test database:
    the appender commits while the compactor is between reading the log and
    deleting what it read (PostgreSQL; SQLite serializes writers, so there the
    appends land just after)."""
    writer = Doc()
    writer.apply_update(store.load_doc(plan.pk).get_update())
    text = writer.get(store.TEXT_NAME, type=Text)
    updates: list[bytes] = []
    writer.observe(lambda event: updates.append(event.update))
    for i in range(30):
        text.insert(len(text), f"\nline {i}")
    store.append_updates(plan.pk, updates[:20])
    late = updates[20:]

    reading = threading.Event()
    appended = threading.Event()

    class PausingDoc(Doc):
        def apply_update(self, update: bytes) -> None:
            if not reading.is_set():
                reading.set()
                appended.wait(timeout=0.5 if connection.vendor == "sqlite" else 5)
            super().apply_update(update)

    monkeypatch.setattr(store, "Doc", PausingDoc)
    errors: list[BaseException] = []

    def compactor() -> None:
        try:
            store.compact(plan.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def appender() -> None:
        try:
            reading.wait(timeout=5)
            deadline = time.monotonic() + 10
            for update in late:
                while True:
                    try:
                        store.append_updates(plan.pk, [update])
                        break
                    except OperationalError:  # SQLite: the compactor holds the lock
                        assert time.monotonic() < deadline
                        time.sleep(0.01)
            appended.set()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=compactor), threading.Thread(target=appender)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    monkeypatch.setattr(store, "Doc", Doc)

    if connection.vendor == "postgresql":
        # Appended meanwhile: neither folded nor deleted.
        assert DocUpdate.objects.filter(plan=plan).count() == len(late)
    assert store.load_text(plan.pk) == str(text)
    store.compact(plan.pk)
    assert DocUpdate.objects.filter(plan=plan).count() == 0
    loaded = store.load_text(plan.pk)
    assert loaded == str(text)
    assert loaded.count("\nline 7") == 1
