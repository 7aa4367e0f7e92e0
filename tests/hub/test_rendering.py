"""The Markdown renderer and the ``as_html`` filter against hostile input.

Every output is checked by :func:`policy_violations`, which parses the HTML
(``html.parser``) instead of matching substrings, so that an attribute hidden
behind odd quoting or an entity-encoded URL scheme is still seen for what a
browser would make of it.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template import Context, Template

from hub.core import rendering
from hub.core.rendering import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    markdown_excerpt,
    render_markdown,
)
from tests.support.corpus import CORPUS

# The shared corpus beside the repo, else the small one in tests/support/corpus/.
BAD_INPUT = CORPUS / "bad-input"
PAYLOADS = BAD_INPUT / "payloadsallthethings"

SAFE_SCHEMES = {"http", "https", "mailto"}
FORBIDDEN_ATTRIBUTES = {"style", "srcdoc", "formaction", "id", "class"}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster",
    "background", "cite", "srcset",
}  # fmt: skip
DANGEROUS_SUBSTRINGS = ("<script", "<iframe", "<object", "<embed", "<style")
LINK_REL = "nofollow noopener"

# Read a URL's scheme the way the WHATWG URL parser does: leading and trailing
# C0 controls and spaces are stripped, and tab/CR/LF are removed anywhere, so
# " \x01java\tscript:" still runs script. Other controls inside the word
# ("java\x01script:") end the scheme and make the URL relative, hence harmless.
_URL_EDGES = "".join(chr(c) for c in range(0x21))
_URL_TABS_NEWLINES = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def url_is_safe(value: str) -> bool:
    """Relative, or one of the allowed schemes, after decoding entities again."""
    decoded = html.unescape(value).strip(_URL_EDGES)
    cleaned = _URL_TABS_NEWLINES.sub("", decoded).lower()
    match = _SCHEME.match(cleaned)
    return match is None or match.group(1) in SAFE_SCHEMES


class _PolicyParser(HTMLParser):
    """Collects every way a fragment breaks the sanitizer's contract."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.violations: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.violations.append(f"tag <{tag}> is not allowlisted")
        allowed = set(ALLOWED_ATTRIBUTES.get(tag, set()))
        if tag == "a":
            allowed.add("rel")
        names = {name for name, _ in attrs}
        for name, value in attrs:
            if name.startswith("on"):
                self.violations.append(f"event handler {name} on <{tag}>")
            if name in FORBIDDEN_ATTRIBUTES:
                self.violations.append(f"forbidden attribute {name} on <{tag}>")
            if name not in allowed:
                self.violations.append(f"attribute {name} not allowlisted on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None and not url_is_safe(value):
                self.violations.append(f"unsafe URL {name}={value!r} on <{tag}>")
        if tag == "a":
            rel = dict(attrs).get("rel")
            if rel != LINK_REL:
                self.violations.append(f"<a> has rel={rel!r}, not {LINK_REL!r}")
        if "href" in names and tag != "a":
            self.violations.append(f"href on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self.violations.append(f"end tag </{tag}> is not allowlisted")

    def handle_comment(self, data: str) -> None:
        self.violations.append(f"comment survived: {data[:40]!r}")

    def handle_decl(self, decl: str) -> None:
        self.violations.append(f"declaration survived: {decl[:40]!r}")

    def handle_pi(self, data: str) -> None:
        self.violations.append(f"processing instruction survived: {data[:40]!r}")

    def unknown_decl(self, data: str) -> None:
        self.violations.append(f"CDATA/unknown declaration survived: {data[:40]!r}")


def policy_violations(fragment: str) -> list[str]:
    parser = _PolicyParser()
    parser.feed(fragment)
    parser.close()
    lowered = fragment.lower()
    violations = list(parser.violations)
    violations += [
        f"substring {s!r} survived" for s in DANGEROUS_SUBSTRINGS if s in lowered
    ]
    return violations


def assert_safe(fragment: str) -> None:
    violations = policy_violations(fragment)
    assert not violations, f"{violations} in {fragment!r}"


def text_of(fragment: str) -> str:
    """The visible text of a fragment (entities decoded)."""
    parts: list[str] = []
    parser = HTMLParser()
    parser.handle_data = parts.append  # type: ignore[method-assign]
    parser.feed(fragment)
    parser.close()
    return "".join(parts)


# --- The policy checker itself must catch what it claims to ----------------------


@pytest.mark.parametrize(
    "bad_html",
    [
        "<script>alert(1)</script>",
        '<p onclick="x">hi</p>',
        '<a href="java&#x09;script:alert(1)" rel="nofollow noopener">x</a>',
        '<a href="https://e.org">x</a>',
        '<p style="color:red">x</p>',
        '<h3 id="x">x</h3>',
        "<!-- hidden -->",
        "<img src=x>",
    ],
)
def test_the_policy_checker_rejects_unsafe_html(bad_html):
    # A checker that accepts everything would make every test below pass.
    assert policy_violations(bad_html)


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.org", True),
        ("/ideas/1/", True),
        ("#section", True),
        ("mailto:a@example.org", True),
        ("java\x01script:alert(1)", True),  # not a scheme: a relative path
        ("javascript:alert(1)", False),
        (" \x01JavaScript:alert(1)", False),
        ("java\tscr\nipt:alert(1)", False),
        ("&#106;avascript:alert(1)", False),
        ("data:text/html,x", False),
    ],
)
def test_the_url_check_reads_schemes_like_a_browser(url, safe):
    assert url_is_safe(url) is safe


# --- XSS payloads written as Markdown or raw HTML ----------------------------------

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">'
    "x</a>",
    '<a href="&#x6A;avascript&#x3A;alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href=" \x01javascript:alert(1)">x</a>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    "[x][1]\n\n[1]: javascript:alert(1)",
    '[x][1]\n\n[1]: javascript:alert(1) "title"',
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    '[x](https://example.org "a" onclick="alert(1)")',
    "[x](https://example.org 'a\" onmouseover=\"alert(1)')",
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<base href="https://evil.example/">',
    '<a href="https://example.org" style="position:fixed;top:0">x</a>',
    '<div onmouseover="alert(1)">hover</div>',
    '<details open ontoggle="alert(1)"><summary>x</summary></details>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!-- <script>alert(1)</script> -->",
    "<!--><script>alert(1)</script>-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "```\n<script>alert(1)</script>\n```",
    "| a | b |\n|---|---|\n| <td onclick=alert(1)>1 | <b onmouseover=alert(1)>2</b> |",
    "<input autofocus onfocus=alert(1)>",
    "<body onload=alert(1)>",
    '<video><source onerror="alert(1)"></video>',
    "<template><script>alert(1)</script></template>",
    "<textarea><script>alert(1)</script></textarea>",
    "<select><option onclick=alert(1)>x</option></select>",
    '<button formaction="javascript:alert(1)">x</button>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<h3 id="login" class="evil">spoof</h3>',
    '<p><a href="https://ok.example" onclick="alert(1)">ok</a></p>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<a href="http://ok.example/" rel="opener">keep rel policy</a>',
    "<img src=`javascript:alert(1)`>",
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
]


def test_the_payload_list_is_long_and_distinct():
    assert len(set(XSS_PAYLOADS)) == len(XSS_PAYLOADS) >= 40


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_it_strips_script_handlers_and_bad_urls(payload):
    assert_safe(render_markdown(payload))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_it_strips_the_same_payloads_when_stored_html_is_shown(payload):
    # ``as_html`` sanitizes rows that never went through render_markdown.
    assert_safe(rendering.sanitize_html(payload))


def test_it_escapes_script_inside_fenced_code():
    out = render_markdown("```\n<script>alert(1)</script>\n```")
    assert out.startswith("<pre><code>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_it_keeps_a_quoted_link_title_inside_the_attribute():
    out = render_markdown('[x](https://example.org "a" onclick="alert(1)")')
    assert_safe(out)
    assert 'href="https://example.org"' in out


# --- Shared corpora: one test per file, failures collected -----------------------


def _failures(payloads: list[str]) -> list[tuple[str, list[str]]]:
    failures = []
    for payload in payloads:
        try:
            violations = policy_violations(render_markdown(payload))
        except Exception as exc:  # a crash is a failure too, not a test error
            violations = [f"raised {exc!r}"]
        if violations:
            failures.append((payload, violations))
    return failures


def _lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return [line for line in text.splitlines() if line.strip()]


def test_it_survives_the_rsnake_xss_cheat_sheet():
    payloads = _lines(PAYLOADS / "XSS_Injection-Intruders-RSNAKE_XSS.txt")
    assert len(payloads) > 50
    assert _failures(payloads) == []


def test_it_survives_the_xss_polyglots():
    payloads = _lines(PAYLOADS / "XSS_Injection-Intruders-XSS_Polyglots.txt")
    assert len(payloads) > 10
    assert _failures(payloads) == []


def test_it_survives_the_svg_xss_files():
    files = sorted(PAYLOADS.glob("XSS_Injection-Files-*.svg"))
    payloads = [f.read_text(encoding="utf-8", errors="replace") for f in files]
    assert len(payloads) == 2
    assert _failures(payloads) == []


def test_it_survives_the_big_list_of_naughty_strings():
    payloads = json.loads(
        (BAD_INPUT / "blns" / "blns.json").read_text(encoding="utf-8")
    )
    payloads = [p for p in payloads if isinstance(p, str)]
    assert len(payloads) > 400
    assert _failures(payloads) == []


# --- Good Markdown still renders -------------------------------------------------


def test_it_renders_tables():
    out = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<table>" in out
    assert "<th>a</th>" in out
    assert "<td>2</td>" in out
    assert_safe(out)


def test_it_renders_fenced_code():
    out = render_markdown("```python\nprint('hi')\n```")
    assert "<pre><code>" in out
    assert "print(&#x27;hi&#x27;)" in out or "print('hi')" in out
    assert_safe(out)


def test_it_keeps_https_links_and_adds_rel():
    out = render_markdown("[docs](https://example.org/a?b=1)")
    assert 'href="https://example.org/a?b=1"' in out
    assert 'rel="nofollow noopener"' in out
    assert_safe(out)


def test_it_keeps_mailto_and_relative_links():
    out = render_markdown("[mail](mailto:a@example.org) and [page](/ideas/)")
    assert 'href="mailto:a@example.org"' in out
    assert 'href="/ideas/"' in out
    assert_safe(out)


def test_it_makes_a_hash_heading_an_h3_by_default():
    out = render_markdown("# Title\n\n## Sub")
    assert "<h3>Title</h3>" in out
    assert "<h4>Sub</h4>" in out
    assert "id=" not in out  # the toc extension's ids are stripped


def test_it_honours_heading_base():
    out = render_markdown("# Title", heading_base=4)
    assert "<h4>Title</h4>" in out


def test_it_renders_lists():
    out = render_markdown("- one\n- two\n\n1. first\n2. second")
    assert "<ul>" in out and "<ol>" in out
    assert out.count("<li>") == 4


def test_it_renders_emphasis():
    out = render_markdown("*soft* **loud** ~~not~~ `code`")
    assert "<em>soft</em>" in out
    assert "<strong>loud</strong>" in out
    assert "<code>code</code>" in out


def test_it_returns_empty_string_for_empty_input():
    assert render_markdown("") == ""


# --- Pathological input: no exception, plain escaped text ------------------------


def test_it_renders_thousands_of_nested_brackets_as_plain_text():
    out = render_markdown("[" * 5000 + "x" + "]" * 5000)
    assert isinstance(out, str)
    assert "<a" not in out
    assert "[[[[" in out and "]]]]" in out
    assert_safe(out)


def test_it_renders_thousands_of_unclosed_links_as_plain_text():
    out = render_markdown("[x](" * 3000)
    assert isinstance(out, str)
    assert "<a" not in out
    assert "[x](" in out
    assert_safe(out)


def test_it_survives_a_blockquote_nested_a_thousand_deep():
    out = render_markdown("> " * 1000 + "x")
    assert isinstance(out, str)
    assert "x" in text_of(out)
    assert_safe(out)


def test_it_survives_a_list_nested_six_hundred_deep():
    out = render_markdown("".join("  " * i + "- x\n" for i in range(600)))
    assert isinstance(out, str)
    assert "x" in text_of(out)
    assert_safe(out)


def test_it_falls_back_to_escaped_paragraphs_on_recursion_error(monkeypatch):
    # Whether the nesting above actually exhausts the stack depends on the
    # interpreter, so force the fallback path to test it directly.
    def too_deep(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(rendering.markdown, "markdown", too_deep)
    out = render_markdown("<script>alert(1)</script>\nline two\n\n> second")
    assert out == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;<br>line two</p><p>&gt; second</p>"
    )
    assert_safe(out)


# --- The as_html template filter ------------------------------------------------


def _as_html(value: object) -> str:
    return Template("{% load clusterhub %}{{ value|as_html }}").render(
        Context({"value": value})
    )


def test_as_html_resanitizes_stored_html():
    # A *_html column edited behind the app's back must still not carry script.
    out = _as_html("<script>alert(1)</script><p onclick=x>hi</p>")
    assert "<p>hi</p>" in out
    assert "alert" not in out
    assert "onclick" not in out
    assert_safe(out)


def test_as_html_does_not_double_escape_safe_markup():
    out = _as_html(render_markdown("**bold** [l](https://example.org)"))
    assert "<strong>bold</strong>" in out
    assert 'href="https://example.org"' in out


def test_as_html_shows_nothing_for_none():
    assert _as_html(None) == ""


# --- markdown_excerpt ------------------------------------------------------------


def test_markdown_excerpt_returns_plain_text_without_tags():
    out = markdown_excerpt(
        "# Title\n\nSome **bold** <b>tag</b> and [a link](https://e.org)."
    )
    assert out == "Title Some bold tag and a link."
    assert "<" not in out


def test_markdown_excerpt_drops_script_content():
    out = markdown_excerpt("<script>alert(1)</script>hello")
    assert "<" not in out
    assert "alert" not in out


@pytest.mark.parametrize("length", [1, 10, 50, 200])
def test_markdown_excerpt_is_at_most_the_given_length(length):
    out = markdown_excerpt("word **strong** " * 100, length)
    assert len(out) <= length
    assert "<" not in out


def test_markdown_excerpt_keeps_short_text_whole():
    assert markdown_excerpt("short *text*", 200) == "short text"


@pytest.mark.parametrize(
    ("source", "levels"),
    [
        ("## Why\n\ntext\n\n## How", [3, 3]),
        ("#### Deep first\n\n# Then top", [3, 3]),
        ("# A\n\n### skips\n\n##### more\n\n## back", [3, 4, 5, 4]),
        ("# A\n\n## B\n\n### C\n\n#### D\n\n##### E\n\n###### F", [3, 4, 5, 6, 6, 6]),
    ],
)
def test_user_headings_start_at_the_base_and_never_skip_a_level(source, levels):
    rendered = render_markdown(source)
    found = [int(n) for n in re.findall(r"<h([1-6])>", rendered)]
    closing = [int(n) for n in re.findall(r"</h([1-6])>", rendered)]
    assert found == levels
    assert closing == levels
