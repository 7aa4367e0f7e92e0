"""URL reversal for long lists of rows.

``reverse()`` walks the resolver on every call; a page of a few hundred rows
that links each row spends more time there than in its queries.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

#: An ``int`` no real primary key of this app reaches; it appears once in the
#: reversed URL and marks where the key goes.
_MARKER = 2_147_483_647


def pk_url(name: str) -> Callable[[int], str]:
    """``lambda pk: reverse(name, args=[pk])`` at the price of one reversal.

    For URL patterns whose only argument is an ``<int:...>`` key.
    """
    head, tail = reverse(name, args=[_MARKER]).split(str(_MARKER))
    return lambda pk: f"{head}{int(pk)}{tail}"
