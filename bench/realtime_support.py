"""Shared pieces of the co-editing benchmarks (``realtime_fanout.py``,
``realtime_chaos.py``): the client side of the y-websocket wire format, our
Daphne servers and the reference Node server, and a database with people,
sessions and plans.

Not a benchmark itself; nothing here is imported by the application.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_DIR = ROOT / "bench" / ".node"
REFERENCE_PACKAGES = ["@y/websocket-server@0.1.1", "yjs@13.6.33", "ws@8.18.3"]
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
# Our servers use PostgreSQL, the production database (several processes share
# it; SQLite serializes their writes). A fresh database of this name is made.
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clusterhub_bench"
)

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# --- Yjs wire helpers (the client side of the y-websocket protocol) -------------


def var_uint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def read_var_uint(data: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def sync_step1(state_vector: bytes) -> bytes:
    return b"\x00\x00" + var_uint(len(state_vector)) + state_vector


def update_message(update: bytes) -> bytes:
    return b"\x00\x02" + var_uint(len(update)) + update


def parse_sync(message: bytes) -> tuple[int, bytes] | None:
    """(sync type, payload) for a sync message, else None."""
    if len(message) < 2 or message[0] != 0:
        return None
    length, pos = read_var_uint(message, 2)
    return message[1], message[pos : pos + length]


def update_ids(update: bytes) -> list[tuple[int, int]]:
    """(client, clock) of each struct group in a v1 update: identifies an edit
    whether or not a server re-encodes it."""
    ids = []
    clients, pos = read_var_uint(update, 0)
    for _ in range(min(clients, 1)):  # our edits carry one client's one struct
        _structs, pos = read_var_uint(update, pos)
        client, pos = read_var_uint(update, pos)
        clock, pos = read_var_uint(update, pos)
        ids.append((client, clock))
    return ids


# --- Servers ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port} after {timeout} s")


def ensure_reference() -> Path:
    server = NODE_DIR / "node_modules" / "@y" / "websocket-server" / "src" / "server.js"
    if not server.exists():
        if shutil.which("npm") is None:
            raise SystemExit("npm is needed to install the reference server")
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        (NODE_DIR / "package.json").write_text('{"private": true, "type": "module"}\n')
        subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--silent",
                *REFERENCE_PACKAGES,
            ],
            cwd=NODE_DIR,
            check=True,
        )
    return server


@dataclass
class Server:
    name: str
    ports: list[int]
    processes: list[subprocess.Popen] = field(default_factory=list)
    ours: bool = True

    def url(self, i: int, room: str) -> str:
        port = self.ports[i % len(self.ports)]
        return f"ws://127.0.0.1:{port}/{room}"

    def stop(self) -> None:
        for p in self.processes:
            p.terminate()
        for p in self.processes:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def start_ours(name: str, count: int, env: dict[str, str]) -> Server:
    daphne = Path(sys.executable).with_name("daphne")
    server = Server(name, [free_port() for _ in range(count)])
    for port in server.ports:
        server.processes.append(
            subprocess.Popen(
                [
                    str(daphne),
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "hub.asgi:application",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    for port in server.ports:
        wait_for_port(port)
    return server


def start_reference() -> Server:
    script = ensure_reference()
    port = free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port)}
    process = subprocess.Popen(
        ["node", str(script)], cwd=NODE_DIR, env=env, stdout=subprocess.DEVNULL
    )
    wait_for_port(port)
    return Server("reference (Node)", [port], [process], ours=False)


# --- The Django side: a database with people, sessions and plans ------------------


def fresh_postgres(url: str) -> bool:
    """Drop and create the benchmark database; False when PostgreSQL is not
    reachable (the benchmark then uses SQLite and says so)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not reachable ({exc}); using SQLite", file=sys.stderr)
        return False
    return True


def prepare_django(
    workdir: Path, max_clients: int, rooms: int
) -> tuple[dict, list[str], list[int]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hub.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "k" * 60,
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SQLITE_PATH": str(workdir / "bench.sqlite3"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if fresh_postgres(DATABASE_URL):
        env["DATABASE_URL"] = DATABASE_URL
    os.environ.update({k: v for k, v in env.items() if k != "PATH"})
    print(f"database: {env.get('DATABASE_URL', 'SQLite')}")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from hub.core.models import User
    from ideas.models import Idea, TeamMembership, TeamRole
    from ideas.plans import get_or_create_plan

    call_command("migrate", verbosity=0)
    owner = User.objects.create_user("owner@bench.test", "x", display_name="Owner")
    people = [
        User.objects.create_user(f"c{i}@bench.test", "x", display_name=f"Client {i}")
        for i in range(max_clients)
    ]
    cookies = []
    for person in people:
        client = Client()
        client.force_login(person)
        cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    plan_ids = []
    for r in range(rooms):
        idea = Idea.objects.create(
            owner=owner, title=f"Bench {r}", pitch="p", problem="p", solution="s"
        )
        TeamMembership.objects.bulk_create(
            TeamMembership(idea=idea, user=p, role=TeamRole.EDITOR) for p in people
        )
        plan_ids.append(get_or_create_plan(idea).pk)
    return env, cookies, plan_ids
