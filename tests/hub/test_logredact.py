"""Secrets in URLs stay out of the logs (hub.core.logredact): the redaction
itself, every secret route of the URLconf covered, every configured handler
filtered, and the logs of a whole invitation flow and a password reset read
back from the handlers that write them. Daphne's access log: test_logredact_daphne.py."""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections.abc import Iterator

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from hub.core.logredact import MARKER, RedactSecrets, redact
from programs import services
from programs.models import MemberRole

LINK = re.compile(r"https?://[^/\s]+(/invitations/([A-Za-z0-9_-]+)/)")
RESET = re.compile(r"https?://[^/\s]+(/accounts/password/reset/key/([^/\s]+)/)")

# --------------------------------------------------------------------------------------
# The redaction
# --------------------------------------------------------------------------------------

SECRET = "Zq9-s3cr3t_Value"


@pytest.mark.parametrize(
    "text",
    [
        f"Not Found: /invitations/{SECRET}/",
        f'127.0.0.1:5 - - [02/Dec/2026:01:00:00] "GET /invitations/{SECRET}/" 200 9',
        f"https://hub.example.org/invitations/{SECRET}/",
        f"/accounts/login/?next=%2Finvitations%2F{SECRET}%2F",
        f"/accounts/login/?next=%2finvitations%2f{SECRET}%2f&x=1",
        f"/accounts/password/reset/key/1a-{SECRET}/",
        f"/accounts/confirm-email/MQ:{SECRET}:x/",
        f"/accounts/login/?next=%2Faccounts%2Fconfirm-email%2FMQ%3A{SECRET}%2F",
        f"/api/v1/ideas/?token={SECRET}&page=2",
        f"/api/v1/ideas/?page=2&TOKEN={SECRET}",
        f"/x/?access_token={SECRET}",
        f"/x/?next=%2Fy%2F%3Ftoken%3D{SECRET}",
    ],
)
def test_the_secret_is_replaced_and_the_rest_is_kept(text):
    redacted = redact(text)
    assert SECRET not in redacted
    assert MARKER in redacted
    before, after = redacted.split(MARKER)  # the rest of the line is kept
    assert text.startswith(before) and text.endswith(after)
    assert redact(redacted) == redacted


@pytest.mark.parametrize(
    "text",
    [
        "Starting server at tcp:port=8000:interface=127.0.0.1",
        "/programs/sir-2027/invitations/new/",
        "/programs/sir-2027/invitations/12/resend/",
        "/programs/sir-2027/invitations/12/revoke/",
        "/accounts/password/reset/key/done/",
        "/api/v1/ideas/?venture=3&page=2&postal_code=75001",
        "/ideas/12/?monkey=banana",
    ],
)
def test_what_holds_no_secret_is_left_alone(text):
    assert redact(text) == text


SECRET_NAMES = re.compile(r"token|key|secret|sign|uid|code|password", re.IGNORECASE)


def _routes(
    patterns, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:  # pragma: no branch
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name, entry


def _parameters(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.regex.groupindex)


def test_every_route_with_a_secret_in_its_url_is_redacted():
    """Walks the URLconf: a route whose parameters look secret (a token, a
    key, a uid...) must be redacted by the registry in hub.core.logredact, so
    a new secret route cannot go unnoticed."""
    samples = {"uidb36": "1a", "int": "7"}
    found = []
    for name, pattern in _routes(get_resolver().url_patterns):
        names = _parameters(pattern)
        secret = [n for n in names if SECRET_NAMES.search(n)]
        if not secret:
            continue
        kwargs = {n: samples.get(n) or (SECRET if n in secret else "x7") for n in names}
        try:
            path = reverse(name, kwargs=kwargs)
        except Exception:  # a converter refusing the sample: try digits
            kwargs = {n: "7" if n not in secret else SECRET for n in names}
            path = reverse(name, kwargs=kwargs)
        found.append(path)
        if SECRET in path:
            assert SECRET not in redact(path), f"{name} ({path}) is not redacted"
    # The ones this issue named are among them.
    assert any(p.startswith("/invitations/") for p in found), found
    assert any("/password/reset/key/" in p for p in found), found
    assert any("/confirm-email/" in p for p in found), found


def test_every_configured_handler_redacts():
    """A handler without the filter would write secrets; Django's own
    DEFAULT_LOGGING handlers are replaced by settings.LOGGING's."""
    handlers = {
        handler
        for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
        if isinstance(logger, logging.Logger)
        for handler in logger.handlers
        if not type(handler).__module__.startswith("_pytest")
        and not isinstance(handler, logging.NullHandler)  # writes nothing
    }
    assert handlers
    for handler in handlers:
        assert any(isinstance(f, RedactSecrets) for f in handler.filters), handler


def test_the_filter_redacts_arguments_of_any_kind_and_tracebacks():
    record = logging.LogRecord(
        "django.channels.server", logging.INFO, __file__, 1,
        "HTTP %(method)s %(path)s %(status)s", ({"method": "GET",
        "path": f"/invitations/{SECRET}/", "status": 200},), None,
    )  # fmt: skip
    assert RedactSecrets().filter(record)
    assert record.getMessage() == f"HTTP GET /invitations/{MARKER}/ 200"
    try:
        raise ValueError(f"/accounts/confirm-email/{SECRET}/")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "boom %d",
            (3,),
            __import__("sys").exc_info(),
        )
    RedactSecrets().filter(record)
    assert record.getMessage() == "boom 3"
    assert SECRET not in logging.Formatter().format(record)


# --------------------------------------------------------------------------------------
# A whole invitation flow and a password reset, read back from the handlers
# --------------------------------------------------------------------------------------


@contextlib.contextmanager
def written_logs() -> Iterator[io.StringIO]:
    """What every configured stream handler writes, into one buffer, at DEBUG
    (the filters run in the handlers, as in production)."""
    buffer = io.StringIO()
    swapped = []
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        if not isinstance(logger, logging.Logger):
            continue
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and not type(
                handler
            ).__module__.startswith("_pytest"):
                swapped.append((handler, handler.setStream(buffer), handler.level))
                handler.setLevel(logging.DEBUG)
    root_level = logging.getLogger().level
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        logging.getLogger().setLevel(root_level)
        for handler, stream, level in swapped:
            handler.setStream(stream)
            handler.setLevel(level)


@pytest.mark.django_db
def test_an_invitation_flow_and_a_password_reset_leave_no_secret_in_the_logs(
    program, people, make_user, django_capture_on_commit_callbacks, caplog
):
    cache.clear()
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = []
    with written_logs() as logs:
        # The manager invites; the link is mailed.
        with django_capture_on_commit_callbacks(execute=True):
            services.send_invitations(
                program, actor=people["staff"], text="nora@example.org",
                role=MemberRole.RESIDENT, cohort=None, link_base="http://testserver/",
            )  # fmt: skip
        path, token = LINK.search(mail.outbox[-1].body).groups()
        secrets.append(token)
        logging.getLogger("programs").info("Invitation link sent: %s", path)

        anonymous = Client()
        assert anonymous.get(path).status_code == 200
        to_login = anonymous.post(path)  # signed out: sent to sign in first
        assert to_login.status_code == 302 and token in to_login["Location"]
        wrong = "W" + token[1:]
        secrets.append(wrong)
        assert anonymous.get(f"/invitations/{wrong}/").status_code == 404

        nora = make_user("nora@example.org")
        client = Client()
        client.force_login(nora)
        assert client.get(path).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(path).status_code == 302  # accepted
        assert client.get(path).status_code == 410  # used: "Gone" is logged

        # A password reset link, opened and opened again once used up.
        Client().post("/accounts/password/reset/", {"email": "nora@example.org"})
        reset_path, reset_key = RESET.search(mail.outbox[-1].body).groups()
        secrets.append(reset_key.split("-", 1)[1])
        logging.getLogger("django.channels.server").info(
            "HTTP %(method)s %(path)s %(status)s", {"method": "GET",
            "path": reset_path, "status": 302},
        )  # fmt: skip
        reset = Client()
        assert reset.get(reset_path).status_code == 302
        assert reset.get(f"/accounts/password/reset/key/1a-{wrong}/").status_code

    written = logs.getvalue()
    assert f"/invitations/{MARKER}/" in written  # the Not Found and Gone lines
    assert "Not Found" in written and "Gone" in written
    assert f"/password/reset/key/{MARKER}/" in written
    captured = "\n".join(
        [r.getMessage() for r in caplog.records] + [caplog.text, written]
    )
    for secret in secrets:
        assert secret not in captured
