"""The stock y-websocket client, as published, against a real Daphne.

Node runs ``stock_client.mjs`` with yjs and y-websocket from
``frontend/node_modules`` (``npm ci``; ``make test`` installs them), given the
usual server URL and room name (``ws://…/ws/docs`` + ``"6"``, so it opens
``/ws/docs/6``). Two editors sync the plan's text, type at once and converge
with a reader on the editor's ``/ws/docs/6/``, and the server's stored
document has both edits. Refused clients (no session, an outsider, a foreign
origin, a room that is no plan) get the permission-denied message and a 44xx
close, and the server sees exactly one attempt from each (Daphne's access
log), where a retrying client would have come back three or four times.

The server is a Daphne subprocess on its own migrated SQLite file
(``tests/e2e/live_server_daphne.py``): pytest-django's in-memory test
database cannot be opened by another process. So it runs the same on both CI
passes and runs in the SQLite pass only (``ONCE_PER_CI``).

Without Node or ``frontend/node_modules`` it skips locally, saying why, and
fails under CI (``CI`` set, as ``.ci/run`` does).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets

from realtime import yprotocol
from realtime.consumers import REASON_REFUSED
from realtime.origins import REASON_ORIGIN
from realtime.routing import REASON_NO_ROUTE
from tests.e2e.live_server_daphne import ONCE_PER_CI, DaphneServer, seeded_daphne

pytestmark = ONCE_PER_CI

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
SCRIPT = Path(__file__).with_name("stock_client.mjs")
WATCH_MS = 3000

SEED = """
import json
from allauth.account.models import EmailAddress
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from hub.core.models import User
from ideas.models import Idea, TeamMembership, TeamRole
from ideas.plans import get_or_create_plan

people, sessions = {}, {}
for key in ("owner", "editor", "viewer", "outsider"):
    email = key + "@example.org"
    user = User.objects.create_user(email=email, password=None, display_name=key.title())
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    people[key], sessions[key] = user, "sessionid=" + session.session_key
plans, texts = {}, {}
for slug in ("together", "anonymous", "outsider", "origin"):
    idea = Idea.objects.create(
        owner=people["owner"], title="Plan " + slug, pitch="Bikes for all.",
        problem="Too few bikes.", solution="Shared bikes.",
    )
    TeamMembership.objects.create(idea=idea, user=people["editor"], role=TeamRole.EDITOR)
    TeamMembership.objects.create(idea=idea, user=people["viewer"], role=TeamRole.VIEWER)
    plan = get_or_create_plan(idea)
    plans[slug], texts[slug] = plan.pk, plan.text
print(json.dumps({"plans": plans, "texts": texts, "sessions": sessions}))
"""


def _node() -> str:
    """The node binary, or skip (fail under CI) with what is missing."""
    node = shutil.which("node")
    if node is None:
        problem = "Node.js is not installed: apt-get install nodejs npm (.ci/run does)"
    elif not (FRONTEND / "node_modules" / "y-websocket" / "package.json").exists():
        problem = (
            "frontend/node_modules is missing: run npm ci in frontend/ (make test does)"
        )
    else:
        return node
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the stock-client test: {problem}")
    pytest.skip(problem)


@pytest.fixture(scope="module")
def node() -> str:
    return _node()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[DaphneServer]:
    with seeded_daphne(Path(tmp_path_factory.mktemp("stock")), SEED) as daphne:
        yield daphne


def run_client(node: str, server: DaphneServer, mode: str, **given: object) -> dict:
    given.update(
        frontend=str(FRONTEND),
        server=f"ws://127.0.0.1:{server.port}/ws/docs",
        origin=server.url,
    )
    result = subprocess.run(
        [node, str(SCRIPT), mode, json.dumps(given)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0 and lines, (
        f"node exited {result.returncode}:\n{result.stdout}\n{result.stderr}\n"
        f"Daphne:\n{server.log()}"
    )
    out = json.loads(lines[-1])
    # The packages as installed from the lock file, not some other copy.
    pinned = json.loads((FRONTEND / "package.json").read_text())["dependencies"]
    assert out["versions"] == {
        "yjs": pinned["yjs"],
        "y-websocket": pinned["y-websocket"],
    }
    return out


def handshakes(server: DaphneServer, path: str) -> int:
    """How many WebSocket handshakes Daphne's access log shows for ``path``."""
    return len(re.findall(rf'"WSCONNECTING {re.escape(path)}"', server.log()))


def stored_text(server: DaphneServer, plan_id: int) -> str:
    return server.run_python(
        "import json\nfrom ideas import documents as store\n"
        f"print(json.dumps(store.load_text({plan_id})))"
    )


def test_two_stock_clients_sync_type_at_once_and_converge(node, server):
    seeded = server.seeded
    plan = seeded["plans"]["together"]
    sessions = seeded["sessions"]
    alpha, beta = "ALPHA typed in Node one. ", "BETA typed in Node two. "
    out = run_client(
        node, server, "converge",
        textName="markdown",
        editors=[
            {"room": str(plan), "cookie": sessions["owner"], "words": alpha, "after": "## Problem\n"},
            {"room": str(plan), "cookie": sessions["editor"], "words": beta, "after": "## Solution\n"},
        ],
        # The bundled editor's form of the address, in the same room.
        reader={"room": f"{plan}/", "cookie": sessions["viewer"]},
    )  # fmt: skip
    base = f"ws://127.0.0.1:{server.port}/ws/docs/{plan}"
    assert out["urls"] == [base, base, base + "/"]
    # Each synced the plan's existing text first.
    assert out["initial"] == [seeded["texts"]["together"]] * 3
    assert out["converged"], out["final"]
    final = out["final"][0]
    assert out["final"] == [final] * 3
    assert final.count(alpha) == 1 and final.count(beta) == 1
    assert final.index("## Problem\n" + alpha) < final.index("## Solution\n" + beta)
    assert out["attempts"] == [1, 1, 1] and out["warnings"] == []

    # The server wrote both edits (its update log, read back by a new process).
    deadline = time.monotonic() + 10
    while (text := stored_text(server, plan)) != final and time.monotonic() < deadline:
        time.sleep(0.2)
    assert text == final


def test_refused_stock_clients_are_told_why_and_do_not_come_back(node, server):
    plans, sessions = server.seeded["plans"], server.seeded["sessions"]
    cases = [
        # name, room, cookie, origin, expected close code, reason
        ("anonymous", str(plans["anonymous"]), None, None, 4403, REASON_REFUSED),
        ("outsider", str(plans["outsider"]), sessions["outsider"], None, 4403, REASON_REFUSED),
        # the owner's own session, from another port of the same host
        ("origin", str(plans["origin"]), sessions["owner"],
         f"http://127.0.0.1:{server.port + 1}", 4403, REASON_ORIGIN),
        ("no plan", "abc", sessions["owner"], None, 4404, REASON_NO_ROUTE),
    ]  # fmt: skip
    out = run_client(
        node, server, "refused",
        watchMs=WATCH_MS,
        clients=[
            {"name": name, "room": room, "cookie": cookie, "origin": origin}
            for name, room, cookie, origin, _code, _reason in cases
        ],
    )  # fmt: skip
    base = f"ws://127.0.0.1:{server.port}/ws/docs"
    for (name, room, _cookie, _origin, code, reason), seen in zip(
        cases, out["clients"], strict=True
    ):
        url = f"{base}/{room}"
        assert seen == {
            "name": name,
            "url": url,
            "attempts": 1,
            "closes": [code],
            "terminal": [code],  # y-websocket's "closed": it gave up
            "statuses": ["connected", "disconnected"],  # (after "connecting")
            "synced": False,
            "shouldConnect": False,
            # y-websocket's console.warn for the permission-denied message
            "warnings": [f"Permission denied to access {url}.\n{reason}"],
        }, name
        assert handshakes(server, f"/ws/docs/{room}") == 1, (name, server.log())
    assert "Traceback" not in server.log()


async def _until_closed(url: str, **headers: str) -> tuple[list[bytes], int | None]:
    """The frames a raw client gets on ``url``, and the close code."""
    frames = []
    async with websockets.connect(url, additional_headers=headers) as ws:
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                frames.append(await asyncio.wait_for(ws.recv(), 5))
        return frames, ws.close_code


async def _stays_open(url: str, **headers: str) -> bool:
    async with websockets.connect(url, additional_headers=headers) as ws:
        try:
            await asyncio.wait_for(ws.recv(), 0.5)
        except TimeoutError:
            return True
        return False


def test_daphne_answers_unknown_paths_with_4404_not_an_http_500(server):
    # (websockets.connect raises InvalidStatus for a 500: the failure.)
    base = f"ws://127.0.0.1:{server.port}"
    told = yprotocol.permission_denied(REASON_NO_ROUTE)
    for path, frames in [
        ("/ws/nothing", []),
        ("/ws/docs/6/extra", [told]),
        ("/ws/docs", [told]),
    ]:
        assert asyncio.run(_until_closed(base + path, Origin=server.url)) == (
            frames,
            4404,
        ), path
    # The owner's bell stays open from our origin; from localhost:3000 it is
    # refused.
    owner = server.seeded["sessions"]["owner"]
    bell = base + "/ws/notifications/"
    assert asyncio.run(_stays_open(bell, Origin=server.url, Cookie=owner))
    assert asyncio.run(
        _until_closed(bell, Origin="http://localhost:3000", Cookie=owner)
    ) == ([], 4403)
    log = server.log()
    assert "No route found" not in log and "Traceback" not in log, log
