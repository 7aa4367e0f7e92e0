"""The data version and the figures cache (reports/figures.py): every kind of write
moves the version, nothing else does, every table is watched or excused, and
a cached figure is worked out again as soon as the data changes."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone
from taggit.models import Tag

from hub.core.models import Notification
from reports.figures import UNWATCHED, VERSION_TABLE, cached, data_version

pytestmark = pytest.mark.django_db

WATCHED_APPS = {
    "hub",
    "ideas",
    "ventures",
    "programs",
    "challenges",
    "realtime",
    "taggit",
}


def _watched_tables() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT event_object_table FROM information_schema.triggers "
                "WHERE trigger_name = 'hub_data_changed'"
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE 'hub_data_changed_%'"
            )
        return {row[0] for row in cursor.fetchall()}


def test_every_table_is_watched_or_excused_with_a_reason():
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in WATCHED_APPS and model._meta.managed
    }
    watched = _watched_tables()
    assert tables - set(UNWATCHED) - watched == set(), "add the trigger in a migration"
    assert watched & set(UNWATCHED) == set()
    assert set(UNWATCHED) <= tables  # no stale excuses
    assert all(reason for reason in UNWATCHED.values())


def test_the_version_table_is_not_a_model_so_flush_and_the_export_leave_it():
    tables = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    assert VERSION_TABLE not in tables
    assert data_version() is not None


def test_every_kind_of_write_moves_the_version():
    seen = [data_version()]

    def moved() -> bool:
        seen.append(data_version())
        return seen[-1] > seen[-2]

    tag = Tag.objects.create(name="transit", slug="transit")
    assert moved()
    Tag.objects.bulk_create([Tag(name=f"t{i}", slug=f"t{i}") for i in range(3)])
    assert moved()
    Tag.objects.filter(pk=tag.pk).update(name="buses")
    assert moved()
    Tag.objects.filter(name__startswith="t").delete()
    assert moved()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM taggit_tag")
    assert moved()


def test_a_sign_in_or_a_notification_does_not_move_it(people):
    before = data_version()
    staff = people["staff"]
    staff.last_login = timezone.now()
    staff.save(update_fields=["last_login"])
    Notification.objects.create(recipient=staff, kind="comment", text="Hello")
    assert data_version() == before
    staff.display_name = "Renamed"
    staff.save(update_fields=["display_name"])
    assert data_version() > before


def test_a_rolled_back_write_does_not_move_it():
    before = data_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        Tag.objects.create(name="gone", slug="gone")
        raise RuntimeError
    assert data_version() == before


def test_a_cached_figure_is_worked_out_again_once_the_data_changes():
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return Tag.objects.count()

    assert cached("tags", ("a",), compute) == 0
    assert cached("tags", ("a",), compute) == 0
    assert len(calls) == 1
    assert cached("tags", ("b",), compute) == 0  # other parts, other entry
    assert len(calls) == 2
    Tag.objects.create(name="new", slug="new")
    assert cached("tags", ("a",), compute) == 1
    assert len(calls) == 3


def test_a_falsy_result_is_cached_too():
    calls: list[int] = []

    def compute() -> None:
        calls.append(1)

    cached("nothing", (), compute)
    cached("nothing", (), compute)
    assert len(calls) == 1


def test_the_cache_can_be_turned_off(settings):
    settings.FIGURES_CACHE_SECONDS = 0
    calls: list[int] = []
    for _ in range(2):
        cached("off", (), lambda: calls.append(1))
    assert len(calls) == 2


def test_the_language_is_part_of_the_key():
    from django.utils import translation

    with translation.override("en"):
        cached("lang", (), lambda: "en")
    with translation.override("fr"):
        assert cached("lang", (), lambda: "fr") == "fr"


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="commit-time versions need PostgreSQL: run with DATABASE_URL=postgres://...",
)
@pytest.mark.django_db(transaction=True)
def test_on_postgres_the_version_moves_once_at_commit_and_is_seen_then():
    """Another connection sees the old version until the writer commits, and a
    transaction of many statements moves it once."""
    from django.db import connections

    before = data_version()
    seen_inside: list[int | None] = []
    entered, committed = threading.Event(), threading.Event()

    def writer() -> None:
        try:
            with transaction.atomic():
                for i in range(5):
                    Tag.objects.create(name=f"w{i}", slug=f"w{i}")
                Tag.objects.filter(name="w0").update(name="first")
                entered.set()
                committed.wait(timeout=10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert entered.wait(timeout=10)
    seen_inside.append(data_version())
    committed.set()
    thread.join(timeout=10)
    after = data_version()
    assert seen_inside == [before]
    assert after > before
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE taggit_tag CASCADE")
    assert data_version() > after


def test_the_version_is_time_based_so_it_never_repeats_after_a_restore():
    now_us = int(
        (
            timezone.now() - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
        ).total_seconds()
        * 1_000_000
    )
    Tag.objects.create(name="x", slug="x")
    assert abs(data_version() - now_us) < 60 * 1_000_000
