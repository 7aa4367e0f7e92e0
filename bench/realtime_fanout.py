"""Fan-out benchmark: our Yjs sync server against the reference Node server.

In one run it starts, on loopback:
  * ours, one Daphne process with the in-memory channel layer;
  * ours, two Daphne processes sharing Redis (clients alternate between them);
  * the reference server @y/websocket-server@0.1.1 with yjs 13.6, installed
    from npm into bench/.node/ by this script on first use.
For N clients in one document (2, 10, 50), each client sends K one-character
edits; every client records when each other client's edit reaches it. It prints
delivered/expected, fan-out latency p50/p99 per server, and our/reference ratios.

    python bench/realtime_fanout.py            # N = 2, 10, 50; K = 20
    python bench/realtime_fanout.py --quick    # N = 2, 10; K = 5

The same client code drives every server, so the ratio compares servers, not
clients. The machine is shared and noisy: compare ratios, not absolute numbers.
Servers take turns in interleaved rounds (--rounds, default 3) so a burst of
load hits all of them alike. Our servers use PostgreSQL (BENCH_DATABASE_URL)
as in production, and print the cross-process latencies of the two-process
setup on their own line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
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


# --- Clients ------------------------------------------------------------------------


@dataclass
class Result:
    server: str
    clients: int
    delivered: int
    expected: int
    latencies: list[float]
    #: With several processes: latencies of edits that crossed between them.
    crossing: list[float] = field(default_factory=list)

    def p(self, q: float, which: list[float] | None = None) -> float:
        values = self.latencies if which is None else which
        if not values:
            return float("nan")
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def run_clients(
    server: Server, room: str, n: int, k: int, cookies: list[str], interval: float
) -> Result:
    import websockets
    from pycrdt import Doc, Text

    sent: dict[tuple[int, int], tuple[int, float]] = {}
    latencies: list[float] = []
    crossing: list[float] = []
    processes = len(server.ports)
    delivered = 0
    synced = [asyncio.Event() for _ in range(n)]
    go = asyncio.Event()
    done_sending = asyncio.Event()

    async def client(i: int) -> None:
        nonlocal delivered
        headers = {}
        if server.ours:
            port = server.ports[i % len(server.ports)]
            headers = {
                "Cookie": f"sessionid={cookies[i]}",
                "Origin": f"http://127.0.0.1:{port}",
            }
        doc = Doc()
        text = doc.get("markdown", type=Text)
        async with websockets.connect(
            server.url(i, room),
            additional_headers=headers,
            max_size=None,
            ping_interval=None,
        ) as ws:
            await ws.send(sync_step1(doc.get_state()))

            async def reader() -> None:
                nonlocal delivered
                async for message in ws:
                    if isinstance(message, str):
                        continue
                    parsed = parse_sync(message)
                    if parsed is None:
                        continue
                    kind, payload = parsed
                    if kind == 0:  # the server's step 1: answer with our state
                        reply = doc.get_update(payload)
                        await ws.send(b"\x00\x01" + var_uint(len(reply)) + reply)
                        continue
                    now = time.perf_counter()
                    doc.apply_update(payload)
                    if kind == 1:
                        synced[i].set()
                        continue
                    for key in update_ids(payload):
                        origin = sent.get(key)
                        if origin is not None and origin[0] != i:
                            delivered += 1
                            latencies.append(now - origin[1])
                            if processes > 1 and origin[0] % processes != i % processes:
                                crossing.append(now - origin[1])

            task = asyncio.create_task(reader())
            await synced[i].wait()
            await go.wait()
            for _ in range(k):
                before = doc.get_state()
                text.insert(0, "x")
                update = doc.get_update(before)
                for key in update_ids(update):
                    sent[key] = (i, time.perf_counter())
                await ws.send(update_message(update))
                await asyncio.sleep(interval)
            await done_sending.wait()
            task.cancel()

    tasks = [asyncio.create_task(client(i)) for i in range(n)]
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in synced)), 60)
    go.set()
    expected = n * k * (n - 1)
    deadline = time.monotonic() + 30 + n * k * interval
    while delivered < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    done_sending.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return Result(server.name, n, delivered, expected, latencies, crossing)


# --- Main -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="2,10,50")
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument(
        "--interval", type=float, default=0.02, help="seconds between a client's edits"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds per server and N"
    )
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = [2, 10] if args.quick else [int(x) for x in args.clients.split(",")]
    k = 5 if args.quick else args.edits

    rounds = 1 if args.quick else args.rounds
    workdir = Path(tempfile.mkdtemp(prefix="clusterhub-bench-"))
    configs = ["ours, 1 Daphne", "ours, 2 Daphne + Redis", "reference"]
    env, cookies, plan_ids = prepare_django(
        workdir, max(sizes), rounds * len(sizes) * 2
    )
    subprocess.run(
        ["redis-cli", "-u", REDIS_URL, "flushdb"], check=False, capture_output=True
    )
    servers = [
        start_ours(configs[0], 1, env),
        start_ours(configs[1], 2, {**env, "REDIS_URL": REDIS_URL}),
        start_reference(),
    ]
    # Rounds interleave the servers (in a rotating order, each round in fresh
    # documents), so a burst of load on this shared machine falls on all of
    # them alike; each server's latencies are pooled over the rounds.
    pooled: dict[tuple[int, int], Result] = {}
    rooms = iter(plan_ids)
    try:
        for round_index in range(rounds):
            for n in sizes:
                order = list(range(len(servers)))
                shift = round_index % len(order)
                for s_index in order[shift:] + order[:shift]:
                    server = servers[s_index]
                    room = (
                        f"ws/docs/{next(rooms)}/"
                        if server.ours
                        else f"bench-{round_index}-{n}"
                    )
                    r = asyncio.run(
                        run_clients(server, room, n, k, cookies, args.interval)
                    )
                    total = pooled.setdefault(
                        (s_index, n), Result(server.name, n, 0, 0, [])
                    )
                    total.delivered += r.delivered
                    total.expected += r.expected
                    total.latencies += r.latencies
                    total.crossing += r.crossing
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    results = [pooled[key] for key in sorted(pooled)]

    print(
        f"\nFan-out: N clients in one document, each sending {k} one-character"
        f" edits; {rounds} interleaved round(s), latencies pooled"
    )
    print(
        f"{'server':<26} {'N':>3} {'delivered/expected':>19} {'p50 ms':>8} {'p99 ms':>8}"
    )
    for r in results:
        ratio = f"{r.delivered}/{r.expected}"
        print(
            f"{r.server:<26} {r.clients:>3} {ratio:>19} {r.p(0.5):>8.2f} {r.p(0.99):>8.2f}"
        )
    for r in results:
        if r.crossing:
            print(
                f"{r.server:<26} {r.clients:>3} {'(between processes)':>19}"
                f" {r.p(0.5, r.crossing):>8.2f} {r.p(0.99, r.crossing):>8.2f}"
            )
    reference = {r.clients: r for r in results if r.server.startswith("reference")}
    print("\nRatios, ours / reference (lower is better; target p99 <= 1.5 at N=10)")
    for r in results:
        if r.server.startswith("reference"):
            continue
        ref = reference[r.clients]
        print(
            f"{r.server:<26} N={r.clients:<3} p50 x{r.p(0.5) / ref.p(0.5):.2f}"
            f"  p99 x{r.p(0.99) / ref.p(0.99):.2f}"
            f"  delivered {100 * r.delivered / max(1, r.expected):.1f}%"
        )


if __name__ == "__main__":
    main()
