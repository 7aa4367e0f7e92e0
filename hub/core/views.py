"""The profile page and staff's people page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hub.core import services
from hub.core.forms import PeopleSearchForm, ProfileForm, RoleForm
from hub.core.http import AuthedRequest
from hub.core.models import User
from hub.core.permissions import require_staff


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthedRequest) -> HttpResponse:
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


@login_required
@require_GET
def people(request: AuthedRequest) -> HttpResponse:
    require_staff(request.user)
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
def people_role(request: AuthedRequest, pk: int) -> HttpResponse:
    require_staff(request.user)
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
