"""Which URLs may become links: the one rule every import and page applies.

A URL from outside (a catalog, a directory, the API, a form) becomes a link
only if a browser would follow it to an ``http`` or ``https`` address
(``mailto`` where an e-mail address is meant). The value is read the way a
browser reads an ``href`` (the WHATWG URL standard): HTML entities decoded,
leading and trailing C0 controls and spaces stripped, tabs and newlines removed
anywhere, the scheme compared without case. So ``" JaVa&#83;cript:"``,
``"java\\tscript:"`` and ``"\\x01javascript:"`` are all ``javascript:``, and
refused.

``stored_url`` is what imports keep: the link, an ``ftp:`` address as inert
text, or nothing. Scheme-relative (``//host/path``) and relative URLs are refused too: an
imported URL should say where it goes, and a relative one would resolve against
the hub's own address.
"""

from __future__ import annotations

import html
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# WHATWG: "remove any leading and trailing C0 control or space" (U+0000-U+0020),
# then "remove all ASCII tab or newline" (U+0009, U+000A, U+000D).
_C0_OR_SPACE = "".join(chr(code) for code in range(0x21))
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
WEB_SCHEMES = frozenset({"http", "https"})


def browser_view(value: object) -> str:
    """``value`` as a browser reads it in an ``href``, before resolving it."""
    if value is None:
        return ""
    text = html.unescape(str(value)).strip(_C0_OR_SPACE)
    return _TAB_OR_NEWLINE.sub("", text)


def safe_link(value: object, *, mailto: bool = False) -> str:
    """The URL a browser would follow, if it is an http(s) address with a host
    (or a ``mailto:`` one when ``mailto``); "" for anything else."""
    url = browser_view(value)
    match = _SCHEME.match(url)
    if not match or _CONTROL.search(url):
        return ""
    scheme = match.group(1).lower()
    rest = url[match.end() :]
    if scheme in WEB_SCHEMES:
        # "http:\\host" and "http:host" reach the host too; "http://" alone or
        # "http:///?x" has none, and no browser goes anywhere with it.
        host = rest.lstrip("/\\")
        return url if host and host[0] not in "?#" else ""
    if mailto and scheme == "mailto":
        return url if "@" in rest else ""
    return ""


# Schemes no browser opens any more but which name a real place to fetch from
# (old catalogs list ftp:// downloads): stored and shown as text, never linked.
INERT_SCHEMES = frozenset({"ftp", "ftps"})


def stored_url(value: object) -> str:
    """What an import keeps of an outside URL: the safe link, or an ftp(s)
    address as plain text; "" (dropped) for anything else."""
    if link := safe_link(value):
        return link
    url = browser_view(value)
    match = _SCHEME.match(url)
    if match and match.group(1).lower() in INERT_SCHEMES and not _CONTROL.search(url):
        return url
    return ""


def is_safe_link(value: object, *, mailto: bool = False) -> bool:
    return bool(safe_link(value, mailto=mailto))


def validate_web_link(value: object) -> None:
    """A form or API field's check: empty, or a safe http(s) link."""
    if value and not safe_link(value):
        raise ValidationError(_("Use an http:// or https:// address."), code="invalid")
