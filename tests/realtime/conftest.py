"""Realtime tests run consumers, whose database work goes through
``database_sync_to_async`` into asgiref's one shared sync thread. A connection
opened there by one transactional test outlives it (an in-memory SQLite
connection cannot be closed), and pytest-django then refuses the next non-db
test's ``close_old_connections`` in that thread. So each test gets a fresh
sync thread; the old one ends, and its connections with it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import SyncToAsync
from django.db import connections


@pytest.fixture(autouse=True)
def _fresh_sync_thread() -> Iterator[None]:
    yield
    old = SyncToAsync.single_thread_executor
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
    old.submit(connections.close_all).result()
    old.shutdown(wait=True)
