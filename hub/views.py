"""The landing page and the health check (the roof: it reads every app)."""

from __future__ import annotations

from django.db import connections
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ideas.models import Idea
from ideas.stages import PIPELINE, Stage
from ventures.models import Venture


@never_cache
@require_http_methods(["GET", "HEAD"])
def health(request: HttpRequest) -> HttpResponse:
    """``ok`` for load balancers and the benchmark's floor: no database
    query, no template, never cached."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def moved_admin(request: HttpRequest, model: str, rest: str) -> HttpResponse:
    """Admin pages of the catalog's models moved from ``/admin/ventures/`` to
    ``/admin/catalog/`` with the models (issue 11); bookmarks keep working."""
    target = f"/admin/catalog/{model}/{rest}"
    if request.META.get("QUERY_STRING"):
        target += "?" + request.META["QUERY_STRING"]
    return HttpResponsePermanentRedirect(target)


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    counts = dict(
        Idea.objects.visible_to(request.user)
        .exclude(stage=Stage.DRAFT)
        .order_by()
        .values_list("stage")
        .annotate(n=Count("pk"))
    )
    funnel = [(stage, counts.get(stage, 0)) for stage in PIPELINE[1:]]
    recent = _recently_moved(Idea.objects.visible_to(request.user), 5)
    context = {
        "funnel": funnel,
        "recent": recent,
        "venture_count": Venture.objects.count(),
    }
    return render(request, "hub/landing.html", context)


def _recently_moved(visible: QuerySet[Idea], n: int) -> list[Idea]:
    """The ``n`` submitted ideas that changed stage last.

    No index orders all stages by ``stage_changed_at``, but (stage,
    stage_changed_at) orders each stage: where the database can LIMIT each part
    of a UNION, the newest ``n`` of each stage, then the newest ``n`` of those.
    """
    ideas = (
        visible.select_related("owner")
        .only("title", "stage", "owner__display_name", "stage_changed_at")
        .order_by("-stage_changed_at")
    )
    stages = [stage for stage in Stage if stage != Stage.DRAFT]
    if connections[ideas.db].features.supports_slicing_ordering_in_compound:
        first, *rest = [ideas.filter(stage=stage)[:n] for stage in stages]
        return list(first.union(*rest, all=True).order_by("-stage_changed_at")[:n])
    return list(ideas.filter(stage__in=stages)[:n])
