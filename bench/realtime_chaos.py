"""Chaos benchmark: does any edit that anyone has seen get lost when processes die?

Issue 12, item 1. Each run starts two Daphne processes on PostgreSQL + Redis
(the channel layer), opens a fresh plan, and puts several clients on each
process. The clients behave like the stock y-websocket client: a full pycrdt
``Doc`` each (Text "markdown"), sync step 1 on open, the server's step 1
answered with step 2, every update applied, their own edits sent as updates,
and on a closed or failed socket a reconnect (short backoff, to either
process) with a re-sync both ways. They type unique tokens (``[c3-e17]``) at
random moments, now and then in bursts. Meanwhile one of these happens, at a
random moment, 0-15 ms after a burst typed on the victim, or 0-5 ms after the
victim's other clients received such a burst (it applied the edits and sent
them on, and has not yet written them: the 10 ms flush delay):

* ``kill -9`` of a random Daphne, restarted on the same port after a pause;
* SIGTERM of a random Daphne (a deploy), started again on the same port;
* both in sequence: kill -9 of one, later SIGTERM of the other;
* and, in some runs, an author tab that types and closes at once (never back).

At the end of a run the clients finish syncing, both servers get SIGTERM
(a deploy; nothing is asked of them but that), and the document is read from
the database as a fresh Doc from the snapshot + update log. An edit is *seen*
if any remaining client's document holds it (every client's own edits are in
its own document), or, for the closing author, if another client received it
or the server acknowledged the close (it had read the frames) and that
process was neither killed nor sent SIGTERM up to a second later (else the
author's edits are reported apart, not counted). *Lost* is seen but not in
the stored text; "in the log but pending" are lost edits whose update is
stored but cannot be integrated. *Pending structs* are the structs of the
stored log beyond the stored document's state vector (Yjs keeps them pending
for a missing dependency), with the clocks (characters) they hold.

    python bench/realtime_chaos.py                  # 20 runs
    python bench/realtime_chaos.py --runs 40 --seed 7
    python bench/realtime_chaos.py --redis-restart  # also restart a private Redis
    python bench/realtime_chaos.py --postgres-restart  # and a private PostgreSQL

Server timings: YJS_HEAL_INTERVAL_MS=500 (default 10 s) so runs stay short;
YJS_FLUSH_DELAY_MS and YJS_ROOM_UNLOAD_DELAY_MS keep their production
defaults (10 ms, 30 s). Uses its own database and Redis db (BENCH_DATABASE_URL,
BENCH_REDIS_URL; defaults clusterhub_chaos and db 15). ``--redis-restart`` and
``--postgres-restart`` start private instances on free ports (the shared
servers are never restarted). Exit status 1 if any edit was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import logging
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed

os.environ.setdefault(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clusterhub_chaos"
)
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import realtime_support  # noqa: E402
from realtime_support import (  # noqa: E402
    ROOT,
    UnknownContent,
    free_port,
    parse_sync,
    sync_step1,
    update_clock_ranges,
    update_message,
    var_uint,
)

from realtime.yprotocol import decode_state_vector  # noqa: E402

TOKEN = re.compile(r"\[[a-z]\d*-e\d+\]")
#: Server settings for every run; the other YJS_* settings keep their defaults.
SERVER_ENV = {"YJS_HEAL_INTERVAL_MS": "500"}
PROCESS_NAMES = "AB"


# --- The stored document: what of it waits for a missing update ------------------


def pending_structs(updates: list[bytes], doc: Any) -> tuple[int, int] | None:
    """What of ``updates`` (all applied to ``doc``) Yjs keeps pending for a
    missing dependency, found as the server finds it (``store.orphans``): in
    how many runs of one client's clocks, and how many clocks (characters)
    they hold. None if that update could not be read."""
    from ideas import documents as store  # (after django.setup())

    left = store.orphans(updates, doc)
    if left is None:
        return 0, 0
    try:
        ranges = update_clock_ranges(left)
    except UnknownContent:
        return None
    return len(ranges), sum(end - start for _client, start, end in ranges)


# --- Processes: two Daphnes, and the private Redis / PostgreSQL ---------------------


async def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return
    raise RuntimeError(f"nothing listening on {port} after {timeout} s")


async def wait_exit(process: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


class Daphne:
    """One Daphne process that can be killed and started again on its port
    (the command and environment of realtime_support.start_ours)."""

    def __init__(self, name: str, port: int, env: dict[str, str], log: Path) -> None:
        self.name = name
        self.port = port
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        daphne = Path(sys.executable).with_name("daphne")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(daphne), "-b", "127.0.0.1", "-p", str(self.port)]
                + ["hub.asgi:application"],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    async def start_and_wait(self) -> None:
        self.start()
        await wait_port(self.port)

    async def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await wait_exit(self.process, 10)

    async def terminate(self, timeout: float = 15) -> float | None:
        """SIGTERM and wait; seconds it took, or None if it had to be killed."""
        assert self.process is not None
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        if await wait_exit(self.process, timeout):
            return time.monotonic() - started
        await self.kill9()
        return None


class PrivateRedis:
    """A redis-server of our own on a free port, keeping nothing on disk."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        await wait_port(self.port, 10)

    async def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            if not await wait_exit(self.process, 10):
                self.process.kill()


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb in the work directory, run as
    the postgres user, trust authentication on loopback) on a free port."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.data = workdir / "pgdata"
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/clusterhub_chaos"

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self.prefix, *args], check=True, capture_output=True, timeout=120
        )

    def init(self) -> None:
        self.data.mkdir()
        if self.prefix:
            shutil.chown(self.data, "postgres")
            shutil.chown(self.data.parent, "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth", "trust", "-N"
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l",
            str(self.data / "log"), "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")


# --- Clients --------------------------------------------------------------------------


@dataclass
class RunState:
    plan_id: int
    ports: list[int]
    rng: random.Random
    t0: float = 0.0
    stopping: bool = False
    typing: bool = True
    #: Close codes other than a dropped connection, by code.
    closes: dict[int, int] = field(default_factory=dict)

    def now(self) -> float:
        return time.monotonic() - self.t0


class Client:
    """A browser tab running the stock y-websocket client."""

    def __init__(self, state: RunState, name: str, cookie: str, home: int) -> None:
        from pycrdt import Doc, Text

        self.state = state
        self.name = name
        self.cookie = cookie
        self.home = home
        self.doc = Doc()
        self.text = self.doc.get("markdown", type=Text)
        self.ws: Any = None
        self.port: int | None = None
        self.synced = False
        self.connects = 0
        self.edits = 0
        self.typed: list[str] = []
        self.gone = False  # the tab was closed

    def url(self, port: int) -> str:
        return f"ws://127.0.0.1:{port}/ws/docs/{self.state.plan_id}/"

    async def run(self) -> None:
        """Connect, sync, apply; reconnect to either process when dropped."""
        import websockets

        port, attempt = self.home, 0
        while not self.state.stopping and not self.gone:
            headers = {
                "Cookie": f"sessionid={self.cookie}",
                "Origin": f"http://127.0.0.1:{port}",
            }
            try:
                async with websockets.connect(
                    self.url(port),
                    additional_headers=headers,
                    max_size=None,
                    ping_interval=None,
                    open_timeout=3,
                    close_timeout=1,
                ) as ws:
                    self.ws, self.port, attempt = ws, port, 0
                    self.connects += 1
                    await ws.send(sync_step1(self.doc.get_state()))
                    async for message in ws:
                        await self.receive(ws, message)
            except ConnectionClosed:
                pass
            except (OSError, TimeoutError, websockets.WebSocketException):
                pass
            finally:
                ws_, self.ws, self.synced = self.ws, None, False
                code = getattr(ws_, "close_code", None)
                if code is not None and code not in (1000, 1001, 1006):
                    self.state.closes[code] = self.state.closes.get(code, 0) + 1
            if self.state.stopping or self.gone:
                return
            attempt += 1
            await asyncio.sleep(self.state.rng.uniform(0.02, min(1.0, 0.05 * attempt)))
            port = self.state.rng.choice(self.state.ports)

    async def receive(self, ws: Any, message: Any) -> None:
        if isinstance(message, str):
            return
        parsed = parse_sync(message)
        if parsed is None:
            return
        kind, payload = parsed
        if kind == 0:  # the server's step 1: answer with what it lacks
            reply = self.doc.get_update(payload)
            await ws.send(b"\x00\x01" + var_uint(len(reply)) + reply)
            return
        self.doc.apply_update(payload)
        if kind == 1:
            self.synced = True

    async def type_one(self) -> None:
        """Insert a token between two tokens (never inside one) and send it."""
        self.edits += 1
        token = f"[{self.name}-e{self.edits}]"
        current = str(self.text)
        bounds = [0, len(current), *(m.end() for m in TOKEN.finditer(current))]
        before = self.doc.get_state()
        self.text.insert(self.state.rng.choice(bounds), token)
        update = self.doc.get_update(before)
        self.typed.append(token)
        ws = self.ws
        if ws is not None:
            # A dropped socket: the edit stays in the doc and the re-sync sends it.
            with contextlib.suppress(ConnectionClosed):
                await ws.send(update_message(update))

    async def burst(self, n: int) -> None:
        for _ in range(n):
            await self.type_one()

    async def typist(self) -> None:
        rng = self.state.rng
        while self.state.typing:
            await asyncio.sleep(rng.expovariate(1 / 0.12))
            if not self.state.typing:
                return
            if rng.random() < 0.1:
                await self.burst(rng.randint(3, 8))
            else:
                await self.type_one()

    def tokens(self) -> set[str]:
        return set(TOKEN.findall(str(self.text)))


class Author(Client):
    """A tab that opens, types a few edits at once and closes right away."""

    def __init__(self, state: RunState, cookie: str, home: int, at: float) -> None:
        super().__init__(state, "a", cookie, home)
        self.at = at
        self.typed_at: float | None = None
        self.closed_at: float | None = None
        self.acknowledged = False

    async def act(self, count: int) -> None:
        reader = asyncio.create_task(self.run())
        try:
            while self.state.now() < self.at or not self.synced:
                if self.state.now() > self.at + 5:  # never got in: no edits
                    return
                await asyncio.sleep(0.002)
            ws = self.ws
            self.typed_at = self.state.now()
            await self.burst(count)
            self.gone = True
            await ws.close(1001)  # a tab closing: "going away"
            self.closed_at = self.state.now()
            self.acknowledged = ws.protocol.close_rcvd is not None
        except Exception:
            self.gone = True
        finally:
            self.gone = True
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)


# --- One run ----------------------------------------------------------------------------


@dataclass
class Action:
    kind: str  # "kill", "term", "redis", "postgres"
    target: int = 0  # process index (kill, term)
    at: float = 0.0  # planned start, seconds after typing began
    #: "random" (any moment), "burst" (0-15 ms after a burst of edits typed
    #: there) or "applied" (0-5 ms after another client of that process
    #: received the burst: the process applied it, sent it on to the other
    #: process and has 10 ms, the flush delay, before it writes it).
    timing: str = "random"
    pause: float = 0.0  # before the restart
    done_at: float | None = None
    lag_ms: float = 0.0
    back_at: float | None = None
    note: str = ""

    def describe(self, names: str = PROCESS_NAMES) -> str:
        what = {
            "kill": f"kill -9 {names[self.target]}",
            "term": f"SIGTERM {names[self.target]}",
            "redis": "Redis restart",
            "postgres": "PostgreSQL restart",
        }[self.kind]
        when = "?" if self.done_at is None else f"{self.done_at:.2f}s"
        text = f"{what} at t={when}"
        if self.timing == "burst":
            text += f" ({self.lag_ms:.0f} ms after a burst there)"
        elif self.timing == "applied":
            text += f" ({self.lag_ms:.0f} ms after its other clients got a burst)"
        if self.back_at is not None:
            text += f", back at {self.back_at:.2f}s"
        return text + (f" {self.note}" if self.note else "")


def timing(rng: random.Random) -> str:
    return rng.choices(["random", "burst", "applied"], [1, 1, 2])[0]


def plan_run(rng: random.Random, args: argparse.Namespace) -> list[Action]:
    kinds = ["kill", "term", "sequence"]
    if args.redis_restart:
        kinds.append("redis")
    if args.postgres_restart:
        kinds.append("postgres")
    kind = rng.choice(kinds)
    first = rng.randrange(2)
    at = rng.uniform(0.3, args.duration - 0.5)
    if kind in ("redis", "postgres"):
        return [Action(kind, at=at, pause=rng.uniform(0.2, 1.5))]
    if kind == "sequence":  # the mechanism (a)
        return [
            Action("kill", first, at, timing(rng), rng.uniform(0.1, 1.0)),
            Action("term", 1 - first, rng.uniform(0.1, 1.5), timing(rng)),
        ]
    kill = kind == "kill"
    pause = rng.uniform(0.1, 1.0) if kill else 0.0
    return [Action(kind, first, at, timing(rng), pause)]


async def perform(
    action: Action,
    state: RunState,
    daphnes: list[Daphne],
    clients: list[Client],
    services: dict[str, Any],
) -> None:
    rng = state.rng
    if action.timing != "random":
        port = daphnes[action.target].port
        here = [c for c in clients if c.port == port and c.ws is not None] or clients
        typist = rng.choice(here)
        await typist.burst(rng.randint(3, 8))
        typed = time.monotonic()
        peers = [c for c in clients if c.port == port and c is not typist]
        if action.timing == "applied" and peers:
            token = typist.typed[-1]
            while time.monotonic() - typed < 0.2:
                if any(token in str(c.text) for c in peers):
                    break
                await asyncio.sleep(0.0005)
            await asyncio.sleep(rng.uniform(0, 0.005))
        else:
            await asyncio.sleep(rng.uniform(0, 0.015))  # within the flush delay
        action.lag_ms = (time.monotonic() - typed) * 1000
    action.done_at = state.now()
    if action.kind == "kill":
        daphne = daphnes[action.target]
        await daphne.kill9()
        await asyncio.sleep(action.pause)
        await daphne.start_and_wait()
    elif action.kind == "term":
        daphne = daphnes[action.target]
        took = await daphne.terminate()
        action.note = (
            f"(exited in {took:.2f}s)" if took is not None else "(hung: killed)"
        )
        await daphne.start_and_wait()
    elif action.kind == "redis":
        redis = services["redis"]
        await redis.stop()
        await asyncio.sleep(action.pause)
        await redis.start()
    elif action.kind == "postgres":
        pg = services["postgres"]
        await asyncio.to_thread(pg.stop, "immediate")
        await asyncio.sleep(action.pause)
        await asyncio.to_thread(pg.start)
    action.back_at = state.now()


async def converge(clients: list[Client], timeout: float, quiet: float) -> bool:
    """Wait until every open tab is connected, synced and holds the same
    state, for ``quiet`` seconds (over the flush delay and a heal round)."""
    deadline = time.monotonic() + timeout
    stable_since: float | None = None
    while time.monotonic() < deadline:
        ok = all(c.ws is not None and c.synced for c in clients)
        if ok:
            states = {
                tuple(sorted(decode_state_vector(c.doc.get_state()).items()))
                for c in clients
            }
            lengths = {len(c.text) for c in clients}
            ok = len(states) == 1 and len(lengths) == 1
        if ok:
            stable_since = stable_since or time.monotonic()
            if time.monotonic() - stable_since >= quiet:
                return True
        else:
            stable_since = None
        await asyncio.sleep(0.05)
    return False


async def run_once(
    index: int,
    args: argparse.Namespace,
    seed: int,
    env: dict[str, str],
    ports: list[int],
    cookies: list[str],
    plan_id: int,
    workdir: Path,
    services: dict[str, Any],
) -> tuple[list[Client], Author | None, list[Action], bool, list[str]]:
    # The plan of a run depends on the seed only; the clients' choices also
    # on the timing of the machine.
    rng = random.Random(f"{seed}-{index}-plan")
    state = RunState(plan_id, ports, random.Random(f"{seed}-{index}-clients"))
    notes: list[str] = []
    daphnes = [
        Daphne(
            PROCESS_NAMES[i], port, env, workdir / f"run{index}-{PROCESS_NAMES[i]}.log"
        )
        for i, port in enumerate(ports)
    ]
    await asyncio.gather(*(d.start_and_wait() for d in daphnes))
    n = args.clients
    clients = [Client(state, f"c{i}", cookies[i], ports[i % 2]) for i in range(2 * n)]
    readers = [asyncio.create_task(c.run()) for c in clients]
    try:
        if not await converge(clients, 30, 0.1):
            notes.append("clients did not all connect at the start")
        actions = plan_run(rng, args)
        author: Author | None = None
        author_task = None
        state.t0 = time.monotonic()
        if rng.random() < args.author_share:
            first = actions[0]
            # Most authors close right before the first action, on its victim.
            near = rng.random() < 0.7
            at = first.at - rng.uniform(0, 0.05) if near else rng.uniform(0.1, 2.5)
            home = ports[first.target] if near else rng.choice(ports)
            author = Author(state, cookies[2 * n], home, max(0.05, at))
            author_task = asyncio.create_task(author.act(rng.randint(1, 4)))
        typists = [asyncio.create_task(c.typist()) for c in clients]
        previous_back = 0.0
        for i, action in enumerate(actions):
            if i:  # a sequence: the second comes a while after the first is back
                action.at = previous_back + action.at
            await asyncio.sleep(max(0.0, action.at - state.now()))
            await perform(action, state, daphnes, clients, services)
            previous_back = action.back_at or state.now()
        await asyncio.sleep(max(0.0, args.duration - state.now()) + 0.3)
        state.typing = False
        await asyncio.gather(*typists, return_exceptions=True)
        if author_task is not None:
            await author_task
        converged = await converge(clients, 20, 1.0)
        if not converged:
            notes.append("clients did not converge within 20 s")
        # A deploy of both: SIGTERM, wait; the tabs do not come back.
        state.stopping = True
        took = await asyncio.gather(*(d.terminate() for d in daphnes))
        if any(t is None for t in took):
            notes.append("a server ignored SIGTERM for 15 s and was killed")
    finally:
        state.stopping = True
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        for d in daphnes:
            if d.process is not None and d.process.poll() is None:
                d.process.kill()
    if state.closes:
        notes.append(f"close codes {dict(sorted(state.closes.items()))}")
    errors = sum(d.log.read_text(errors="replace").count("Traceback") for d in daphnes)
    if errors:
        notes.append(f"the servers logged {errors} tracebacks (--keep-logs)")
    return clients, author, actions, converged, notes


def token_order(token: str) -> tuple[str, int]:
    name, _, number = token[1:-1].partition("-e")
    return name, int(number)


@dataclass
class Outcome:
    seen: int
    lost: list[str]
    #: Lost edits whose update is in the log, its structs pending.
    lost_in_log: int
    #: Pending structs in the stored log, and the clocks they hold.
    pending: tuple[int, int] | None
    #: The closing author's edits that no other client received, sent to a
    #: process stopped within a second: not counted as seen (nothing shows
    #: that a process applied them); how many, and how many were stored.
    uncounted: int = 0
    uncounted_stored: int = 0


def author_process_stopped(author: Author, actions: list[Action]) -> bool:
    """Whether the process the author's tab talked to was killed or sent
    SIGTERM before, or within a second after, the tab closed."""
    if author.closed_at is None or author.typed_at is None:
        return True
    for a in actions:
        if a.kind not in ("kill", "term") or a.done_at is None:
            continue
        if author.port != author.state.ports[a.target]:
            continue
        if a.done_at <= author.closed_at + 1.0 and (
            a.back_at is None or a.back_at >= author.typed_at
        ):
            return True
    return False


def read_log(plan_id: int) -> list[bytes]:
    """The stored snapshot and update log, retried while the connection pool
    still hands out connections from before a PostgreSQL restart."""
    from django.db import OperationalError, connection

    from ideas import documents as store

    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
    for attempt in range(40):
        try:
            return store.load_updates(plan_id)[0]
        except OperationalError:
            if attempt == 39:
                raise
            connection.close()
            time.sleep(0.25)
    raise AssertionError("unreachable")


def check(
    clients: list[Client], author: Author | None, actions: list[Action], plan_id: int
) -> Outcome:
    """Compare what was seen with the document stored in the database."""
    from ideas import documents as store

    updates = read_log(plan_id)
    doc = store.load_doc(plan_id)
    stored = set(TOKEN.findall(store.doc_text(doc)))

    seen: set[str] = set()
    for c in clients:  # every client's own edits are in its own document
        seen |= c.tokens() | set(c.typed)
    uncounted: set[str] = set()
    if author is not None:
        mine = set(author.typed) - seen
        if author.acknowledged and not author_process_stopped(author, actions):
            seen |= mine
        else:
            uncounted = mine
    lost = sorted(seen - stored, key=token_order)
    raw = b"".join(updates)
    return Outcome(
        seen=len(seen),
        lost=lost,
        lost_in_log=sum(1 for t in lost if t.encode() in raw),
        pending=pending_structs(updates, doc),
        uncounted=len(uncounted),
        uncounted_stored=len(uncounted & stored),
    )


# --- Main ---------------------------------------------------------------------------------


def code_version() -> str:
    """The commit the servers run, and whether their code has uncommitted
    changes (the working tree is shared)."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run(
        [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    if head.returncode:
        return f"{ROOT} (not a git checkout)"
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "realtime", "ideas", "hub"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    changes = " + uncommitted changes in realtime/ ideas/ hub/" if dirty else ""
    return f"{ROOT} at {head.stdout.strip()}{changes}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--clients", type=int, default=3, help="clients per process")
    parser.add_argument(
        "--duration", type=float, default=3.0, help="seconds of typing per run"
    )
    parser.add_argument(
        "--author-share", type=float, default=0.5, help="share of runs with an author"
    )
    parser.add_argument("--redis-restart", action="store_true")
    parser.add_argument("--postgres-restart", action="store_true")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1, 10**6)

    load = os.getloadavg()
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC")
    print(f"load average: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
    print(f"seed: {seed}  (re-run: --seed {seed})")
    print(f"code: {code_version()}")

    workdir = Path(tempfile.mkdtemp(prefix="clusterhub-chaos-"))
    services: dict[str, Any] = {}
    try:
        return chaos(args, seed, workdir, services)
    finally:
        if "redis" in services:
            asyncio.run(services["redis"].stop())
        if "postgres" in services:
            with contextlib.suppress(subprocess.SubprocessError):
                services["postgres"].stop()
        if args.keep_logs:
            print(f"server logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def chaos(
    args: argparse.Namespace,
    seed: int,
    workdir: Path,
    services: dict[str, Any],
) -> int:
    if args.redis_restart:
        redis = services["redis"] = PrivateRedis(free_port(), workdir)
        asyncio.run(redis.start())
        realtime_support.REDIS_URL = redis.url
    if args.postgres_restart:
        pg = PrivatePostgres(free_port(), workdir)
        pg.init()
        pg.start()
        services["postgres"] = pg
        realtime_support.DATABASE_URL = pg.url

    env, cookies, plan_ids = realtime_support.prepare_django(
        workdir, 2 * args.clients + 1, args.runs
    )
    redis_url = realtime_support.REDIS_URL
    print(f"redis: {redis_url}")
    subprocess.run(
        ["redis-cli", "-u", redis_url, "flushdb"], check=False, capture_output=True
    )
    for name in ("YJS_FLUSH_DELAY_MS", "YJS_ROOM_UNLOAD_DELAY_MS"):
        env.pop(name, None)  # production defaults
    ports = [free_port(), free_port()]
    # Both processes serve one site: each trusts the origin of either (a tab
    # sends the Origin of the process it connects to).
    trusted = [o for o in env.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
    trusted += [f"http://127.0.0.1:{port}" for port in ports]
    env = {
        **env,
        **SERVER_ENV,
        "REDIS_URL": redis_url,
        "CSRF_TRUSTED_ORIGINS": ",".join(trusted),
    }
    from django.conf import settings

    print(
        f"two Daphnes on ports {ports[0]} (A) and {ports[1]} (B); {args.clients}"
        f" clients on each; {args.duration:g} s of typing per run;"
        f" YJS_FLUSH_DELAY_MS={settings.YJS_FLUSH_DELAY_MS}"
        f" YJS_ROOM_UNLOAD_DELAY_MS={settings.YJS_ROOM_UNLOAD_DELAY_MS}"
        f" YJS_HEAL_INTERVAL_MS={SERVER_ENV['YJS_HEAL_INTERVAL_MS']}"
    )
    print()
    total_seen = total_lost = runs_lost = total_pending = 0
    uncounted = uncounted_stored = 0
    for index in range(1, args.runs + 1):
        plan_id = plan_ids[index - 1]
        clients, author, actions, _converged, notes = asyncio.run(
            run_once(index, args, seed, env, ports, cookies, plan_id, workdir, services)
        )
        out = check(clients, author, actions, plan_id)
        total_seen += out.seen
        total_lost += len(out.lost)
        runs_lost += bool(out.lost)
        total_pending += out.pending[0] if out.pending else 0
        uncounted += out.uncounted
        uncounted_stored += out.uncounted_stored
        what = "; ".join(a.describe() for a in actions)
        if author is not None and author.typed and author.closed_at is not None:
            where = dict(zip(ports, PROCESS_NAMES, strict=True)).get(
                author.port or 0, "?"
            )
            what += (
                f"; author typed {len(author.typed)} on {where} and closed its tab"
                f" at t={author.closed_at:.2f}s"
                + ("" if author.acknowledged else " (close not acknowledged)")
            )
        elif author is not None:
            what += "; the author never got to type"
        print(f"run {index:>2}  {what}")
        line = f"        edits seen {out.seen}, lost {len(out.lost)}"
        if out.lost:
            line += f" ({out.lost_in_log} of them in the log but pending)"
        if out.pending is None:
            line += "; pending structs ? (an update this script cannot read)"
        else:
            line += f"; pending structs {out.pending[0]}"
            line += f" ({out.pending[1]} clocks)" if out.pending[0] else ""
        if out.uncounted:
            line += (
                f"; {out.uncounted} author edits not counted (its process stopped"
                f" right after, no one received them), {out.uncounted_stored} stored"
            )
        if out.lost:
            line += "; lost: " + " ".join(out.lost[:8])
            line += " ..." if len(out.lost) > 8 else ""
        print(line + "".join(f"; {note}" for note in notes))
    print()
    if uncounted:
        print(
            f"not counted: {uncounted} edits of closing authors whose process was"
            f" stopped right after and that no one received ({uncounted_stored}"
            " stored)"
        )
    print(
        f"edits seen {total_seen} / edits lost {total_lost}"
        f"  ({runs_lost} of {args.runs} runs lost edits;"
        f" pending structs {total_pending})"
    )
    return 1 if total_lost else 0


if __name__ == "__main__":
    sys.exit(main())
