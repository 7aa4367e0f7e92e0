"""Request types for views that only a signed-in person reaches.

``HttpRequest.user`` is typed ``User | AnonymousUser``; behind
``@login_required`` (or DRF's ``IsAuthenticated``) it is always a hub ``User``.
Views say so with :class:`AuthedRequest` in their signature (the django-stubs
way), and DRF views, whose request type is fixed by the framework, read the
user with :func:`signed_in_user`. Typing only: nothing here changes a request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpRequest

if TYPE_CHECKING:
    from rest_framework.request import Request

    from hub.core.models import User


class AuthedRequest(HttpRequest):
    """An ``HttpRequest`` whose ``user`` is signed in (``@login_required``)."""

    user: User


def signed_in_user(request: HttpRequest | Request) -> User:
    """The user of a request that an authentication check already let through."""
    return cast("User", request.user)
