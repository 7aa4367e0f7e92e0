"""A real Daphne subprocess for browser tests that need WebSockets
(pytest-django's ``live_server`` speaks HTTP only).

It runs on its own temporary SQLite file (migrated here, seeded through
``manage.py shell -c``), with DEBUG off, the test settings' fast password
hasher and the in-memory channel layer. DATABASE_URL and REDIS_URL are
dropped, so both CI passes run it the same way.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

# DEBUG is off, so WhiteNoise would serve only what collectstatic copied into
# STATIC_ROOT (possibly a stale editor.js); serve static/ through the finders.
_BOOT = """
import sys
import hub.settings_test as settings
settings.WHITENOISE_USE_FINDERS = True
from daphne.cli import CommandLineInterface
CommandLineInterface().run(sys.argv[1:])
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(tmp_dir: Path, secret_prefix: str) -> dict[str, str]:
    """The environment of a server subprocess on its own SQLite file in
    ``tmp_dir``, with production-like settings and none of the suite's
    database, Redis or async-unsafe switches."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hub.settings_test",
        DEBUG="false",
        SECRET_KEY=secret_prefix + "x" * 50,
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        SECURE_HSTS_SECONDS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SQLITE_PATH=str(tmp_dir / "db.sqlite3"),
        PYTHONUNBUFFERED="1",
    )
    return env


class DaphneServer:
    """``start()`` and ``stop()`` a Daphne on 127.0.0.1; the database survives
    a restart, so a test can prove what was persisted."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_dir / "daphne.log"
        self.env = server_env(tmp_dir, "e2e-only-")
        self.process: subprocess.Popen[bytes] | None = None
        #: What the test seeded (ids), for building URLs.
        self.seeded: dict = {}

    def manage(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(
                f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def migrate(self) -> None:
        self.manage("migrate", "--no-input", "-v0")

    def run_python(self, code: str) -> dict:
        """Run ``code`` in ``manage.py shell``; it prints one JSON line last."""
        out = self.manage("shell", "--no-imports", "-c", code)
        return json.loads(out.strip().splitlines()[-1])

    def start(self, timeout: float = 30) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, "-b", "127.0.0.1", "-p", str(self.port),
             # as `make run`: Daphne's 1 MiB default raised to the plan limit
             "--websocket-max-message-size", "8388608",
             "--websocket-max-frame-size", "8388608",
             "hub.asgi:application"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Daphne exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/", timeout=2):  # noqa: S310
                    return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Daphne did not answer within {timeout} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-8000:]
        except OSError:
            return ""


# Loads the demo data and prints a signed-in session key for the demo staff
# member, for browser tests of staff pages.
#: For browser tests that only talk to a DaphneServer: it runs on its own SQLite
#: file whatever the suite's database, so the PostgreSQL pass would repeat the
#: SQLite pass exactly. ``pytestmark = ONCE_PER_CI`` runs them in the SQLite pass.
ONCE_PER_CI = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="runs on its own SQLite Daphne whatever the suite's database: "
    "the SQLite pass runs it",
)


DEMO_STAFF_SEED = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from hub.core.models import User

call_command("seed_demo", stdout=open("/dev/null", "w"))
staff = User.objects.get(email="staff@demo.clusterhub.test")
session = SessionStore()
session[SESSION_KEY] = str(staff.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = staff.get_session_auth_hash()
session.create()
print(json.dumps({"staff": session.session_key}))
"""


@contextlib.contextmanager
def seeded_daphne(tmp_dir: Path, seed: str) -> Iterator[DaphneServer]:
    """A migrated, seeded and running Daphne; ``server.seeded`` holds what the
    seed script printed as JSON. Stopped on exit."""
    daphne = DaphneServer(tmp_dir)
    daphne.migrate()
    daphne.seeded = daphne.run_python(seed)
    daphne.start()
    try:
        yield daphne
    finally:
        daphne.stop()
