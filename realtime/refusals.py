"""Sockets answer a refusal (:mod:`hub.core.permissions`) in one place.

The close codes are in 4400–4499, where the y-websocket client (and the live
pages' script) stop reconnecting. Denied connections are accepted and then
closed with the code: refusing the handshake shows up as 1006 in the browser.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from hub.core.permissions import Refused

#: A frame this socket does not accept, or a request it cannot do as asked.
CLOSE_BAD_MESSAGE = 4400
#: Nobody may open this (anonymous, outsider, unknown id), or access was lost.
CLOSE_FORBIDDEN = 4403

#: What a consumer catches around its access checks. Django's own ``Http404``
#: and ``PermissionDenied`` count, as the pages' access helpers raise them.
REFUSALS: tuple[type[Exception], ...] = (Refused, Http404, PermissionDenied)


def close_code(refusal: Exception) -> int:
    """The close code for ``refusal``: 4403 for a hidden or forbidden thing (a
    socket says the same for both, so ids leak nothing), 4400 for any other
    refusal."""
    if isinstance(refusal, (Http404, PermissionDenied)):
        return CLOSE_FORBIDDEN
    return CLOSE_BAD_MESSAGE
