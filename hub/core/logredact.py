"""Keep secrets that travel in URLs out of the logs.

An invitation link, allauth's password-reset and e-mail-confirmation links and
a ``?token=`` in a query string all carry a secret in the URL, and URLs end up
in log lines: Django's "Not Found: /invitations/<token>/" warnings, the
development server's request lines, and Daphne's access log. :func:`redact`
replaces the secret part with ``[redacted]`` and keeps the rest of the line, so
a log still says which page was asked for and how it was answered.

The secret URLs are listed once, in ``SECRET_PATHS`` (a test walks the URLconf
and fails when a route with a secret-looking parameter is not covered). They are
matched also percent-encoded, as they appear in ``?next=%2Finvitations%2F...``.

:class:`RedactSecrets` is the logging filter that ``settings.LOGGING`` puts on
every handler; ``hub.core.serve`` runs Daphne with the same redaction applied to
its access log, which Daphne writes to a stream rather than through logging.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

MARKER = "[redacted]"

# A path separator, also percent-encoded (a path inside ?next=...).
_SLASH = r"(?:/|%2[fF])"
# One path segment: anything up to the next separator, query or fragment; a
# percent-escape other than an encoded slash belongs to the segment.
_SEGMENT = r"(?:%(?!2[fF])|[^/%?#&\s\"'<>])+"

#: The routes whose last segment is a secret: (prefix, what it is). The prefix
#: is a regex matched anywhere in the text, so a script prefix or a full
#: absolute URL in front of it changes nothing.
SECRET_PATHS: tuple[tuple[str, str], ...] = (
    # programs: invitations/<token>/ (not a program's invitations/new/ or
    # invitations/<pk>/resend/ and /revoke/, which hold no secret)
    (
        _SLASH
        + r"invitations"
        + _SLASH
        + r"(?!new(?:/|%2[fF])|\d+(?:/|%2[fF])re(?:send|voke)(?:/|%2[fF]))",
        "program invitation token",
    ),  # fmt: skip
    # allauth: password/reset/key/<uidb36>-<key>/ (but not .../key/done/)
    (
        _SLASH
        + r"password"
        + _SLASH
        + r"reset"
        + _SLASH
        + r"key"
        + _SLASH
        + r"(?!done(?:/|%2[fF]|$))",
        "password reset key",
    ),  # fmt: skip
    # allauth: confirm-email/<key>/
    (_SLASH + r"confirm-email" + _SLASH, "e-mail confirmation key"),
)

#: Query-string parameters whose value is a secret, wherever they appear.
SECRET_PARAMETERS: tuple[str, ...] = (
    "token",
    "access_token",
    "refresh_token",
    "api_key",
    "apikey",
    "key",
    "secret",
    "password",
    "signature",
    "sig",
    "code",
)

_PATH_RE = re.compile(
    "(" + "|".join(prefix for prefix, _ in SECRET_PATHS) + ")" + _SEGMENT
)
_PARAMETER_RE = re.compile(
    r"((?:[?&;]|%3[fF]|%26)(?:" + "|".join(SECRET_PARAMETERS) + r")(?:=|%3[dD]))"
    r"(?:%(?!26|3[fF])|[^&#\s\"'<>%])+",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` with every secret of a URL in it replaced by ``[redacted]``."""
    if "/" not in text and "%" not in text and "=" not in text:
        return text  # the common log line: nothing that could hold a URL
    text = _PATH_RE.sub(lambda m: m.group(1) + MARKER, text)
    return _PARAMETER_RE.sub(lambda m: m.group(1) + MARKER, text)


def redact_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """Daphne's action-logger details with the path redacted."""
    redacted = dict(details)
    if isinstance(redacted.get("path"), str):
        redacted["path"] = redact(redacted["path"])
    return redacted


class RedactSecrets(logging.Filter):
    """Redacts the secrets of URLs from a record's message, its traceback and
    its stack. Put it on handlers: a filter on a logger does not see records
    that propagate to it from the loggers below.

    When something is redacted, the record's ``msg`` becomes the finished
    message and its ``args`` empty, whatever the arguments were (a path, the
    details dict of Daphne's ``runserver``, a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports it itself
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
