"""Business-plan documents: durable storage of their live Yjs state (synchronous; call from async code through
``database_sync_to_async``).

A document is its :class:`DocSnapshot` plus every :class:`DocUpdate` row still
in the log. Updates are only ever appended; :func:`compact` folds the rows it
read into a new snapshot and deletes exactly those rows, in one transaction.
A row committed meanwhile (even one with a smaller id, as sequences allow) is
neither folded nor deleted, and the next load applies it: Yjs updates are
idempotent, so applying one twice is harmless, and none is ever skipped.

An update whose dependencies are missing (Yjs keeps such structs *pending*)
is never dropped either: :func:`orphans` finds what a document could not
integrate, and :func:`compact` carries it into the snapshot, so it integrates
as soon as the missing update arrives (see ``realtime.rooms``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from pycrdt import Doc, Text, get_update, merge_updates

from ideas.models import DocSnapshot, DocUpdate

#: The name of the shared text in every plan's Yjs document (the browser binds
#: ``ydoc.getText("markdown")``).
TEXT_NAME = "markdown"
#: Fold the log into a snapshot once it has this many rows.
COMPACT_AFTER_UPDATES = 500


def doc_text(doc: Doc) -> str:
    return str(doc.get(TEXT_NAME, type=Text))


def state_from_text(text: str) -> bytes:
    """A fresh Yjs document holding ``text``, as one update."""
    doc: Doc[Any] = Doc()
    doc.get(TEXT_NAME, type=Text).insert(0, text)
    return doc.get_update()


def create_initial_snapshot(plan_id: int, text: str) -> None:
    """Seed a new plan's CRDT state. Only ever called when the plan is created:
    rebuilding state from Markdown later would duplicate text on reconnect."""
    DocSnapshot.objects.create(plan_id=plan_id, state=state_from_text(text), upto_id=0)


def load_updates(plan_id: int) -> tuple[list[bytes], int]:
    """The snapshot and the whole log, in order, and the last update id seen."""
    snapshot = DocSnapshot.objects.filter(plan_id=plan_id).first()
    rows = list(
        DocUpdate.objects.filter(plan_id=plan_id)
        .order_by("id")
        .values_list("id", "data")
    )
    updates = ([bytes(snapshot.state)] if snapshot else []) + [
        bytes(d) for _i, d in rows
    ]
    return updates, (rows[-1][0] if rows else (snapshot.upto_id if snapshot else 0))


def has_structs(update: bytes) -> bool:
    """Whether a v1 update holds any struct (not just a delete set): it starts
    with the number of clients whose structs follow."""
    return bool(update) and update[0] != 0


def orphans(updates: list[bytes], doc: Doc) -> bytes | None:
    """What of ``updates`` (all applied to ``doc``) ``doc`` could not
    integrate because an update it depends on is missing, as one update; None
    when everything integrated."""
    if not updates:
        return None
    merged = updates[0] if len(updates) == 1 else merge_updates(*updates)
    left = get_update(merged, doc.get_state())
    return left if has_structs(left) else None


def load_doc(plan_id: int) -> Doc:
    doc: Doc[Any] = Doc()
    for update in load_updates(plan_id)[0]:
        doc.apply_update(update)
    return doc


def load_text(plan_id: int) -> str:
    return doc_text(load_doc(plan_id))


def append(plan_id: int, updates: Iterable[bytes]) -> int:
    """Append updates to the log (one query); returns how many rows it added."""
    rows = [DocUpdate(plan_id=plan_id, data=u) for u in updates if u]
    if rows:
        DocUpdate.objects.bulk_create(rows)
    return len(rows)


def append_updates(plan_id: int, updates: Iterable[bytes]) -> int:
    """Append updates to the log; returns how many rows the log holds now."""
    append(plan_id, updates)
    return DocUpdate.objects.filter(plan_id=plan_id).count()


def compact(plan_id: int) -> int:
    """Fold the log into the snapshot; returns how many rows were folded.

    Only the rows read here are deleted: rows appended while this runs stay in
    the log for the next load or compaction.
    """
    with transaction.atomic():
        snapshot = (
            DocSnapshot.objects.select_for_update().filter(plan_id=plan_id).first()
        )
        rows = list(
            DocUpdate.objects.filter(plan_id=plan_id)
            .order_by("id")
            .values_list("id", "data")
        )
        if not rows:
            return 0
        updates = ([bytes(snapshot.state)] if snapshot else []) + [
            bytes(data) for _id, data in rows
        ]
        doc: Doc[Any] = Doc()
        for update in updates:
            doc.apply_update(update)
        last = rows[-1][0]
        if snapshot is None:
            snapshot = DocSnapshot(plan_id=plan_id)
        # A document's own encoding leaves out pending structs: keep them.
        state = doc.get_update()
        waiting = orphans(updates, doc)
        snapshot.state = state if waiting is None else merge_updates(state, waiting)
        snapshot.upto_id = max(last, snapshot.upto_id or 0)
        snapshot.updated_at = timezone.now()
        snapshot.save()
        DocUpdate.objects.filter(id__in=[row_id for row_id, _data in rows]).delete()
        return len(rows)
