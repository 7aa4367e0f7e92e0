"""Every user-facing string in our templates is marked for translation.

The check strips translated blocks, template tags and variables, HTML tags and
attribute values that are not user-facing; whatever letters remain are text a
translator would never see.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".venv", "node_modules", ".git"}
# Every templates/ folder at any depth (hub/core/templates is two levels down).
TEMPLATES = sorted(
    p
    for p in ROOT.glob("**/templates/**/*.html")
    if not SKIP_DIRS.intersection(p.relative_to(ROOT).parts)
)
# Attributes whose values people read or hear.
USER_FACING_ATTRS = ("aria-label", "title", "alt", "placeholder", "data-confirm")


def untranslated_text(source: str) -> list[str]:
    text = re.sub(
        r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", " ", source, flags=re.S
    )
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", " ", text, flags=re.S)
    leftovers = []
    for attr in USER_FACING_ATTRS:
        for value in re.findall(rf'{attr}="([^"]*)"', text):
            if re.search(r"[A-Za-z]", re.sub(r"{[%{].*?[%}]}", "", value)):
                leftovers.append(f'{attr}="{value}"')
    text = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text, flags=re.S)
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    leftovers += [w for w in text.split() if re.search(r"[A-Za-z]", w)]
    return leftovers


def test_templates_were_found():
    assert len(TEMPLATES) >= 15


def test_every_template_django_can_load_is_checked():
    """Each of our apps' templates/ folders and the project's are covered, so
    moving templates to a new app cannot take them out of the check."""
    from django.apps import apps
    from django.conf import settings

    folders = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    folders += [
        Path(config.path) / "templates"
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT)
        and not SKIP_DIRS.intersection(Path(config.path).relative_to(ROOT).parts)
    ]
    loadable = {p for folder in folders for p in folder.glob("**/*.html")}
    assert loadable
    assert loadable <= set(TEMPLATES)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_text_is_marked_for_translation(path):
    assert untranslated_text(path.read_text()) == []


def test_the_check_catches_unmarked_text():
    assert untranslated_text('<p>Hello {% translate "World" %}</p>') == ["Hello"]
    assert untranslated_text('<a aria-label="Close">x</a>') == [
        'aria-label="Close"',
        "x",
    ]
    assert untranslated_text("{% blocktranslate %}Fine{% endblocktranslate %}") == []
