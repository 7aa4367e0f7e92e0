"""The one Markdown renderer: python-markdown, then an nh3 allowlist.

Python-Markdown passes raw HTML and any link scheme through, so its output is
never trusted: everything goes through :func:`sanitize_html`. Models render at
save time (``*_html`` fields) and templates show those fields through the
``as_html`` filter, which sanitizes again so that a row edited behind the app's
back still cannot carry script.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any

import markdown
import nh3

logger = logging.getLogger(__name__)

#: Longest Markdown source we render; forms enforce their own, smaller limits.
MAX_SOURCE_LENGTH = 200_000
#: Python-Markdown's link parser is quadratic in nested ``[``: 4,000 of them
#: take seconds. Past this many we escape brackets (links become plain text).
MAX_OPEN_BRACKETS = 1_000

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s",
    "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"scope"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener"


def sanitize_html(fragment: str, *, extra_tags: frozenset[str] = frozenset()) -> str:
    """Reduce an HTML fragment to the allowlist: no script, handler or bad URL."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS | extra_tags,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")


def nest_headings(fragment: str, base: int) -> str:
    """Renumber headings so the first is ``base`` and none skips a level.

    Pages put user Markdown under their own h1/h2; a user's "##" or "####"
    must not jump levels (screen readers navigate by heading level).
    """
    stack: list[tuple[int, int]] = []  # (level written, level shown)
    shown_for_close: list[int] = []

    def renumber(match: re.Match[str]) -> str:
        closing, level = match.group(1), int(match.group(2))
        if closing:
            return f"</h{shown_for_close.pop() if shown_for_close else level}>"
        while stack and stack[-1][0] >= level:
            stack.pop()
        shown = min(6, stack[-1][1] + 1 if stack else base)
        stack.append((level, shown))
        shown_for_close.append(shown)
        return f"<h{shown}>"

    return _HEADING_TAG.sub(renumber, fragment)


def _plain_paragraphs(text: str) -> str:
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(
        "<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs
    )


def render_markdown(text: str, *, heading_base: int = 3) -> str:
    """Render user Markdown to sanitized HTML.

    ``heading_base`` is the level the first heading becomes and later ones
    nest from it without skipping levels, so user headings fit under the
    page's own (an idea's description sits under an h2).
    Tables and fenced code are on. Input that would make the parser
    pathological (deep nesting, thousands of brackets) is shown as escaped
    plain text instead of failing.
    """
    if not text:
        return ""
    source = text[:MAX_SOURCE_LENGTH]
    if source.count("[") > MAX_OPEN_BRACKETS:
        source = source.replace("[", "\\[").replace("]", "\\]")
    try:
        rendered = markdown.markdown(
            source,
            extensions=["tables", "fenced_code", "sane_lists"],
            output_format="html",
        )
    except RecursionError:
        logger.warning("Markdown nested too deeply; showing it as plain text")
        rendered = _plain_paragraphs(source)
    # h1 is let through only until nest_headings has renumbered it.
    return nest_headings(
        sanitize_html(rendered, extra_tags=frozenset({"h1"})), heading_base
    )


def markdown_excerpt(text: str, length: int = 200) -> str:
    """Plain-text excerpt of Markdown (tags stripped, then escaped by templates)."""
    stripped = nh3.clean(render_markdown(text), tags=set())
    stripped = html.unescape(" ".join(stripped.split()))
    return stripped if len(stripped) <= length else stripped[: length - 1] + "…"


def render_on_save(
    obj: Any, source: str, save_kwargs: dict[str, Any], *, heading_base: int = 3
) -> None:
    """In a model's ``save()``: render the ``source`` Markdown field into
    ``<source>_html`` when ``source`` is being saved (and add the HTML field
    to ``update_fields`` when those are given)."""
    update_fields = save_kwargs.get("update_fields")
    if update_fields is None or source in update_fields:
        setattr(
            obj,
            f"{source}_html",
            render_markdown(getattr(obj, source), heading_base=heading_base),
        )
        if update_fields is not None:
            save_kwargs["update_fields"] = {*update_fields, f"{source}_html"}
