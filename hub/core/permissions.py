"""The permission kit: who counts as the city's staff, and how a refusal is said.

**One staff predicate.** :data:`is_city_staff` is the `rules` predicate every
app's ``rules.py``, view, service and consumer uses. It reads
``User.is_city_staff`` (an active account whose role is "City staff"), so an
anonymous visitor, a deactivated account, an entrepreneur or reviewer, and a
superuser whose role is not staff are all not staff.

**One refusal family.** Services and access helpers raise:

``Refused``         the request cannot be done as asked; ``str()`` is the
                    message for the person who tried (400)
├─ ``Forbidden``    the person may not do this, and may know it exists (403);
│                   also Django's ``PermissionDenied``
└─ ``Hidden``       the person may not even know it exists (404, like a missing
                    id); also Django's ``Http404``

The apps' own names stay as aliases or subclasses (``ideas.services.
ServiceError`` is ``Refused``, ``NotAllowed`` is ``Forbidden``, ...), so code
and tests that catch them keep working. Because ``Forbidden`` and ``Hidden``
are Django's exceptions too, Django's handlers and DRF's would answer them the
same way even without the mappings below.

**Mapped in one place per surface:**

* pages: :class:`hub.core.middleware.RefusalMiddleware` (the 404, 403 and 400
  pages);
* the API: :func:`api.errors.exception_handler` (DRF's JSON answers);
* sockets: :func:`realtime.refusals.close_code` (4403 or 4400).
"""

from __future__ import annotations

from typing import Any

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _

__all__ = [
    "STAFF_ONLY",
    "Forbidden",
    "Hidden",
    "Refused",
    "is_city_staff",
    "require",
    "require_staff",
]


#: What a staff-only page says to anyone else.
STAFF_ONLY = _("This page is for the city's staff.")


class Refused(Exception):
    """A refused request; ``str(error)`` is a message for the person who tried.

    Raised as is, it says the request cannot be done as asked (a bad value, an
    illegal move, a conflict): 400 on a page and in the API, 4400 on a socket.
    """


class Forbidden(Refused, PermissionDenied):
    """The person may not do this (and may know the thing exists): 403."""


class Hidden(Refused, Http404):
    """The person may not know the thing exists: answered exactly like a
    missing one (404 on a page and in the API, 4403 on a socket)."""


@rules.predicate
def is_city_staff(user: Any) -> bool:
    """Whether ``user`` is one of the city's staff (an active account with the
    staff role; superusers count only if their role is staff)."""
    return bool(getattr(user, "is_city_staff", False))


def require(
    user: Any, perm: str, obj: Any = None, message: Any = "", *, hide: bool = False
) -> None:
    """Raise :class:`Forbidden` (or :class:`Hidden` with ``hide=True``) with
    ``message`` unless ``user`` has permission ``perm`` on ``obj``.

    This asks ``user.has_perm``, which lets an active superuser through
    whatever their role; :func:`require_staff` asks the role alone."""
    if user is None or not user.has_perm(perm, obj):
        refusal = Hidden if hide else Forbidden
        raise refusal(message) if message else refusal()


def require_staff(user: Any, message: Any = STAFF_ONLY) -> None:
    """Raise :class:`Forbidden` with ``message`` unless ``user`` is city staff."""
    if not is_city_staff(user):
        raise Forbidden(message) if message else Forbidden()
