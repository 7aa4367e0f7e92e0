"""Shared pieces of the co-editing benchmarks (``realtime_fanout.py``,
``realtime_chaos.py``): the client side of the y-websocket wire format, a light
raw WebSocket client for load generation, our Daphne servers and the reference
Node server, and a database with people, sessions and plans.

Not a benchmark itself; nothing here is imported by the application.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_DIR = ROOT / "bench" / ".node"
REFERENCE_PACKAGES = ["@y/websocket-server@0.1.1", "yjs@13.6.33", "ws@8.18.3"]
#: The stock client, as published (the one the bundled editor uses too).
STOCK_CLIENT_PACKAGES = ["y-websocket@3.1.0"]
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


def sync_step2(update: bytes) -> bytes:
    return b"\x00\x01" + var_uint(len(update)) + update


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


def decode_state_vector(data: bytes) -> dict[int, int]:
    count, pos = read_var_uint(data, 0)
    vector = {}
    for _ in range(count):
        client, pos = read_var_uint(data, pos)
        vector[client], pos = read_var_uint(data, pos)
    return vector


class UnknownContent(ValueError):
    """A struct whose content this reader does not skip (JSON, Any, subdoc)."""


def _skip_string(data: bytes, pos: int) -> int:
    length, pos = read_var_uint(data, pos)
    return pos + length


def update_clock_ranges(update: bytes) -> list[tuple[int, int, int]]:
    """``(client, first clock, end clock)`` of each client's structs in a v1
    update, read from the struct headers without applying the update.

    ``pycrdt.get_state(update)`` cannot stand in for this: like Yjs, it counts
    a client only when the update holds its structs from clock 0, so a merged
    update of later edits gives an empty state vector. A struct's length is
    its content's (a string's UTF-16 length), so an edit of one character is
    one clock, whether the server relays it alone, merged with others or
    squashed with the same client's next one. Raises :class:`UnknownContent`
    for content types no edit of the benchmarks makes.
    """
    out = []
    clients, pos = read_var_uint(update, 0)
    for _ in range(clients):
        structs, pos = read_var_uint(update, pos)
        client, pos = read_var_uint(update, pos)
        clock, pos = read_var_uint(update, pos)
        start = clock
        for _ in range(structs):
            info = update[pos]
            pos += 1
            ref = info & 0x1F
            if ref in (0, 10):  # GC, Skip
                length, pos = read_var_uint(update, pos)
                clock += length
                continue
            if info & 0x80:  # origin
                pos = read_var_uint(update, read_var_uint(update, pos)[1])[1]
            if info & 0x40:  # right origin
                pos = read_var_uint(update, read_var_uint(update, pos)[1])[1]
            if not info & 0xC0:  # parent: a root type's name or an item's id
                is_key, pos = read_var_uint(update, pos)
                if is_key == 1:
                    pos = _skip_string(update, pos)
                else:
                    pos = read_var_uint(update, read_var_uint(update, pos)[1])[1]
                if info & 0x20:  # parent sub (a map key)
                    pos = _skip_string(update, pos)
            if ref == 4:  # string
                size, pos = read_var_uint(update, pos)
                text = update[pos : pos + size]
                pos += size
                clock += (
                    size
                    if text.isascii()
                    else len(text.decode().encode("utf-16-le")) // 2
                )
            elif ref == 1:  # deleted
                length, pos = read_var_uint(update, pos)
                clock += length
            elif ref in (3, 5):  # binary, embed
                pos = _skip_string(update, pos)
                clock += 1
            elif ref == 6:  # format
                pos = _skip_string(update, _skip_string(update, pos))
                clock += 1
            elif ref == 7:  # type
                type_ref, pos = read_var_uint(update, pos)
                if type_ref in (3, 5):  # XmlElement, XmlHook: a name
                    pos = _skip_string(update, pos)
                clock += 1
            else:
                raise UnknownContent(f"content type {ref}")
        out.append((client, start, clock))
    return out


# --- A light raw WebSocket client (RFC 6455, client side) ------------------------------

_WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def client_frame(payload: bytes, opcode: int = 0x2) -> bytes:
    """One final client frame, masked as RFC 6455 requires of clients."""
    n = len(payload)
    if n < 126:
        header = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        header = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    key = os.urandom(4)
    mask = (key * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(mask, "big")).to_bytes(
        n, "big"
    )
    return header + key + masked


#: What a fresh, empty client sends right after the handshake: its state
#: vector (sync step 1) and its answer to the server's step 1 (step 2, an
#: empty update: it has nothing yet). Sending the answer first is fine, it
#: does not depend on the server's state vector.
HELLO = client_frame(sync_step1(b"\x00")) + client_frame(sync_step2(b"\x00\x00"))
CLOSE_FRAME = client_frame((1000).to_bytes(2, "big"), 0x8)


#: Bytes per read. Not more: CPython allocates the whole buffer for each
#: recv(), and past glibc's mmap threshold (128 KiB) that is an mmap, mremap
#: and munmap per call, which made the load generator's system time dominate.
READ_SIZE = 65536


class HandshakeRefused(ConnectionError):
    pass


class WsClient:
    """One client socket, non-blocking, without an asyncio transport: the
    caller decides when it is read (at once for timed receivers, in batches
    for the others, see :class:`Drain`). Writes go straight to the socket.

    ``feed()`` parses the server's frames; it answers pings (Daphne and the
    reference close sockets that do not pong), notes a close, marks the client
    synced at the server's sync step 2, and returns the binary messages when
    ``collect`` is set (otherwise it only walks the frame headers).
    """

    __slots__ = (
        "sock",
        "fd",
        "loop",
        "index",
        "port",
        "collect",
        "buf",
        "out",
        "frag",
        "synced",
        "closed",
        "close_code",
        "pings",
        "state",
    )

    def __init__(self, sock: socket.socket, loop: asyncio.AbstractEventLoop) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.loop = loop
        self.index = 0
        self.port = 0
        self.collect = True
        self.buf = b""
        self.out = b""
        self.frag: list[bytes] | None = None
        self.synced = False
        self.closed = False
        self.close_code: int | None = None
        self.pings = 0
        self.state: object = None

    def send(self, data: bytes) -> None:
        if self.closed:
            return
        if self.out:
            self.out += data
            return
        try:
            sent = self.sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            self.closed = True
            return
        if sent < len(data):
            self.out = data[sent:]
            self.loop.add_writer(self.fd, self._write_rest)

    def _write_rest(self) -> None:
        try:
            sent = self.sock.send(self.out)
        except BlockingIOError:
            return
        except OSError:
            self.closed = True
            sent = len(self.out)
        self.out = self.out[sent:]
        if not self.out:
            self.loop.remove_writer(self.fd)

    def read(self) -> bytes:
        """What the socket holds now, up to READ_SIZE bytes (b"" if nothing;
        marks EOF as closed)."""
        try:
            data = self.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return b""
        except OSError:
            self.closed = True
            return b""
        if not data:
            self.closed = True
        return data

    def feed(self, data: bytes) -> list[bytes]:
        buf = self.buf + data if self.buf else data
        n = len(buf)
        pos = 0
        messages: list[bytes] = []
        collect = self.collect
        while n - pos >= 2:
            b0 = buf[pos]
            length = buf[pos + 1] & 0x7F
            start = pos + 2
            if length == 126:
                if n - pos < 4:
                    break
                length = (buf[pos + 2] << 8) | buf[pos + 3]
                start = pos + 4
            elif length == 127:
                if n - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                start = pos + 10
            end = start + length
            if end > n:
                break
            pos = end
            opcode = b0 & 0x0F
            if opcode == 0x2 and b0 & 0x80:
                if collect:
                    messages.append(buf[start:end])
                elif not self.synced and buf[start : start + 2] == b"\x00\x01":
                    self.synced = True
            elif opcode == 0x9:
                self.pings += 1
                self.send(client_frame(buf[start:end], 0xA))
            elif opcode == 0x8:
                self.closed = True
                self.close_code = (
                    int.from_bytes(buf[start : start + 2], "big")
                    if length >= 2
                    else 1005
                )
            elif opcode in (0x1, 0x2):  # the first fragment of a message
                self.frag = [buf[start:end]]
            elif opcode == 0x0 and self.frag is not None:
                self.frag.append(buf[start:end])
                if b0 & 0x80:
                    message, self.frag = b"".join(self.frag), None
                    if collect:
                        messages.append(message)
                    elif message[:2] == b"\x00\x01":
                        self.synced = True
        self.buf = buf[pos:] if pos < n else b""
        if collect:
            for message in messages:
                if message[:2] == b"\x00\x01":
                    self.synced = True
                    break
        return messages

    def close(self) -> None:
        if self.out:
            self.loop.remove_writer(self.fd)
            self.out = b""
        if not self.closed:
            with contextlib.suppress(OSError):
                self.sock.send(CLOSE_FRAME)
        self.closed = True
        self.sock.close()


async def ws_connect(
    port: int, path: str, cookie: str | None = None, *, origin: bool = True
) -> WsClient:
    """Open ``ws://127.0.0.1:<port><path>`` by hand: the HTTP upgrade with
    Host, Origin (exactly this process's ``http://127.0.0.1:<port>``) and the
    session cookie, then :data:`HELLO`. Raises :class:`HandshakeRefused` if
    the server does not switch protocols."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        await loop.sock_connect(sock, ("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16))
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key.decode()}",
            "Sec-WebSocket-Version: 13",
        ]
        if origin:
            lines.append(f"Origin: http://127.0.0.1:{port}")
        if cookie:
            lines.append(f"Cookie: {cookie}")
        await loop.sock_sendall(sock, ("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = await loop.sock_recv(sock, 65536)
            if not chunk:
                raise HandshakeRefused(f"{path}: closed during the handshake")
            data += chunk
        head, rest = data.split(b"\r\n\r\n", 1)
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise HandshakeRefused(f"{path}: {status.decode(errors='replace')}")
        expected = base64.b64encode(
            hashlib.sha1(key + _WS_GUID, usedforsecurity=False).digest()
        )
        if b"sec-websocket-accept: " + expected.lower() not in head.lower():
            raise HandshakeRefused(f"{path}: wrong Sec-WebSocket-Accept")
    except BaseException:
        sock.close()
        raise
    client = WsClient(sock, loop)
    client.port = port
    client.buf = rest
    client.send(HELLO)
    return client


class Drain:
    """Reads many clients' sockets in batches: every ``period`` seconds one
    ``epoll`` poll (own instance, timeout 0) finds the sockets holding data,
    and each is read once. A client that is not timed needs no prompt read,
    and reading many frames per call keeps the load generator light."""

    def __init__(
        self,
        period: float = 0.25,
        on_messages: Callable[[WsClient, list[bytes]], None] | None = None,
    ) -> None:
        self.period = period
        self.on_messages = on_messages
        self.epoll = select.epoll()
        self.clients: dict[int, WsClient] = {}
        self.task: asyncio.Task | None = None

    def add(self, client: WsClient) -> None:
        self.clients[client.fd] = client
        self.epoll.register(client.fd, select.EPOLLIN)
        if client.buf:  # (bytes that came with the handshake response)
            rest, client.buf = client.buf, b""
            self._deliver(client, rest)

    def discard(self, client: WsClient) -> None:
        if self.clients.pop(client.fd, None) is not None:
            with contextlib.suppress(OSError, ValueError):
                self.epoll.unregister(client.fd)

    def _deliver(self, client: WsClient, data: bytes) -> None:
        messages = client.feed(data)
        if messages and self.on_messages is not None:
            self.on_messages(client, messages)

    def poll(self) -> None:
        clients = self.clients
        for fd, _events in self.epoll.poll(0):
            client = clients.get(fd)
            if client is None:
                continue
            data = client.read()
            while data:
                self._deliver(client, data)
                data = client.read() if len(data) == READ_SIZE else b""
            if client.closed:
                self.discard(client)

    async def _run(self) -> None:
        while True:
            self.poll()
            await asyncio.sleep(self.period)

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        self.epoll.close()


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


def _npm_install(packages: list[str]) -> None:
    if shutil.which("npm") is None:
        raise SystemExit("npm is needed to install the reference server")
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    package_json = NODE_DIR / "package.json"
    if not package_json.exists():
        package_json.write_text('{"private": true, "type": "module"}\n')
    subprocess.run(
        [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--silent",
            "--save-exact",
            *packages,
        ],
        cwd=NODE_DIR,
        check=True,
    )


def ensure_reference() -> Path:
    server = NODE_DIR / "node_modules" / "@y" / "websocket-server" / "src" / "server.js"
    if not server.exists():
        _npm_install(REFERENCE_PACKAGES)
    return server


STOCK_CLIENT_JS = """\
// Written by bench/realtime_support.py: the stock y-websocket client as
// published, driven over stdin (type N, dump, quit), reporting on stdout.
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
import readline from 'node:readline'

const [serverUrl, room, cookie, origin] = process.argv.slice(2)
const say = (message) => console.log(JSON.stringify(message))

class HeaderSocket extends WebSocket {
  constructor (url, protocols) {
    super(url, protocols, { origin: origin || undefined, headers: cookie ? { Cookie: cookie } : {} })
  }
}

const doc = new Y.Doc()
const text = doc.getText('markdown')
const provider = new WebsocketProvider(serverUrl, room, doc, {
  WebSocketPolyfill: HeaderSocket, disableBc: true
})
provider.on('sync', (synced) => { if (synced) say({ event: 'synced', url: provider.url }) })
provider.on('connection-close', (event) => say({ event: 'close', code: event && event.code }))

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, arg] = line.trim().split(' ')
  if (command === 'type') {
    let left = Number(arg)
    const timer = setInterval(() => {
      text.insert(text.length, 's')
      if (--left <= 0) { clearInterval(timer); say({ event: 'typed' }) }
    }, 20)
  } else if (command === 'dump') {
    say({ event: 'text', text: text.toString(), synced: provider.synced })
  } else if (command === 'quit') {
    provider.destroy()
    setTimeout(() => process.exit(0), 50)
  }
})
"""


def ensure_stock_client() -> Path:
    """The stock client's packages in bench/.node next to the reference's,
    and a script driving it (see :data:`STOCK_CLIENT_JS`)."""
    ensure_reference()
    if not (NODE_DIR / "node_modules" / "y-websocket" / "package.json").exists():
        _npm_install(STOCK_CLIENT_PACKAGES)
    script = NODE_DIR / "stock_client.mjs"
    if not script.exists() or script.read_text() != STOCK_CLIENT_JS:
        script.write_text(STOCK_CLIENT_JS)
    return script


def node_package_version(name: str) -> str:
    try:
        meta = json.loads(
            (NODE_DIR / "node_modules" / name / "package.json").read_text()
        )
    except OSError:
        return "not installed"
    return str(meta.get("version"))


def versions() -> dict[str, str]:
    """Versions of the servers' parts, for the benchmark's header."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("daphne", "twisted", "channels", "channels-redis", "pycrdt"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    try:
        node = subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        node = "not found"
    out["node"] = node
    for name in ("@y/websocket-server", "yjs", "ws", "y-websocket"):
        out[name] = node_package_version(name)
    return out


# --- Processes: CPU time and memory from /proc --------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


@dataclass
class Server:
    name: str
    ports: list[int]
    processes: list[subprocess.Popen] = field(default_factory=list)
    ours: bool = True

    def url(self, i: int, room: str) -> str:
        port = self.ports[i % len(self.ports)]
        return f"ws://127.0.0.1:{port}/{room}"

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

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
        # Each process trusts its own origin: the clients connect to it
        # directly, with the Origin a page served by it would send.
        trusted = [o for o in env.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
        process_env = {
            **env,
            "CSRF_TRUSTED_ORIGINS": ",".join([*trusted, f"http://127.0.0.1:{port}"]),
        }
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
                env=process_env,
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


def setup_django(workdir: Path) -> dict[str, str]:
    """Settings for our servers (and this process): production-like, on a
    fresh PostgreSQL database, migrated. Returns the servers' environment."""
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
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


def prepare_django(
    workdir: Path, max_clients: int, rooms: int
) -> tuple[dict, list[str], list[int]]:
    env = setup_django(workdir)
    from django.conf import settings
    from django.test import Client

    from hub.core.models import User
    from ideas.models import Idea, TeamMembership, TeamRole
    from ideas.plans import get_or_create_plan

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


def create_people(count: int) -> tuple[list[int], list[str]]:
    """``count`` people with a signed-in session each, made in bulk (no
    password hashing: their passwords are unusable). Returns their ids and
    their ``Cookie`` header values. Call after :func:`setup_django`."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from hub.core.models import User

    start = User.objects.count()
    people = User.objects.bulk_create(
        User(
            email=f"p{start + i}@bench.test",
            display_name=f"Editor {start + i}",
            password=make_password(None),
        )
        for i in range(count)
    )
    backend = "django.contrib.auth.backends.ModelBackend"
    expires = timezone.now() + timedelta(days=1)
    store = SessionStore()
    sessions = []
    for person in people:
        data = {
            SESSION_KEY: str(person.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: person.get_session_auth_hash(),
        }
        sessions.append(
            Session(
                session_key=get_random_string(32),
                session_data=store.encode(data),
                expire_date=expires,
            )
        )
    Session.objects.bulk_create(sessions)
    name = settings.SESSION_COOKIE_NAME
    return [p.pk for p in people], [f"{name}={s.session_key}" for s in sessions]


def create_plans(members: list[list[int]]) -> list[int]:
    """One plan per list of people, each of them an editor of it."""
    from hub.core.models import User
    from ideas.models import Idea, TeamMembership, TeamRole
    from ideas.plans import get_or_create_plan

    owner, _ = User.objects.get_or_create(
        email="owner@bench.test", defaults={"display_name": "Owner"}
    )
    plan_ids = []
    for r, people in enumerate(members):
        idea = Idea.objects.create(
            owner=owner, title=f"Bench {r}", pitch="p", problem="p", solution="s"
        )
        TeamMembership.objects.bulk_create(
            TeamMembership(idea=idea, user_id=p, role=TeamRole.EDITOR) for p in people
        )
        plan_ids.append(get_or_create_plan(idea).pk)
    return plan_ids
