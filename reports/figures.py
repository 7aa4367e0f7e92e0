"""A cache for the staff figures (dashboards, scorecards, the open-data return
report) that is never stale.

Working a dashboard out at city scale takes a good part of a second: it sums
tens of thousands of rows, however well indexed. The figures change only when
the data does, so each result is cached under the **data version**, a number
the database itself moves on whenever a transaction that wrote to a table the
figures read commits. Triggers do it (``hub/migrations/0005_data_version.py``),
so every write counts: the ORM, ``bulk_create``, ``QuerySet.update``, raw SQL,
an import. A cached figure is therefore exactly what working it out again
would give; the first request after a change works it out and the next ones
reuse it.

* **PostgreSQL**: a deferred constraint trigger on each table moves the
  version once per transaction, at commit, so the row lock on the version is
  held only while committing; writers of unrelated rows never wait on each
  other before that. ``TRUNCATE`` moves it too. (Within a test, which never
  commits, ``SET CONSTRAINTS hub_data_changed IMMEDIATE`` makes it move at
  each statement instead: ``tests/conftest.py``.)
* **SQLite**: a trigger per table and operation (writers are serialised by
  SQLite anyway).

The version is ``max(version + 1, now in microseconds)``: it only grows, also
across a restore from a backup, so a cache entry written for one state of the
data is never read for another. Readers see the committed version only, and
read it before the figures: figures cached under a version can be newer than
it (harmless, the next version replaces them) but never older.

A cached result is keyed by the page's name, the version, the active
language (charts carry translated labels), and whatever else the caller says
the result depends on (the filters, the person for person-dependent
visibility, the day for relative date ranges). ``FIGURES_CACHE_SECONDS``
bounds how long an entry lives (0 turns the cache off).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import translation

T = TypeVar("T")

#: The table holding the version (one row), made by the migration, not a model:
#: ``flush`` leaves it alone and the full export does not carry it.
VERSION_TABLE = "hub_data_version"

#: Tables whose writes do not move the version, and why. Every other table of
#: the project's apps and of django-taggit carries the trigger (checked by
#: ``tests/hub/test_figures.py``; a new table needs a migration that adds it).
#: On ``hub_user`` only the columns the figures show move it (the migration's
#: ``USER_COLUMNS``): a sign-in, which sets ``last_login``, does not.
UNWATCHED = {
    "hub_notification": "notifications are not counted by any figure",
    "hub_user_groups": "Django groups are not used by the figures",
    "hub_user_user_permissions": "Django permissions are not used by the figures",
    "ideas_businessplan": "plan text changes with every keystroke; no figure reads it",
    "ideas_planversion": "frozen plan versions; no figure reads them",
    "realtime_docupdate": "the co-editing log; no figure reads it",
    "realtime_docsnapshot": "the co-editing snapshots; no figure reads them",
}


def data_version() -> int | None:
    """The committed data version (one query); ``None`` when the table is
    missing, which turns caching off rather than risk a stale figure."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {VERSION_TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else None


def _key(name: str, version: int, parts: tuple[object, ...]) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    language = translation.get_language() or settings.LANGUAGE_CODE
    prefix = settings.FIGURES_CACHE_PREFIX
    return f"figures:{prefix}:{name}:{version}:{language}:{digest}"


def cached(name: str, parts: tuple[object, ...], compute: Callable[[], T]) -> T:
    """``compute()``'s result for this data version and ``parts``, worked out
    at most once per version. ``parts`` must hold everything else the result
    depends on, as values with a stable ``repr`` (ids, dates, strings)."""
    seconds = settings.FIGURES_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    version = data_version()
    if version is None:
        return compute()
    cache = caches[settings.FIGURES_CACHE]
    key = _key(name, version, parts)
    found = cache.get(key)
    if found is not None:
        return found[0]
    result = compute()
    cache.set(key, (result,), seconds)
    return result
