"""The structural accessibility audit (``tests/test_accessibility.py`` runs it
on every page; page tests of the apps run it on theirs).

A parser-based check of what a screen-reader or keyboard user depends on:
language, one main landmark, a skip link, one h1 and no skipped heading
levels, a label for every form control, text for every link and button,
alternative text for images, unique ids and no positive tabindex.
"""

from __future__ import annotations

from html.parser import HTMLParser

LABELLED_BY_OTHER = ("aria-label", "aria-labelledby", "title")
NO_LABEL_TYPES = {"hidden", "submit", "button", "reset", "image"}


class Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.lang = None
        self.mains = 0
        self.headings: list[int] = []
        self.ids: dict[str, int] = {}
        self.label_for: set[str] = set()
        self.controls: list[tuple[str, dict[str, str | None], bool]] = []
        self.label_depth = 0
        self.skip_link = False
        self._text_stack: list[tuple[str, dict[str, str | None], list[str]]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "main":
            self.mains += 1
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.headings.append(int(tag[1]))
        if a.get("id"):
            self.ids[a["id"]] = self.ids.get(a["id"], 0) + 1
        if tag == "label":
            self.label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        unlabelled_input = (
            tag == "input" and (a.get("type") or "text") in NO_LABEL_TYPES
        )
        if tag in {"input", "select", "textarea"} and not unlabelled_input:
            self.controls.append((tag, a, self.label_depth > 0))
        if tag == "img" and a.get("alt") is None:
            self.problems.append(f"img without alt: {a.get('src')}")
        if (a.get("tabindex") or "0").lstrip("-").isdigit() and int(
            a.get("tabindex") or 0
        ) > 0:
            self.problems.append(f"positive tabindex on <{tag}>")
        if tag == "a" and a.get("href") == "#main":
            self.skip_link = True
        if tag in {"a", "button"}:
            self._text_stack.append((tag, a, []))

    def handle_endtag(self, tag):
        if tag == "label":
            self.label_depth -= 1
        if tag in {"a", "button"} and self._text_stack:
            name, a, text = self._text_stack.pop()
            if not "".join(text).strip() and not any(
                a.get(k) for k in LABELLED_BY_OTHER
            ):
                self.problems.append(f"<{name}> without text: {a}")

    def handle_data(self, data):
        for _name, _a, text in self._text_stack:
            text.append(data)

    def report(self, fragment: bool = False) -> list[str]:
        problems = list(self.problems)
        if not fragment:
            if not self.lang:
                problems.append("<html> has no lang")
            if self.mains != 1:
                problems.append(f"{self.mains} <main> elements")
            if not self.skip_link:
                problems.append("no skip link to #main")
            if self.headings.count(1) != 1:
                problems.append(f"{self.headings.count(1)} h1 elements")
        previous = 1
        for level in self.headings:
            if level > previous + 1:
                problems.append(
                    f"heading jumps from h{previous} to h{level}: {self.headings}"
                )
                break
            previous = level
        for ident, count in self.ids.items():
            if count > 1:
                problems.append(f"id {ident!r} used {count} times")
        for tag, a, wrapped in self.controls:
            labelled = wrapped or a.get("id") in self.label_for
            if not labelled and not any(a.get(k) for k in LABELLED_BY_OTHER):
                problems.append(f"<{tag} name={a.get('name')!r}> has no label")
        return problems


def audit(html: str, fragment: bool = False) -> list[str]:
    parser = Audit()
    parser.feed(html)
    return parser.report(fragment)
