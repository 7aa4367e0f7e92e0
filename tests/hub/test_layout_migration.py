"""Upgrading a database made before the app layout of issue 11 keeps every row.

The test builds a database with the code as it was before the restructuring
(``PRE_LAYOUT``, taken from git history), fills it with the demo data, reads
every table, then runs today's ``migrate`` on the same database and reads every
table again. Models moved between apps (catalog, reports, the plan documents)
keep their tables, so each table must hold the same rows, value for value.

It runs on the suite's own database engine: a scratch SQLite file in the
SQLite pass, a scratch PostgreSQL database beside the test database in the
PostgreSQL pass.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The last commit with the old layout (every app's migrations as they shipped).
PRE_LAYOUT = "88a9d29"
#: Tables whose content a migrate may legitimately change.
MIGRATION_BOOKKEEPING = {"django_migrations"}
#: Columns that migrations after the layout add, with the value every old row
#: must get; the rest of the table is compared as before.
ADDED_COLUMNS: dict[str, dict[str, Any]] = {
    "programs_invitation": {"revoked_because": ""},  # programs 0004
}
#: Models that changed app: their content type rows keep their ids (so
#: permissions, group grants, audit targets and tags keep pointing at them) and
#: only change app label.
MOVED_MODELS = {
    ("ventures", "catalogsource"): "catalog",
    ("ventures", "dataset"): "catalog",
    ("ventures", "distribution"): "catalog",
    ("realtime", "docupdate"): "ideas",
    ("realtime", "docsnapshot"): "ideas",
}


def _moved(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """django_content_type rows (id, app_label, model) as the new layout has them."""
    return sorted(
        (pk, MOVED_MODELS.get((app, model), app), model) for pk, app, model in rows
    )


def _have_history() -> bool:
    probe = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{PRE_LAYOUT}^{{commit}}"],
        capture_output=True,
    )
    return probe.returncode == 0


pytestmark = [
    pytest.mark.skipif(
        not (ROOT / ".git").exists(), reason="not a git checkout: no old layout"
    ),
]


def _old_tree(dest: Path) -> Path:
    """Write the pre-layout source tree into ``dest`` (``git archive``)."""
    archive = dest / "old.tar"
    subprocess.run(
        ["git", "-C", str(ROOT), "archive", "-o", str(archive), PRE_LAYOUT],
        check=True,
    )
    tree = dest / "old"
    tree.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


class Database:
    """A scratch database on the suite's engine, reachable through env vars."""

    def __init__(self, tmp: Path) -> None:
        self.url = os.environ.get("DATABASE_URL", "")
        self.tmp = tmp
        if self.url:
            import psycopg

            base = self.url.rsplit("/", 1)[0]
            self.name = f"layout_{uuid.uuid4().hex[:10]}"
            self.admin_url = self.url
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self.env = {"DATABASE_URL": f"{base}/{self.name}", "DATABASE_POOL": "false"}
        else:
            self.path = tmp / "layout.sqlite3"
            self.env = {"SQLITE_PATH": str(self.path)}

    def drop(self) -> None:
        if self.url:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def connect(self) -> Any:
        if self.url:
            import psycopg

            return psycopg.connect(self.env["DATABASE_URL"])
        import sqlite3

        return sqlite3.connect(self.path)

    def tables(self, conn: Any) -> list[str]:
        if self.url:
            rows = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        else:
            rows = conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
        return sorted(r[0] for r in rows)

    def columns(self, conn: Any, table: str) -> list[str]:
        if self.url:
            rows = conn.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND table_name = %s"
                " ORDER BY ordinal_position",
                [table],
            ).fetchall()
            return [r[0] for r in rows]
        return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]


def _snapshot(db: Database) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every table's columns and rows, in a stable order."""
    out: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    with db.connect() as conn:
        for table in db.tables(conn):
            cols = db.columns(conn, table)
            order = ", ".join(str(i + 1) for i in range(len(cols)))
            # Table names come from the database's own catalog, not from input.
            query = f'SELECT * FROM "{table}" ORDER BY {order}'  # noqa: S608
            rows = conn.execute(query).fetchall()
            out[table] = (cols, [tuple(r) for r in rows])
    return out


def _manage(cwd: Path, db: Database, *args: str) -> str:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "PYTHONPATH"}
    }
    env.update(db.env)
    env["DJANGO_SETTINGS_MODULE"] = "hub.settings_test"
    # The old tree must import its own packages, not this checkout's.
    env["PYTHONPATH"] = str(cwd)
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, (
        f"manage.py {' '.join(args)} in {cwd} failed:\n{done.stdout}\n{done.stderr}"
    )
    return done.stdout


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Database]:
    db = Database(tmp_path)
    try:
        yield db
    finally:
        db.drop()


def test_migrating_a_demo_database_from_the_old_layout_keeps_every_row(
    tmp_path: Path, scratch: Database
) -> None:
    assert _have_history(), (
        f"commit {PRE_LAYOUT} (the old layout) is not in this clone's history;"
        " clone without --depth to run this test"
    )
    old = _old_tree(tmp_path)
    _manage(old, scratch, "migrate", "--no-input")
    _manage(old, scratch, "seed_demo")
    before = _snapshot(scratch)
    # The demo must have filled the tables this layout moves between apps.
    for moved in (
        "ventures_catalogsource",
        "ventures_dataset",
        "ventures_distribution",
        "realtime_docupdate",
        "realtime_docsnapshot",
        "programs_scorecardtarget",
        "challenges_reviewassignment",
    ):
        assert moved in before, moved
    assert before["ventures_dataset"][1], "the demo seeds datasets"
    assert before["realtime_docsnapshot"][1], "the demo seeds plan documents"

    plan = _manage(ROOT, scratch, "migrate", "--no-input")
    assert "No migrations to apply" not in plan, plan
    after = _snapshot(scratch)

    assert sorted(after) == sorted(before), "the upgrade adds or drops tables"
    for table, (cols, rows) in before.items():
        if table in MIGRATION_BOOKKEEPING:
            continue
        new_cols, new_rows = after[table]
        if added := ADDED_COLUMNS.get(table):
            for name, value in added.items():
                at = new_cols.index(name)
                assert all(r[at] == value for r in new_rows), f"{table}.{name}"
            keep = [i for i, c in enumerate(new_cols) if c not in added]
            new_cols = [new_cols[i] for i in keep]
            new_rows = sorted(tuple(r[i] for i in keep) for r in new_rows)
        assert new_cols == cols, f"{table}: columns changed"
        if table == "django_content_type":
            rows, new_rows = _moved(rows), sorted(new_rows)
        assert len(new_rows) == len(rows), f"{table}: row count changed"
        assert new_rows == rows, f"{table}: values changed"

    # Nothing is left unapplied, and today's models read the old rows.
    listing = _manage(ROOT, scratch, "showmigrations", "--plan")
    assert "[ ]" not in listing, listing
    counts = _manage(
        ROOT,
        scratch,
        "shell",
        "-c",
        "from django.apps import apps; "
        "print(apps.get_model('catalog', 'Dataset').objects.count(), "
        "apps.get_model('ideas', 'DocSnapshot').objects.count(), "
        "apps.get_model('hub', 'User').objects.count())",
    )
    assert counts.strip().splitlines()[-1].split() == [
        str(len(before["ventures_dataset"][1])),
        str(len(before["realtime_docsnapshot"][1])),
        str(len(before["hub_user"][1])),
    ]


def test_a_fresh_database_has_the_same_tables_and_columns_as_an_upgraded_one(
    tmp_path: Path, scratch: Database
) -> None:
    assert _have_history(), f"commit {PRE_LAYOUT} is not in this clone's history"
    old = _old_tree(tmp_path)
    _manage(old, scratch, "migrate", "--no-input")
    _manage(ROOT, scratch, "migrate", "--no-input")
    (tmp_path / "fresh").mkdir()
    fresh = Database(tmp_path / "fresh")
    try:
        _manage(ROOT, fresh, "migrate", "--no-input")
        with scratch.connect() as a, fresh.connect() as b:
            upgraded = {t: scratch.columns(a, t) for t in scratch.tables(a)}
            new = {t: fresh.columns(b, t) for t in fresh.tables(b)}
        assert upgraded == new
    finally:
        fresh.drop()
        shutil.rmtree(tmp_path / "fresh", ignore_errors=True)
