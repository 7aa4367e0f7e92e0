"""No edit that anyone has seen is lost: each way the issue found of losing
one, reproduced deterministically in one process (the test plays the other
process on the channel layer), and the store's handling of updates whose
dependencies are missing. The same with real processes, ``kill -9`` and
SIGTERM: ``test_two_daphnes.py``; randomized: ``bench/realtime_chaos.py``."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
from pycrdt import Doc, Text

from ideas import documents as store
from ideas.models import DocUpdate
from realtime import rooms, yprotocol
from tests.realtime.test_doc_persistence import eventually
from tests.realtime.test_doc_processes import OtherProcess, edit_elsewhere
from tests.support import ydoc as support
from tests.support.ydoc import YClient, db

fast_rooms, plan, logins = support.fast_rooms, support.plan, support.logins

pytestmark = pytest.mark.django_db(transaction=True)


def edits(plan_id: int, *texts: str) -> tuple[Doc, list[bytes]]:
    """A copy of the plan's stored document, then one update per text
    appended to it."""
    doc = Doc()
    text = doc.get(store.TEXT_NAME, type=Text)
    doc.apply_update(store.load_doc(plan_id).get_update())
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    for piece in texts:
        text.insert(len(text), piece)
    return doc, updates


def stored(plan_id: int) -> tuple[str, bytes | None]:
    """The plan's text as a fresh load of the database gives it, and what of
    the log could not integrate (None: nothing)."""
    updates, _last = store.load_updates(plan_id)
    doc = Doc()
    for update in updates:
        doc.apply_update(update)
    return store.doc_text(doc), store.orphans(updates, doc)


# --- The two mechanisms of the issue ------------------------------------------------


@pytest.mark.asyncio
async def test_an_update_relayed_by_a_process_that_dies_is_written_here(
    plan, logins, fast_rooms
):
    """Mechanism (a): the other process applied an edit, relayed it and died
    before writing it. This process writes it within its flush delay, while
    the room stays open, not only when it unloads (a SIGTERM or kill of this
    process would otherwise lose it)."""
    owner = await YClient.join(plan.pk, logins["owner"])
    update = await edit_elsewhere(plan.pk, "Seen here. ")
    async with OtherProcess(plan.pk) as other:
        await other.send({"type": "doc.update", "updates": [update]})
        await owner.expect_update(update)
    await eventually(lambda: stored(plan.pk) == ("Seen here. " + plan.text, None))
    assert rooms.get_room(plan.pk) is not None  # still open
    await owner.close()


@pytest.mark.asyncio
async def test_an_edit_typed_after_an_unwritten_relayed_one_loads(
    plan, logins, fast_rooms
):
    """Mechanism (b): a client here types right after an edit relayed by a
    process that died before writing it. What this process writes must load
    without the dead process: both edits, nothing left pending."""
    owner = await YClient.join(plan.pk, logins["owner"])
    relayed = await edit_elsewhere(plan.pk, "First. ")
    async with OtherProcess(plan.pk) as other:
        await other.send({"type": "doc.update", "updates": [relayed]})
        await owner.expect_update(relayed)
    owner.text.insert(len("First. "), "Second. ")
    [typed] = await owner.push()
    await owner.expect_update(typed)
    expected = "First. Second. " + plan.text
    await eventually(lambda: stored(plan.pk) == (expected, None))
    await owner.close()


@pytest.mark.asyncio
async def test_every_room_is_written_on_shutdown(plan, logins, fast_rooms):
    """What flush_all() writes before Daphne exits (SIGTERM): here with a
    flush delay long enough that nothing else would have written it."""
    fast_rooms.YJS_FLUSH_DELAY_MS = 60_000
    fast_rooms.YJS_TEXT_SAVE_DELAY_MS = 60_000
    owner = await YClient.join(plan.pk, logins["owner"])
    owner.text.insert(0, "Before the deploy. ")
    for update in await owner.push():
        await owner.expect_update(update)
    assert await db(stored)(plan.pk) == (plan.text, None)
    await rooms.flush_all()
    assert await db(stored)(plan.pk) == ("Before the deploy. " + plan.text, None)
    assert await db(lambda: type(plan).objects.get(pk=plan.pk).text)() == (
        "Before the deploy. " + plan.text
    )
    await owner.close()


@pytest.mark.asyncio
async def test_the_author_closing_right_after_typing_loses_nothing(
    plan, logins, fast_rooms
):
    fast_rooms.YJS_FLUSH_DELAY_MS = 60_000
    owner = await YClient.join(plan.pk, logins["owner"])
    owner.text.insert(0, "Typed, then closed. ")
    await owner.push()
    await owner.close()
    assert await db(stored)(plan.pk) == ("Typed, then closed. " + plan.text, None)


def test_the_shutdown_hook_is_installed_once_under_a_running_reactor(monkeypatch):
    """Daphne stops its Twisted reactor on SIGTERM; the rooms register one
    "before shutdown" trigger that runs flush_all() and makes the reactor wait
    for it."""
    triggers: list[tuple[str, str, Any]] = []
    reactor = types.SimpleNamespace(
        running=True,
        addSystemEventTrigger=lambda *args: triggers.append(args),
    )
    monkeypatch.setitem(sys.modules, "twisted.internet.reactor", reactor)
    monkeypatch.setattr(rooms, "_shutdown_hook", False)
    rooms.install_shutdown_hook()
    rooms.install_shutdown_hook()
    assert [(phase, event) for phase, event, _f in triggers] == [("before", "shutdown")]
    reactor.running = False
    monkeypatch.setattr(rooms, "_shutdown_hook", False)
    rooms.install_shutdown_hook()  # (a reactor that is not running: not Daphne)
    assert len(triggers) == 1


# --- Updates whose dependencies are missing -------------------------------------------


def test_compaction_keeps_structs_that_wait_for_a_missing_update(plan):
    """A log holding an edit whose dependency is missing: compaction folds it
    into the snapshot instead of dropping it (a document's own encoding
    leaves pending structs out), and it integrates once the dependency comes."""
    _doc, (first, second, third) = edits(plan.pk, "\nOne.", "\nTwo.", "\nThree.")
    store.append_updates(plan.pk, [first, third])  # "second" is missing
    assert stored(plan.pk)[0] == plan.text + "\nOne."
    assert stored(plan.pk)[1] is not None
    assert store.compact(plan.pk) == 2
    assert DocUpdate.objects.filter(plan_id=plan.pk).count() == 0
    assert stored(plan.pk)[1] is not None  # still waiting, not dropped
    store.append_updates(plan.pk, [second])
    assert stored(plan.pk) == (plan.text + "\nOne.\nTwo.\nThree.", None)


def test_orphans_is_none_when_everything_integrates(plan):
    _doc, updates = edits(plan.pk, "a", "b")
    store.append_updates(plan.pk, updates)
    assert stored(plan.pk) == (plan.text + "ab", None)


@pytest.mark.asyncio
async def test_a_log_with_a_missing_dependency_is_repaired_by_a_client_that_has_it(
    plan, logins, fast_rooms
):
    """The store holds an edit whose dependency is missing (as the old server
    could leave it). The room that loads it asks every client for what it
    lacks; a client that has the missing edit sends it, and the log then
    loads whole."""
    doc, (first, second) = await db(edits)(plan.pk, "\nLost.", "\nAfter.")
    await db(store.append_updates)(plan.pk, [second])
    assert (await db(stored)(plan.pk))[1] is not None
    # A tab that was open all along: it has both edits.
    tab = Doc()
    tab.apply_update(doc.get_update())
    owner = await YClient.join(plan.pk, logins["owner"], doc=tab)
    assert str(owner.text) == plan.text + "\nLost.\nAfter."
    await eventually(lambda: stored(plan.pk) == (plan.text + "\nLost.\nAfter.", None))
    await owner.close()


@pytest.mark.asyncio
async def test_an_update_that_arrives_before_its_dependency_is_written_and_waits(
    plan, logins, fast_rooms
):
    """Another process's update arrives before the one it builds on (that one
    was lost on the way): it is written as received, and integrates with the
    missing one when healing brings it."""
    owner = await YClient.join(plan.pk, logins["owner"])
    _doc, (first, second) = await db(edits)(plan.pk, "\nOne.", "\nTwo.")
    async with OtherProcess(plan.pk) as other:
        await other.send({"type": "doc.update", "updates": [second]})
        await owner.expect_nothing()  # nothing integrated, nothing relayed
        await eventually(lambda: stored(plan.pk)[1] is not None)
        room = rooms.get_room(plan.pk)
        assert room is not None and room.waiting
        await other.send({"type": "doc.update", "updates": [first]})
        kind, update = await owner.recv()
        assert kind == yprotocol.KIND_UPDATE
        owner.apply(update)
    assert str(owner.text) == plan.text + "\nOne.\nTwo."
    await eventually(lambda: stored(plan.pk) == (plan.text + "\nOne.\nTwo.", None))
    await owner.close()
