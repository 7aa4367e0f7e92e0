"""Public pages for ventures."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from ideas.models import Idea
from ventures.models import Venture


@require_GET
def venture_list(request: HttpRequest) -> HttpResponse:
    qs = Venture.objects.order_by("-launched_on", "name")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "ventures/list.html", {"page": page})


@require_GET
def venture_detail(request: HttpRequest, slug: str) -> HttpResponse:
    venture = get_object_or_404(Venture, slug=slug)
    members = list(venture.members.select_related("user"))
    # The originating idea is linked only for people who may see it.
    idea = None
    if venture.idea_id:
        idea = Idea.objects.visible_to(request.user).filter(pk=venture.idea_id).first()
    return render(
        request,
        "ventures/detail.html",
        {"venture": venture, "members": members, "idea": idea},
    )
