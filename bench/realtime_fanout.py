"""Fan-out benchmark: our Yjs sync server against the reference Node server.

One run measures, in interleaved rounds on loopback, these servers:
  * "ours, 1 Daphne": one Daphne process, the in-memory channel layer;
  * "ours, 2 Daphne + Redis, sticky": two Daphne processes sharing Redis,
    every client of a document on the process a hash of its path picks (the
    production routing, see the docs: nginx ``hash $request_uri consistent``);
  * "ours, 2 Daphne + Redis, split": the same two processes, clients of one
    document alternating between them (the cross-process path);
  * "reference (Node)": @y/websocket-server@0.1.1 with yjs 13.6, installed
    from npm into bench/.node/ on first use.

Workloads (``--workload a|b|memory|all``, default all):
  * stock: the stock y-websocket 3.1.0 client (Node, as published) edits a
    document on each server next to raw clients and must converge to the
    server's text;
  * a, latency: N editors (2, 10, 50) in one document each send K = 20
    one-character edits 20 ms apart; delivered/expected, fan-out p50 and p99,
    ratios ours/reference; latencies between processes for "split";
  * b, capacity: N editors in one document each type one edit per second
    (random phase) for ~10 s; N steps 50 ... 800 until p95 passes 100 ms
    (in a step and in its rerun); the largest N that held, with the load
    generator's and the servers' CPU;
  * memory: RSS of a fresh Daphne (and Node) per open document and per
    connection, then an idle soak of 1,000 connections.

    python bench/realtime_fanout.py              # everything, ~10 minutes
    python bench/realtime_fanout.py --quick      # a smoke run, ~1.5 minutes
    python bench/realtime_fanout.py --workload b

The load generator is light on purpose: raw non-blocking sockets, each
editor's edits made and framed before timing (sending is one ``send``), and
receivers that do not apply updates: an edit is identified by its Yjs
(client, clock), read from the update's struct headers. Only ``--sample``
receivers (16) parse and time; the rest are read in batches and only answer
pings. Every figure is compared with the reference measured in the same run:
the machine is shared and noisy, compare ratios, not absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from realtime_support import (  # noqa: E402
    NODE_DIR,
    REDIS_URL,
    Drain,
    HandshakeRefused,
    Server,
    UnknownContent,
    WsClient,
    client_frame,
    cpu_seconds,
    create_people,
    create_plans,
    decode_state_vector,
    ensure_reference,
    ensure_stock_client,
    read_var_uint,
    rss_kib,
    setup_django,
    start_ours,
    start_reference,
    update_clock_ranges,
    update_message,
    versions,
    ws_connect,
)

#: Editor i is Yjs client CID_BASE + i in every document.
CID_BASE = 1000
#: Handshakes in flight at once (Daphne's listen backlog is 50).
CONNECT_CONCURRENCY = 32


# --- Server setups ---------------------------------------------------------------


@dataclass
class Setup:
    """A server as the clients see it: which process each client connects to."""

    name: str
    server: Server
    #: (client index, document path) -> index of the process to connect to.
    place: Callable[[int, str], int]

    @property
    def ours(self) -> bool:
        return self.server.ours

    @property
    def reference(self) -> bool:
        return not self.server.ours


def sticky(_i: int, path: str) -> int:
    # What a load balancer hashing the request URI does: every client of one
    # document on one process. (nginx's consistent hash is ketama, not a
    # modulo; any stable hash of the path gives the same picture.)
    return zlib.crc32(path.encode()) % 2


def alternate(i: int, _path: str) -> int:
    return i % 2


def first(_i: int, _path: str) -> int:
    return 0


# --- Editors' edits, made before timing ----------------------------------------------


def make_edits(n: int, k: int) -> list[list[bytes]]:
    """``k`` one-character edits per editor, each a framed, masked update
    message. Editor i types at its own place (after its previous character)
    in a document of its own, with the fixed Yjs client id CID_BASE + i, so
    edit j has clock j."""
    from pycrdt import Doc, Text

    frames = []
    for i in range(n):
        doc = Doc(client_id=CID_BASE + i)
        text = doc.get("markdown", type=Text)
        edits = []
        for j in range(k):
            before = doc.get_state()
            text.insert(j, "x")
            edits.append(client_frame(update_message(doc.get_update(before))))
        frames.append(edits)
    return frames


# --- One measured run ------------------------------------------------------------------


@dataclass
class Outcome:
    setup: str
    n: int
    timed: int
    delivered: int
    expected: int
    latencies: list[float]
    crossing: list[float] = field(default_factory=list)
    frames: int = 0
    carried: int = 0
    #: Edits missing from the server's state after the run (a fresh sync).
    missing_in_server: int = 0
    gaps: int = 0
    unparsed: int = 0
    multi: int = 0
    wall: float = 0.0
    gen_cpu: float = 0.0
    server_cpu: list[float] = field(default_factory=list)
    lag: list[float] = field(default_factory=list)
    closed: int = 0

    def add(self, other: Outcome) -> None:
        self.timed += other.timed
        self.delivered += other.delivered
        self.expected += other.expected
        self.latencies += other.latencies
        self.crossing += other.crossing
        self.frames += other.frames
        self.carried += other.carried
        self.missing_in_server += other.missing_in_server
        self.gaps += other.gaps
        self.unparsed += other.unparsed
        self.multi += other.multi
        self.closed += other.closed
        self.lag += other.lag
        self.wall += other.wall
        self.gen_cpu += other.gen_cpu * other.wall
        if not self.server_cpu:
            self.server_cpu = [0.0] * len(other.server_cpu)
        for i, share in enumerate(other.server_cpu):
            self.server_cpu[i] += share * other.wall

    def averaged(self) -> Outcome:
        """After :meth:`add`: CPU shares back to shares of the pooled wall time."""
        if self.wall:
            self.gen_cpu /= self.wall
            self.server_cpu = [s / self.wall for s in self.server_cpu]
        return self

    def p(self, q: float, values: list[float] | None = None) -> float:
        """The q-quantile in ms; an edit not delivered counts as infinitely
        late (so p95 is infinite when more than 5 % are missing)."""
        values = self.latencies if values is None else values
        if not values:
            return float("nan")
        ordered = sorted(values)
        missing = self.expected - self.delivered if values is self.latencies else 0
        rank = int(q * (len(ordered) + missing))
        return ordered[rank] * 1000 if rank < len(ordered) else float("inf")

    @property
    def all_delivered(self) -> bool:
        return (
            self.delivered == self.expected
            and self.missing_in_server == 0
            and self.closed == 0
        )


class Receiver:
    """A timed receiver's view: the next clock it expects from each editor."""

    __slots__ = ("index", "process", "next_clock")

    def __init__(self, index: int, process: int, n: int) -> None:
        self.index = index
        self.process = process
        self.next_clock = [0] * n


class Measurement:
    """N editors in one fresh document: connect, type on a schedule, time the
    sampled receivers, check the server's final state."""

    def __init__(
        self,
        setup: Setup,
        path: str,
        n: int,
        k: int,
        schedule: list[tuple[float, int, int]],
        cookies: list[str],
        sample: int,
        settle: float,
    ) -> None:
        self.setup = setup
        self.path = path
        self.n = n
        self.k = k
        self.schedule = schedule
        self.cookies = cookies
        self.settle = settle
        self.process = [setup.place(i, path) for i in range(n)]
        self.timed = sorted({i * n // min(n, sample) for i in range(min(n, sample))})
        self.sent_at = [[0.0] * k for _ in range(n)]
        self.latencies: list[float] = []
        self.crossing: list[float] = []
        self.delivered = 0
        self.frames = 0
        #: Edits the timed receivers' frames carried, their own included.
        self.carried = 0
        self.gaps = 0
        self.unparsed = 0
        self.multi = 0

    # Receiving (the hot path of the load generator) ---------------------------------

    def on_readable(self, client: WsClient) -> None:
        data = client.read()
        if not data:
            if client.closed:
                client.loop.remove_reader(client.fd)
            return
        now = time.perf_counter()
        messages = client.feed(data)
        if messages:
            self.take(client.state, messages, now)

    def take(self, me: Receiver, messages: list[bytes], now: float) -> None:
        n = self.n
        sent_at = self.sent_at
        latencies = self.latencies
        for message in messages:
            if message[0] != 0 or message[1] not in (1, 2):  # sync updates only
                continue
            carried = self.carried
            pos = 2
            while pos < len(message):
                if pos > 2:
                    self.multi += 1  # several messages in one frame: not standard
                    if message[pos] != 0 or message[pos + 1] not in (1, 2):
                        break
                    pos += 2
                length, pos = read_var_uint(message, pos)
                update = message[pos : pos + length]
                pos += length
                try:
                    ranges = update_clock_ranges(update)
                except (UnknownContent, IndexError):
                    self.unparsed += 1
                    continue
                for client_id, start, end in ranges:
                    s = client_id - CID_BASE
                    if not 0 <= s < n:
                        continue  # the plan's template, not an editor's edit
                    expected = me.next_clock[s]
                    if end <= expected:
                        continue  # already seen
                    if start > expected:
                        self.gaps += start - expected
                    else:
                        start = expected
                    me.next_clock[s] = end
                    self.carried += end - start
                    if s == me.index:
                        continue
                    sent = sent_at[s]
                    for clock in range(start, end):
                        latencies.append(now - sent[clock])
                    self.delivered += end - start
                    if self.process[s] != me.process:
                        for clock in range(start, end):
                            self.crossing.append(now - sent[clock])
            if self.carried > carried:
                self.frames += 1

    # The run ------------------------------------------------------------------------------

    async def connect_all(self) -> list[WsClient]:
        server = self.setup.server
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def one(i: int) -> WsClient:
            port = server.ports[self.process[i]]
            cookie = self.cookies[i] if self.setup.ours else None
            async with gate:
                client = await ws_connect(port, self.path, cookie)
            client.index = i
            return client

        return list(await asyncio.gather(*(one(i) for i in range(self.n))))

    async def run(self, edits: list[list[bytes]]) -> Outcome:
        loop = asyncio.get_running_loop()
        drain = Drain()
        drain.start()
        clients = await self.connect_all()
        timed = set(self.timed)
        for client in clients:
            if client.index in timed:
                client.state = Receiver(
                    client.index, self.process[client.index], self.n
                )
                loop.add_reader(client.fd, self.on_readable, client)
                if client.buf:
                    rest, client.buf = client.buf, b""
                    client.feed(rest)
            else:
                client.collect = False
                drain.add(client)
        deadline = time.monotonic() + 30 + self.n * 0.05
        while not all(c.synced or c.closed for c in clients):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.setup.name}: clients did not sync")
            await asyncio.sleep(0.01)

        # The connection storm's work must not fall on the first edits.
        await wait_quiet(self.setup.server.pids, timeout=5.0)
        lags: list[float] = []
        ticking = True

        async def ticker() -> None:
            # How late the load generator's loop runs: the receive timestamps
            # are as late as this.
            period = 0.005
            while ticking:
                before = time.perf_counter()
                await asyncio.sleep(period)
                lags.append(time.perf_counter() - before - period)

        tick_task = loop.create_task(ticker())
        pids = self.setup.server.pids
        cpu_before = [cpu_seconds(pid) for pid in pids]
        usage = resource.getrusage(resource.RUSAGE_SELF)
        gen_before = usage.ru_utime + usage.ru_stime
        wall_before = time.perf_counter()
        t0 = wall_before + 0.05
        sent_at = self.sent_at
        for offset, i, j in self.schedule:
            target = t0 + offset
            now = time.perf_counter()
            if target - now > 0.0005:
                await asyncio.sleep(target - now)
            sent_at[i][j] = time.perf_counter()
            clients[i].send(edits[i][j])
        expected = len(self.timed) * (self.n - 1) * self.k
        settle_until = time.perf_counter() + self.settle
        while self.delivered < expected and time.perf_counter() < settle_until:
            await asyncio.sleep(0.005)
        wall = time.perf_counter() - wall_before
        usage = resource.getrusage(resource.RUSAGE_SELF)
        gen_cpu = (usage.ru_utime + usage.ru_stime - gen_before) / wall
        server_cpu = [
            (cpu_seconds(pid) - before) / wall
            for pid, before in zip(pids, cpu_before, strict=True)
        ]
        ticking = False
        await tick_task
        drain.poll()
        closed = sum(1 for c in clients if c.closed)

        # Every edit must be in the server's state, on every process that has
        # clients of this document.
        missing = 0
        for process in sorted(set(self.process)):
            try:
                state = await server_state(
                    self.setup, self.path, process, self.cookies[0]
                )
            except (TimeoutError, ConnectionError) as exc:  # a backlogged server
                print(f"  ({self.setup.name}: final state not read: {exc!r})")
                missing += self.n * self.k
                continue
            vector = decode_state_vector(state_vector_of(state))
            missing += sum(
                max(0, self.k - vector.get(CID_BASE + i, 0)) for i in range(self.n)
            )

        for client in clients:
            if client.index in timed:
                loop.remove_reader(client.fd)
            else:
                drain.discard(client)
            client.close()
        await drain.stop()
        return Outcome(
            self.setup.name,
            self.n,
            len(self.timed),
            self.delivered,
            expected,
            self.latencies,
            self.crossing,
            frames=self.frames,
            carried=self.carried,
            missing_in_server=missing,
            gaps=self.gaps,
            unparsed=self.unparsed,
            multi=self.multi,
            wall=wall,
            gen_cpu=gen_cpu,
            server_cpu=server_cpu,
            lag=lags,
            closed=closed,
        )


def state_vector_of(update: bytes) -> bytes:
    from pycrdt import get_state

    return get_state(update)


async def server_state(setup: Setup, path: str, process: int, cookie: str) -> bytes:
    """The whole document as one process holds it: a fresh client's sync."""
    port = setup.server.ports[process]
    client = await ws_connect(port, path, cookie if setup.ours else None)
    loop = asyncio.get_running_loop()
    found = asyncio.get_running_loop().create_future()

    def readable() -> None:
        data = client.read()
        for message in client.feed(data) if data else []:
            if message[:2] == b"\x00\x01" and not found.done():
                length, pos = read_var_uint(message, 2)
                found.set_result(message[pos : pos + length])
        if client.closed and not found.done():
            found.set_exception(ConnectionError(f"{path}: closed during sync"))

    loop.add_reader(client.fd, readable)
    if client.buf:
        rest, client.buf = client.buf, b""
        for message in client.feed(rest):
            if message[:2] == b"\x00\x01":
                length, pos = read_var_uint(message, 2)
                found.set_result(message[pos : pos + length])
    try:
        return await asyncio.wait_for(found, 30)
    finally:
        loop.remove_reader(client.fd)
        client.close()


async def wait_quiet(pids: list[int], timeout: float = 10.0) -> None:
    """Until the servers are idle (under 5 % of a core over 200 ms): the last
    run's clean-up must not fall on the next run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = [cpu_seconds(pid) for pid in pids]
        await asyncio.sleep(0.2)
        if all(
            cpu_seconds(pid) - b < 0.01 for pid, b in zip(pids, before, strict=True)
        ):
            return


class Documents:
    """Fresh documents: plans of ours (made before the loop starts), rooms of
    the reference (any new name)."""

    def __init__(self, plans: dict[str, list[int]]) -> None:
        self.plans = {kind: iter(ids) for kind, ids in plans.items()}

    def path(self, setup: Setup, kind: str) -> str:
        if setup.ours:
            return f"/ws/docs/{next(self.plans[kind])}/"
        return f"/bench-{kind}-{uuid.uuid4().hex[:8]}"


async def measure(
    setup: Setup,
    docs: Documents,
    kind: str,
    n: int,
    k: int,
    schedule: list[tuple[float, int, int]],
    cookies: list[str],
    sample: int,
    settle: float,
) -> Outcome:
    await wait_quiet(setup.server.pids)
    edits = make_edits(n, k)
    path = docs.path(setup, kind)
    run = Measurement(setup, path, n, k, schedule, cookies, sample, settle)
    return await run.run(edits)


def burst_schedule(n: int, k: int, interval: float) -> list[tuple[float, int, int]]:
    """Workload A: every editor sends edit j at j × interval."""
    return [(j * interval, i, j) for j in range(k) for i in range(n)]


def steady_schedule(n: int, k: int, rng: random.Random) -> list[tuple[float, int, int]]:
    """Workload B: one edit per second per editor, each at its own phase."""
    phases = [rng.random() for _ in range(n)]
    return sorted((phases[i] + j, i, j) for i in range(n) for j in range(k))


# --- Printing --------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value:8.2f}" if value != float("inf") else "     inf"


def pct(delivered: int, expected: int) -> str:
    return f"{100 * delivered / max(1, expected):.1f}%"


def cpu(shares: list[float]) -> str:
    return "+".join(f"{100 * s:.0f}" for s in shares) + "%"


def anomalies(r: Outcome) -> str:
    notes = []
    if r.missing_in_server:
        notes.append(f"{r.missing_in_server} edits missing in the server's state")
    if r.closed:
        notes.append(f"{r.closed} sockets closed")
    if r.gaps:
        notes.append(f"{r.gaps} edits skipped in order")
    if r.unparsed:
        notes.append(f"{r.unparsed} updates unreadable")
    if r.multi:
        notes.append(f"{r.multi} frames with several messages (not standard)")
    return ("  ! " + "; ".join(notes)) if notes else ""


# --- Workload A: latency -----------------------------------------------------------------


async def workload_a(
    setups: list[Setup],
    docs: Documents,
    cookies: list[str],
    args: argparse.Namespace,
) -> dict[tuple[str, int], Outcome]:
    sizes = args.sizes
    pooled: dict[tuple[str, int], Outcome] = {}
    started = time.monotonic()
    for round_index in range(args.rounds):
        for n in sizes:
            shift = (round_index + sizes.index(n)) % len(setups)
            for setup in setups[shift:] + setups[:shift]:
                r = await measure(
                    setup,
                    docs,
                    "a",
                    n,
                    args.edits,
                    burst_schedule(n, args.edits, args.interval),
                    cookies,
                    args.sample,
                    settle=10.0,
                )
                total = pooled.setdefault(
                    (setup.name, n), Outcome(setup.name, n, 0, 0, 0, [])
                )
                total.add(r)
    for r in pooled.values():
        r.averaged()

    print(
        f"\nA. Fan-out latency: N editors in one document, each sending {args.edits}"
        f" one-character edits {args.interval * 1000:.0f} ms apart; {args.rounds}"
        f" interleaved round(s), latencies pooled; up to {args.sample} receivers"
        f" per run parse and time, the others only drain"
        f" ({time.monotonic() - started:.0f} s)"
    )
    print(
        f"{'server':<32} {'N':>3} {'delivered/expected':>19} {'p50 ms':>8}"
        f" {'p99 ms':>8} {'edits/frame':>11} {'gen CPU':>8}  server CPU"
    )
    for setup in setups:
        for n in sizes:
            r = pooled[(setup.name, n)]
            print(
                f"{r.setup:<32} {n:>3} {f'{r.delivered}/{r.expected}':>19}"
                f" {ms(r.p(0.5))} {ms(r.p(0.99))}"
                f" {r.carried / max(1, r.frames):>11.2f} {100 * r.gen_cpu:>7.0f}%"
                f"  {cpu(r.server_cpu)}{anomalies(r)}"
            )
    for setup in setups:
        for n in sizes:
            r = pooled[(setup.name, n)]
            if r.crossing:
                print(
                    f"{r.setup:<32} {n:>3} {'(between processes)':>19}"
                    f" {ms(r.p(0.5, r.crossing))} {ms(r.p(0.99, r.crossing))}"
                )
    reference = next(s for s in setups if s.reference)
    print(
        "\nRatios, ours / reference (lower is better; target: p50 and p99 <= 1.0"
        " at N = 10 and 50, every edit delivered)"
    )
    for setup in setups:
        if setup.reference:
            continue
        for n in sizes:
            r, ref = pooled[(setup.name, n)], pooled[(reference.name, n)]
            r50, r99 = r.p(0.5) / ref.p(0.5), r.p(0.99) / ref.p(0.99)
            verdict = ""
            if n in (10, 50):
                met = r50 <= 1.0 and r99 <= 1.0 and r.all_delivered
                verdict = "  met" if met else "  NOT met"
            print(
                f"{setup.name:<32} N={n:<3} p50 x{r50:.2f}  p99 x{r99:.2f}"
                f"  delivered {pct(r.delivered, r.expected)}{verdict}"
            )
    return pooled


# --- Workload B: capacity -----------------------------------------------------------------


async def workload_b(
    setups: list[Setup],
    docs: Documents,
    cookies: list[str],
    args: argparse.Namespace,
) -> None:
    rng = random.Random(12)
    k = args.step_seconds
    limit = 0.100
    active = list(setups)
    held: dict[str, int] = {s.name: 0 for s in setups}
    started = time.monotonic()
    print(
        f"\nB. Capacity: N editors in one document, each typing one edit per second"
        f" (random phase) for {k} s once all are connected; {args.sample} receivers"
        f" parse and time, the others only drain; a step holds when p95 <= 100 ms"
        f" and every edit is delivered; a step that does not is run once more"
        f" (run 2), and a server stops at its first step that does not hold twice"
    )
    print(
        f"{'server':<32} {'N':>4} {'run':>3} {'delivered':>9} {'p50 ms':>8} {'p95 ms':>8}"
        f" {'p99 ms':>8} {'edits/frame':>11} {'gen CPU':>8} {'gen lag p99':>11}"
        f"  server CPU"
    )
    for step_index, n in enumerate(args.steps):
        if not active:
            break
        shift = step_index % len(active)
        order = active[shift:] + active[:shift]
        # A step that does not hold is run once more, after the others: on
        # this shared machine one burst of someone else's load must not end a
        # server's climb. The same rule applies to every server.
        failed: list[Setup] = []
        for attempt, setups_now in enumerate((order, failed)):
            for setup in list(setups_now):
                r = await measure(
                    setup,
                    docs,
                    "b",
                    n,
                    k,
                    steady_schedule(n, k, rng),
                    cookies,
                    args.sample,
                    settle=5.0,
                )
                p95 = r.p(0.95)
                holds = p95 <= limit * 1000 and r.all_delivered
                if holds:
                    held[setup.name] = n
                elif attempt == 0:
                    failed.append(setup)
                lag = sorted(r.lag)[int(0.99 * len(r.lag))] * 1000 if r.lag else 0.0
                if holds:
                    note = ""
                elif p95 > limit * 1000:
                    note = "  (p95 passed 100 ms)"
                else:
                    note = "  (not all delivered)"
                print(
                    f"{r.setup:<32} {n:>4} {attempt + 1:>3}"
                    f" {pct(r.delivered, r.expected):>9}"
                    f" {ms(r.p(0.5))} {ms(p95)} {ms(r.p(0.99))}"
                    f" {r.carried / max(1, r.frames):>11.2f} {100 * r.gen_cpu:>7.0f}%"
                    f" {lag:>9.1f}ms  {cpu(r.server_cpu)}{note}{anomalies(r)}",
                    flush=True,
                )
        active = [s for s in active if held[s.name] == n]
    top = args.steps[-1]
    print(
        f"\nEditors in one document before p95 passes 100 ms (N up to {top};"
        f" {time.monotonic() - started:.0f} s)"
    )
    reference = next(s for s in setups if s.reference)
    ref = held[reference.name]
    for setup in setups:
        n = held[setup.name]
        shown = f"{n}" if n else f"< {args.steps[0]}"
        if n == top:
            shown += " (every step held)"
        verdict = ""
        if setup.ours:
            if n == ref == top:
                met = "both held every step: raise --steps to tell them apart"
            else:
                met = "met" if n >= 400 and n > ref else "NOT met"
            ratio = (
                f"x{n / ref:.2f} of the reference"
                if ref
                else "the reference held no step"
            )
            verdict = f"  ({ratio}; target >= 400 and more than the reference: {met})"
        print(f"{setup.name:<32} {shown}{verdict}")


# --- Memory and the idle soak ----------------------------------------------------------------


async def open_idle(
    setup: Setup, paths: list[str], cookies: list[str], drain: Drain
) -> list[WsClient]:
    """One idle connection per path (the i-th with the i-th cookie), read by
    ``drain``, synced."""
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one(i: int, path: str) -> WsClient:
        async with gate:
            client = await ws_connect(
                setup.server.ports[0], path, cookies[i] if setup.ours else None
            )
        client.index = i
        client.collect = False
        drain.add(client)
        return client

    clients = list(await asyncio.gather(*(one(i, p) for i, p in enumerate(paths))))
    deadline = time.monotonic() + 60
    while not all(c.synced or c.closed for c in clients):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{setup.name}: idle clients did not sync")
        await asyncio.sleep(0.05)
    return clients


async def settled_rss(pid: int) -> int:
    await asyncio.sleep(1.0)
    await wait_quiet([pid])
    return rss_kib(pid)


async def workload_memory(
    setups: list[Setup], docs: Documents, cookies: list[str], args: argparse.Namespace
) -> None:
    started = time.monotonic()
    soak_cid = CID_BASE + len(cookies) + 7
    received: dict[str, set[int]] = {}

    def on_messages(client: WsClient, messages: list[bytes]) -> None:
        for message in messages:
            if message[:2] != b"\x00\x02":
                continue
            length, pos = read_var_uint(message, 2)
            try:
                ranges = update_clock_ranges(message[pos : pos + length])
            except (UnknownContent, IndexError):
                continue
            if any(c == soak_cid for c, _s, _e in ranges):
                received[str(client.state)].add(client.index)

    rows = []
    held: list[tuple[Setup, list[WsClient], Drain]] = []
    for setup in setups:
        pid = setup.server.pids[0]
        drain = Drain(period=0.05, on_messages=on_messages)
        drain.start()
        warm = await open_idle(setup, [docs.path(setup, "warm")], cookies[:1], drain)
        warm[0].send(make_edits(1, 1)[0][0])
        base = await settled_rss(pid)
        doc_paths = [docs.path(setup, "doc") for _ in range(args.docs)]
        docs_open = await open_idle(setup, doc_paths, cookies[:1] * args.docs, drain)
        with_docs = await settled_rss(pid)
        big = docs.path(setup, "big")
        conns = await open_idle(setup, [big] * args.connections, cookies, drain)
        with_conns = await settled_rss(pid)
        received[setup.name] = set()
        for c in conns:
            c.state = setup.name
            c.collect = True
        per_doc = (with_docs - base) / args.docs
        per_conn = (with_conns - with_docs) / args.connections
        rows.append((setup.name, base, with_docs, with_conns, per_doc, per_conn))
        held.append((setup, [*warm, *docs_open, *conns], drain))

    print(
        f"\nMemory: RSS (VmRSS) of a fresh process with one warm-up document open,"
        f" then with {args.docs} more documents (one idle connection each), then with"
        f" {args.connections} more connections in one document"
    )
    print(
        f"{'server':<32} {'base MiB':>9} {'+docs MiB':>10} {'+conns MiB':>11}"
        f" {'KiB/doc':>8} {'KiB/conn':>9} {'KiB/doc w/o its conn':>21}"
    )
    for name, base, with_docs, with_conns, per_doc, per_conn in rows:
        print(
            f"{name:<32} {base / 1024:>9.1f} {with_docs / 1024:>10.1f}"
            f" {with_conns / 1024:>11.1f} {per_doc:>8.1f} {per_conn:>9.1f}"
            f" {per_doc - per_conn:>21.1f}"
            + (
                "  (negative: the GC freed more than was added)"
                if min(per_doc, per_conn) < 0
                else ""
            )
        )

    # Idle soak: everything stays open (pings answered, nothing sent), then
    # one edit in the big document must reach every other connection there.
    await asyncio.sleep(args.soak)
    print(
        f"\nIdle soak: {args.connections} connections in one document (plus"
        f" {args.docs + 1} others) on one process, held {args.soak:.0f} s idle"
        f" with pings answered, then one edit from one of them"
    )
    for setup, clients, drain in held:
        drain.poll()
        closed = sum(1 for c in clients if c.closed)
        conns = clients[-args.connections :]
        from pycrdt import Doc, Text

        doc = Doc(client_id=soak_cid)
        doc.get("markdown", type=Text).insert(0, "s")
        sent = time.perf_counter()
        conns[0].send(client_frame(update_message(doc.get_update())))
        want = {c.index for c in conns[1:] if not c.closed}
        got = received[setup.name]
        deadline = time.monotonic() + 10
        while not want <= got and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        took = time.perf_counter() - sent
        ok = closed == 0 and want <= got and len(want) == args.connections - 1
        pinged = sum(1 for c in clients if c.pings)
        print(
            f"{setup.name:<32} {closed} closed during the soak, {pinged} pinged"
            f" by the server (answered); the edit reached"
            f" {len(got & want)}/{args.connections - 1} others within {took:.2f} s"
            f" (read every 50 ms): {'held' if ok else 'DID NOT HOLD'}"
        )
        for c in clients:
            drain.discard(c)
            c.close()
        await drain.stop()
    print(f"(memory and soak: {time.monotonic() - started:.0f} s)")


# --- The stock client ------------------------------------------------------------------


async def route_without_slash(setup: Setup, plan_id: int, cookie: str) -> bool:
    try:
        client = await ws_connect(setup.server.ports[0], f"/ws/docs/{plan_id}", cookie)
    except (HandshakeRefused, OSError):
        return False
    await asyncio.sleep(0.3)
    data = client.read()
    if data:
        client.feed(data)
    fine = not client.closed
    client.close()
    return fine


async def stock_check(
    setups: list[Setup], docs: Documents, cookies: list[str], args: argparse.Namespace
) -> None:
    script = ensure_stock_client()
    from pycrdt import Doc, Text

    print(
        "\nStock client: y-websocket"
        f" {json.loads((NODE_DIR / 'node_modules/y-websocket/package.json').read_text())['version']}"
        " (Node, as published) in one document with 10 raw editors sending 20"
        " edits each, typing 5 characters itself; it must converge to the"
        " server's text"
    )
    bare = True
    for setup in setups:
        path = docs.path(setup, "stock")
        stock_index = 10
        process = 1 if len(setup.server.ports) > 1 and setup.place is alternate else 0
        port = setup.server.ports[process]
        if setup.ours:
            plan_id = int(path.strip("/").split("/")[-1])
            bare = await route_without_slash(setup, plan_id, cookies[stock_index])
            server_url, room = f"ws://127.0.0.1:{port}/ws/docs", f"{plan_id}"
            if not bare:
                room += "/"
            cookie, origin = cookies[stock_index], f"http://127.0.0.1:{port}"
        else:
            server_url, room = f"ws://127.0.0.1:{port}", path.lstrip("/")
            cookie = origin = ""
        initial = await server_state(setup, path, process, cookies[0])
        doc = Doc()
        doc.apply_update(initial)
        initial_length = len(str(doc.get("markdown", type=Text)))
        node = await asyncio.create_subprocess_exec(
            "node",
            str(script),
            server_url,
            room,
            cookie,
            origin,
            cwd=NODE_DIR,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert node.stdin is not None and node.stdout is not None

        async def event(name: str, node=node) -> dict:
            while True:
                line = await asyncio.wait_for(node.stdout.readline(), 20)
                if not line:
                    raise RuntimeError("the stock client exited")
                message = json.loads(line)
                if message.get("event") == name:
                    return message

        verdict = "did not converge"
        try:
            await event("synced")
            node.stdin.write(b"type 5\n")
            await node.stdin.drain()
            run = Measurement(
                setup,
                path,
                10,
                20,
                burst_schedule(10, 20, 0.02),
                cookies,
                10,
                settle=10.0,
            )
            r = await run.run(make_edits(10, 20))
            await event("typed")
            want = initial_length + 10 * 20 + 5
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                node.stdin.write(b"dump\n")
                await node.stdin.drain()
                theirs = (await event("text"))["text"]
                texts = []
                for p in sorted({*run.process, process}):
                    server_doc = Doc()
                    server_doc.apply_update(
                        await server_state(setup, path, p, cookies[0])
                    )
                    texts.append(str(server_doc.get("markdown", type=Text)))
                if all(t == theirs for t in texts) and len(theirs) == want:
                    verdict = (
                        f"converged: {len(theirs)} characters, the same on the"
                        f" stock client and the server"
                    )
                    break
                await asyncio.sleep(0.2)
            else:
                verdict = (
                    f"DID NOT CONVERGE: stock client {len(theirs)} characters, server"
                    f" {[len(t) for t in texts]}, expected {want}"
                )
            if not r.all_delivered:
                verdict += f"; raw editors: {anomalies(r) or 'not all delivered'}"
        except (RuntimeError, TimeoutError, ConnectionError) as exc:
            verdict = f"FAILED: {exc!r}"
        finally:
            if node.returncode is None:
                node.stdin.write(b"quit\n")
                try:
                    await asyncio.wait_for(node.wait(), 5)
                except TimeoutError:
                    node.kill()
        where = f"room {room!r} on {server_url}"
        print(f"{setup.name:<32} {where}: {verdict}")
    if any(s.ours for s in setups) and not bare:
        print(
            "(the route without the trailing slash is not served yet, so the stock"
            " client is given the room name '<id>/')"
        )


# --- Main ------------------------------------------------------------------------------------


#: The defaults of ``--quick``.
QUICK = {
    "clients": "2,10",
    "edits": 5,
    "rounds": 1,
    "steps": "20,50",
    "step_seconds": 4,
    "docs": 20,
    "connections": 100,
    "soak": 5,
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--workload", choices=["a", "b", "memory", "all"], default="all"
    )
    parser.add_argument(
        "--quick", action="store_true", help="small and fast: a smoke run"
    )
    parser.add_argument("--clients", default="2,10,50", help="workload A: the N values")
    parser.add_argument(
        "--edits", type=int, default=20, help="workload A: edits per editor"
    )
    parser.add_argument(
        "--interval", type=float, default=0.02, help="workload A: seconds between edits"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="workload A: interleaved rounds"
    )
    parser.add_argument(
        "--steps", default="50,100,200,300,400,600,800", help="workload B: the N values"
    )
    parser.add_argument(
        "--step-seconds",
        type=int,
        default=10,
        help="workload B: seconds of typing per step",
    )
    parser.add_argument(
        "--sample", type=int, default=16, help="receivers per run that parse and time"
    )
    parser.add_argument(
        "--docs", type=int, default=200, help="memory: documents opened"
    )
    parser.add_argument(
        "--connections", type=int, default=1000, help="memory and soak: connections"
    )
    parser.add_argument(
        "--soak", type=float, default=60, help="soak: seconds held idle"
    )
    parser.add_argument(
        "--no-stock", action="store_true", help="skip the stock client check"
    )
    parser.add_argument(
        "--setups",
        default="one,sticky,split",
        help="ours to measure: one, sticky, split (the reference always runs)",
    )
    if parser.parse_known_args()[0].quick:  # smaller defaults; flags still win
        parser.set_defaults(**QUICK)
    args = parser.parse_args()
    args.sizes = [int(x) for x in args.clients.split(",")]
    args.steps = [int(x) for x in args.steps.split(",")]
    args.setups = [x.strip() for x in args.setups.split(",") if x.strip()]
    unknown = set(args.setups) - {"one", "sticky", "split"}
    if unknown:
        parser.error(f"unknown setups: {', '.join(sorted(unknown))}")
    return args


def header() -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"realtime_fanout.py, {now}; load average {load}; {os.cpu_count()} cores")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()))
    print(f"command: {' '.join([Path(sys.argv[0]).name, *sys.argv[1:]])}")


async def run_all(
    args: argparse.Namespace, env: dict, cookies: list[str], docs: Documents
) -> None:
    servers = []
    setups = []
    if "one" in args.setups:
        one = start_ours("ours, 1 Daphne", 1, env)
        servers.append(one)
        setups.append(Setup("ours, 1 Daphne", one, first))
    if {"sticky", "split"} & set(args.setups):
        two = start_ours("ours, 2 Daphne + Redis", 2, {**env, "REDIS_URL": REDIS_URL})
        servers.append(two)
        if "sticky" in args.setups:
            setups.append(Setup("ours, 2 Daphne + Redis, sticky", two, sticky))
        if "split" in args.setups:
            setups.append(Setup("ours, 2 Daphne + Redis, split", two, alternate))
    ref = start_reference()
    servers.append(ref)
    setups.append(Setup("reference (Node)", ref, first))
    try:
        # Warm up each setup (imports, pools, the first room load), untimed.
        for setup in setups:
            await measure(
                setup, docs, "warm", 4, 5, burst_schedule(4, 5, 0.02), cookies, 4, 5.0
            )
        if not args.no_stock:
            await stock_check(
                [s for s in setups if s.place is not sticky], docs, cookies, args
            )
        if args.workload in ("a", "all"):
            await workload_a(setups, docs, cookies, args)
        if args.workload in ("b", "all"):
            await workload_b(setups, docs, cookies, args)
    finally:
        for server in servers:
            server.stop()
    if args.workload in ("memory", "all"):
        # Fresh processes: the runs above leave their high-water mark in RSS.
        mem_one = start_ours("ours, 1 Daphne", 1, env)
        mem_ref = start_reference()
        try:
            await workload_memory(
                [
                    Setup("ours, 1 Daphne", mem_one, first),
                    Setup("reference (Node)", mem_ref, first),
                ],
                docs,
                cookies,
                args,
            )
        finally:
            mem_one.stop()
            mem_ref.stop()


def main() -> None:
    args = parse_args()
    started = time.monotonic()
    header()
    ensure_reference()
    ensure_stock_client()
    workdir = Path(tempfile.mkdtemp(prefix="clusterhub-bench-"))
    try:
        env = setup_django(workdir)
        do_a = args.workload in ("a", "all")
        do_b = args.workload in ("b", "all")
        do_memory = args.workload in ("memory", "all")
        people_needed = max(
            [50, *(args.sizes if do_a else []), *(args.steps if do_b else [])]
            + ([args.connections] if do_memory else [])
        )
        ids, cookies = create_people(people_needed)
        ours = len(args.setups)
        plan_members = {
            "warm": (ids[:10], ours + (1 if do_memory else 0)),
            "stock": (ids[:11], ours),
            "a": (
                ids[: max(args.sizes)],
                args.rounds * len(args.sizes) * ours if do_a else 0,
            ),
            # (each step may be run twice)
            "b": (ids[: max(args.steps)], len(args.steps) * ours * 2 if do_b else 0),
            "doc": (ids[:1], args.docs if do_memory else 0),
            "big": (ids[: args.connections], 1 if do_memory else 0),
        }
        plans = {}
        for kind, (members, count) in plan_members.items():
            plans[kind] = create_plans([members] * count)
        subprocess.run(
            ["redis-cli", "-u", REDIS_URL, "flushdb"], check=False, capture_output=True
        )
        print(
            f"prepared {len(ids)} people with sessions and"
            f" {sum(len(v) for v in plans.values())} plans"
            f" ({time.monotonic() - started:.0f} s)",
            flush=True,
        )
        asyncio.run(run_all(args, env, cookies, Documents(plans)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\ndone in {time.monotonic() - started:.0f} s; load average {load}")


if __name__ == "__main__":
    main()
