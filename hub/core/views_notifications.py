"""The notifications page, the bell fragment, and marking notifications read.

A person only ever reaches their own notifications: another person's id
answers 404, like a missing one.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from hub.core.http import AuthedRequest
from hub.core.models import Notification
from hub.core.notifications import mark_all_read, mark_read

NOTIFICATIONS_PER_PAGE = 20


@login_required
@require_GET
def notification_list(request: AuthedRequest) -> HttpResponse:
    """Newest first, paginated; the bell's count comes from the template tag."""
    qs = Notification.objects.filter(recipient=request.user).order_by(
        "-created_at", "-id"
    )
    page = Paginator(qs, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "hub/notifications.html", {"page": page, "query": ""})


@login_required
@require_GET
def notification_badge(request: AuthedRequest) -> HttpResponse:
    """The bell alone, for the live region in the header."""
    return render(request, "hub/_bell.html")


@login_required
@require_POST
def notification_read_all(request: AuthedRequest) -> HttpResponse:
    mark_all_read(request.user)
    return redirect("hub-notifications")


@login_required
@require_POST
def notification_open(request: AuthedRequest, pk: int) -> HttpResponse:
    """Mark one's own notification read and follow its link."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    mark_read(notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("hub-notifications")
