"""Where the corpus tests read their files from.

The full corpus is the shared one beside the repository (``../shared/corpus``:
CI clones the repo with ``shared/`` beside it). When it is not there, the
tests read the small corpus committed in ``tests/support/corpus/`` instead: a
few real files per format, the large catalogs and directories cut to a handful
of records (``tests/support/make_small_corpus.py`` cuts them; provenance and
licences in ``tests/support/corpus/SOURCES.md``). So the corpus tests never
skip for want of files; the few that measure something only the full corpus
shows skip on the small one and say why (:func:`needs_full_corpus`).

``CLUSTERHUB_TEST_CORPUS=small`` makes the tests use the small corpus even
when the shared one is there (to check that path); any other value is the
folder of a full corpus.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")

SHARED_CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
SMALL_CORPUS = Path(__file__).resolve().parent / "corpus"
ENV_VAR = "CLUSTERHUB_TEST_CORPUS"


def _choose() -> Path:
    choice = os.environ.get(ENV_VAR, "")
    if choice == "small":
        return SMALL_CORPUS
    if choice:
        return Path(choice)
    return SHARED_CORPUS if SHARED_CORPUS.is_dir() else SMALL_CORPUS


#: The corpus folder the tests read.
CORPUS = _choose()
#: True when that is a full corpus (not the small committed one).
FULL = CORPUS != SMALL_CORPUS


def by_corpus(full: T, small: T) -> T:
    """A figure pinned for each corpus: ``full`` for the shared corpus (the
    hand-checked one), ``small`` for the committed cut."""
    return full if FULL else small


def needs_full_corpus(why: str) -> pytest.MarkDecorator:
    """Skips a test on the small corpus, saying why it needs the full one."""
    return pytest.mark.skipif(
        not FULL,
        reason=f"needs the full shared corpus (../shared/corpus): {why}",
    )
