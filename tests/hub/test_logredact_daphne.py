"""Daphne's access log keeps no secret: a real ``python -m hub.core.serve``
(the command of `make run` and docs/operations.md) serves a whole invitation
flow and a password-reset link, and everything it writes (the access log on
stdout, Django's log records on stderr) is read back.

It runs on its own temporary SQLite file, so it runs in the SQLite pass only.
"""

from __future__ import annotations

import http.cookiejar
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from hub.core.logredact import MARKER
from tests.e2e.live_server_daphne import server_env

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="runs on its own SQLite Daphne whatever the suite's database: "
    "the SQLite pass runs it",
)

_BOOT = "import sys; from hub.core.serve import main; main(sys.argv[1:])"

# A manager invites nora; prints the link's token, a password-reset key for
# nora, and a signed-in session for her.
SEED = """
import json, re
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from hub.core.models import Role, User
from programs import services
from programs.models import MemberRole, Program

settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
staff = User.objects.create_user(
    email="sam@example.org", password="x", display_name="Sam", role=Role.STAFF
)
program = Program.objects.create(name="Residence", slug="residence")
program.managers.add(staff)
services.send_invitations(
    program, actor=staff, text="nora@example.org", role=MemberRole.RESIDENT,
    cohort=None, link_base="http://testserver/",
)
token = re.search(r"/invitations/([A-Za-z0-9_-]+)/", mail.outbox[-1].body)[1]
nora = User.objects.create_user(
    email="nora@example.org", password="x", display_name="Nora"
)
EmailAddress.objects.create(user=nora, email=nora.email, verified=True, primary=True)
session = SessionStore()
session[SESSION_KEY] = str(nora.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = nora.get_session_auth_hash()
session.create()
print(json.dumps({
    "token": token,
    "reset": user_pk_to_url_str(nora) + "-" + default_token_generator.make_token(nora),
    "session": session.session_key,
}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path) -> dict[str, str]:
    return server_env(tmp_path, "logredact-only-")


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _request(opener, url: str, data: bytes | None = None, headers=None) -> int:
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    try:
        with opener.open(request, timeout=20) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_the_access_log_of_an_invitation_flow_holds_no_secret(tmp_path):
    env = _env(tmp_path)
    _manage(env, "migrate", "--no-input", "-v0")
    seeded = json.loads(
        _manage(env, "shell", "--no-imports", "-c", SEED).strip().splitlines()[-1]
    )
    token, reset = seeded["token"], seeded["reset"]
    wrong = "W" + token[1:]

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "daphne.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, "-b", "127.0.0.1", "-p", str(port),
             "hub.asgi:application"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)

        anonymous = urllib.request.build_opener(_NoRedirect)
        link = f"{url}/invitations/{token}/"
        assert _request(anonymous, link) == 200  # opened, signed out
        next_ = urllib.parse.urlencode({"next": f"/invitations/{token}/"})
        assert _request(anonymous, f"{url}/accounts/login/?{next_}") == 200
        assert _request(anonymous, f"{url}/invitations/{wrong}/") == 404

        # Nora, signed in, opens the link and accepts.
        jar = http.cookiejar.CookieJar()
        nora = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), _NoRedirect
        )
        jar.set_cookie(
            http.cookiejar.Cookie(
                0,
                "sessionid",
                seeded["session"],
                None,
                False,
                "127.0.0.1",
                False,
                False,
                "/",
                True,
                False,
                None,
                False,
                None,
                None,
                {},
            )  # fmt: skip
        )
        assert _request(nora, link) == 200
        csrf = next(c.value for c in jar if c.name == "csrftoken")
        accepted = _request(
            nora, link, data=b"", headers={"X-CSRFToken": csrf, "Referer": link}
        )
        assert accepted == 302
        assert _request(nora, link) == 410  # used up

        # A password-reset link, and a token in a query string.
        reset_link = f"{url}/accounts/password/reset/key/{reset}/"
        assert _request(anonymous, reset_link) == 302
        assert _request(anonymous, f"{url}/api/v1/datasets/?token={token}") == 200
    finally:
        process.terminate()
        process.wait(timeout=20)

    written = log_path.read_text(errors="replace")
    # The access log saw every request, with the secret replaced.
    assert f'"GET /invitations/{MARKER}/' in written, written
    assert f'"POST /invitations/{MARKER}/' in written, written
    assert f"next=%2Finvitations%2F{MARKER}%2F" in written, written
    assert f"/password/reset/key/{MARKER}/" in written, written
    assert f"/api/v1/datasets/?token={MARKER}" in written, written
    for secret in (token, wrong, reset.split("-", 1)[1]):
        assert secret not in written, written
