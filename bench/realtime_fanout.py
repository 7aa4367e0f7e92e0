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
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from realtime_support import (  # noqa: E402
    REDIS_URL,
    Server,
    parse_sync,
    prepare_django,
    start_ours,
    start_reference,
    sync_step1,
    update_ids,
    update_message,
    var_uint,
)

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
