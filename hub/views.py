"""The landing page, the profile page and staff's people page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hub import services
from hub.forms import PeopleSearchForm, ProfileForm, RoleForm
from hub.models import User
from ideas.models import Idea
from ideas.stages import PIPELINE, Stage
from ventures.models import Venture


@never_cache
@require_http_methods(["GET", "HEAD"])
def health(request: HttpRequest) -> HttpResponse:
    """``ok`` for load balancers and the benchmark's floor: no database
    query, no template, never cached."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


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


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=User.objects.get(pk=user.pk))
        if form.is_valid():
            services.update_profile(
                user, fields=form.cleaned_data, skills=form.cleaned_data["skills"]
            )
            messages.success(request, _("Your profile is saved."))
            return redirect("hub-profile")
    else:
        form = ProfileForm(instance=user, initial={"skills": list(user.skills.all())})
    return render(request, "hub/profile.html", {"form": form})


def _require_staff(request: HttpRequest) -> None:
    if not request.user.is_city_staff:
        raise PermissionDenied(_("This page is for the city's staff."))


@login_required
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    form = PeopleSearchForm(request.GET or None)
    qs = User.objects.filter(is_active=True).order_by("display_name", "email")
    if form.is_valid():
        if q := form.cleaned_data["q"].strip():
            qs = qs.filter(
                Q(display_name__icontains=q)
                | Q(email__icontains=q)
                | Q(organisation__icontains=q)
            )
        if role := form.cleaned_data["role"]:
            qs = qs.filter(role=role)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for person in page:
        person.role_form = RoleForm(
            initial={"role": person.role}, prefix=f"p{person.pk}"
        )
    return render(request, "hub/people.html", {"form": form, "page": page})


@login_required
@require_POST
def people_role(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    person = get_object_or_404(User, pk=pk, is_active=True)
    form = RoleForm(request.POST, prefix=f"p{person.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose one of the listed roles."))
        return redirect("hub-people")
    try:
        changed = services.set_role(
            person, form.cleaned_data["role"], actor=request.user
        )
    except services.RoleChangeRefused as error:
        messages.error(request, str(error))
    else:
        if changed:
            messages.success(
                request,
                _("%(name)s is now %(role)s.")
                % {"name": person, "role": person.get_role_display()},
            )
    return redirect("hub-people")
