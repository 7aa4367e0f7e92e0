"""URLs a hostile catalog or directory sends, and the check that a page links
none of them (issue 13). Each is read as a browser reads an ``href``."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hub.core.safelinks import browser_view

#: Written to land anywhere but an http(s) page; none may become a link.
HOSTILE = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\x01javascript:alert(1)",
    "\x00javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java\rscript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript&#x3A;alert(1)",
    "jav&#x09;ascript:alert(1)",
    "javascript&colon;alert(1)",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    " DATA:text/html,x",
    "file:///etc/passwd",
    "FILE://c:/windows/win.ini",
    "//evil.example/x",
    "\\\\evil.example\\x",
    "/\\evil.example",
    "http:",
    "https://",
    "mailto:someone@evil.example",
    "ftp://ftp.evil.example/x.zip",
]
#: Controls: real web addresses, which stay links.
SAFE = ["http://ok.example/a", "HTTPS://ok.example/b?x=1&y=2", " https://ok.example/c "]
#: What a row can hold when written past the importer (PostgreSQL refuses NUL
#: in text; the importers remove it).
STORABLE = [url for url in [*HOSTILE, *SAFE] if "\x00" not in url]

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_LINK_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset"}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.values.extend(v or "" for k, v in attrs if k in _LINK_ATTRIBUTES)


def bad_links(page: str) -> list[str]:
    """Every href/src of ``page`` that leaves the hub for anything but http(s):
    another scheme, or a scheme-relative or backslashed address."""
    parser = _Links()
    parser.feed(page)
    bad = []
    for value in parser.values:
        url = browser_view(value)
        match = _SCHEME.match(url)
        if match:
            if match.group(1).lower() not in {"http", "https"}:
                bad.append(value)
        elif url[:2] in {"//", "\\\\", "/\\", "\\/"}:
            bad.append(value)
    return bad
