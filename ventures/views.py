"""Pages for ventures: the public directory and detail, staff's create/edit form,
dataset uses recorded by the team, and the data requests staff triage."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from taggit.models import TaggedItem

from catalog.models import Dataset
from hub.core.http import AuthedRequest
from hub.core.permissions import require
from ideas.models import Idea
from ventures import services
from ventures.forms import (
    DataRequestForm,
    DatasetUseForm,
    NewDatasetUseForm,
    RequestStatusForm,
    VentureFilterForm,
    VentureForm,
)
from ventures.funding.views import funding_context
from ventures.models import DataRequest, DatasetUse, Venture
from ventures.queries import data_requests_with_similar, demand_signal

VENTURES_PER_PAGE = 30
#: How many matching datasets the "add a dataset" select offers at once.
DATASET_CHOICES = 50


def _sector_match(name: str) -> Exists:
    return Exists(
        TaggedItem.objects.filter(
            object_id=OuterRef("pk"),
            content_type__app_label="ventures",
            content_type__model="venture",
            tag__name__iexact=name,
        )
    )


def filter_ventures(qs: QuerySet[Venture], data: dict[str, Any]) -> QuerySet[Venture]:
    if q := (data.get("q") or "").strip():
        qs = qs.filter(name__icontains=q)
    if status := data.get("status"):
        qs = qs.filter(status=status)
    if sector := (data.get("sector") or "").strip():
        qs = qs.filter(_sector_match(sector))
    return qs


@require_GET
def venture_list(request: HttpRequest) -> HttpResponse:
    form = VentureFilterForm(request.GET or None)
    # "sectors" is taggit's manager, which the django-stubs plugin cannot resolve.
    qs = Venture.objects.prefetch_related("sectors").order_by("-launched_on", "name")  # type: ignore[misc]

    if form.is_bound and form.is_valid():
        qs = filter_ventures(qs, form.cleaned_data)
    elif form.is_bound:
        qs = qs.none()
    page = Paginator(qs, VENTURES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ventures/list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def _detail_context(
    request: HttpRequest,
    venture: Venture,
    *,
    use_form: NewDatasetUseForm | None = None,
    request_form: DataRequestForm | None = None,
) -> dict[str, Any]:
    members = list(venture.members.select_related("user"))
    # The originating idea is linked only for people who may see it.
    idea = None
    if venture.idea_id:
        idea = Idea.objects.visible_to(request.user).filter(pk=venture.idea_id).first()
    uses = list(venture.dataset_uses.select_related("dataset").order_by("extent", "id"))
    can_record = request.user.is_authenticated and request.user.has_perm(
        "ventures.record_use", venture
    )
    dataset_q = (request.GET.get("dataset_q") or "").strip()[:100]
    if can_record and use_form is None:
        use_form = NewDatasetUseForm(
            prefix="use", datasets=_choices(venture, dataset_q)
        )
    if can_record and request_form is None:
        request_form = DataRequestForm(prefix="request")
    return {
        "venture": venture,
        "members": members,
        "idea": idea,
        "uses": uses,
        "sectors": list(venture.sectors.all()),
        "can_record": can_record,
        "can_manage": request.user.has_perm("ventures.manage_venture", venture),
        "use_form": use_form,
        "request_form": request_form,
        "dataset_q": dataset_q,
        **funding_context(request, venture),
    }


def _choices(venture: Venture, query: str) -> QuerySet[Dataset]:
    used = DatasetUse.objects.filter(venture=venture, dataset=OuterRef("pk"))
    qs = services.linkable_datasets(query).exclude(Exists(used))
    return qs.filter(pk__in=qs.values("pk")[:DATASET_CHOICES]) if query else qs


@require_GET
def venture_detail(request: HttpRequest, slug: str) -> HttpResponse:
    venture = get_object_or_404(Venture, slug=slug)
    return render(request, "ventures/detail.html", _detail_context(request, venture))


@login_required
@require_http_methods(["GET", "POST"])
def venture_create(request: AuthedRequest) -> HttpResponse:
    require(request.user, "ventures.manage_venture", None)
    form = VentureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        venture = services.create_venture(
            actor=request.user,
            fields=form.cleaned_data,
            sectors=form.cleaned_data["sectors"],
        )
        messages.success(request, _("The venture is added to the directory."))
        return redirect(venture)
    return render(request, "ventures/form.html", {"form": form, "venture": None})


@login_required
@require_http_methods(["GET", "POST"])
def venture_edit(request: AuthedRequest, slug: str) -> HttpResponse:
    venture = get_object_or_404(Venture, slug=slug)
    require(request.user, "ventures.manage_venture", venture)
    if request.method == "POST":
        form = VentureForm(request.POST, instance=Venture.objects.get(pk=venture.pk))
        if form.is_valid():
            services.update_venture(
                venture,
                actor=request.user,
                fields=form.cleaned_data,
                sectors=form.cleaned_data["sectors"],
            )
            messages.success(request, _("Your changes are saved."))
            return redirect(venture)
    else:
        form = VentureForm(
            instance=venture, initial={"sectors": list(venture.sectors.all())}
        )
    return render(request, "ventures/form.html", {"form": form, "venture": venture})


@login_required
@require_POST
def use_add(request: AuthedRequest, slug: str) -> HttpResponse:
    venture = get_object_or_404(Venture, slug=slug)
    require(request.user, "ventures.record_use", venture)
    form = NewDatasetUseForm(
        request.POST, prefix="use", datasets=services.linkable_datasets()
    )
    if form.is_valid():
        try:
            services.record_dataset_use(
                venture,
                form.cleaned_data["dataset"],
                actor=request.user,
                fields=form.cleaned_data,
            )
        except services.ServiceError as error:
            form.add_error("dataset", str(error))
        else:
            messages.success(request, _("The dataset is recorded."))
            return redirect(venture)
    dataset = cast(forms.ModelChoiceField, form.fields["dataset"])
    dataset.queryset = _choices(venture, "")

    context = _detail_context(request, venture, use_form=form)
    return render(request, "ventures/detail.html", context)


def _get_use(user: Any, slug: str, pk: int) -> DatasetUse:
    use = get_object_or_404(
        DatasetUse.objects.select_related("venture", "dataset"),
        pk=pk,
        venture__slug=slug,
    )
    require(user, "ventures.record_use", use.venture)
    return use


@login_required
@require_http_methods(["GET", "POST"])
def use_edit(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    use = _get_use(request.user, slug, pk)
    if request.method == "POST":
        form = DatasetUseForm(request.POST, instance=DatasetUse.objects.get(pk=use.pk))
        if form.is_valid():
            services.update_dataset_use(
                use, actor=request.user, fields=form.cleaned_data
            )
            messages.success(request, _("Your changes are saved."))
            return redirect(use.venture)
    else:
        form = DatasetUseForm(instance=use)
    return render(request, "ventures/use_form.html", {"form": form, "use": use})


@login_required
@require_POST
def use_remove(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    use = _get_use(request.user, slug, pk)
    services.remove_dataset_use(use, actor=request.user)
    messages.success(request, _("The dataset is no longer listed."))
    return redirect(use.venture)


@login_required
@require_POST
def data_request_add(request: AuthedRequest, slug: str) -> HttpResponse:
    venture = get_object_or_404(Venture, slug=slug)
    require(request.user, "ventures.request_data", venture)
    form = DataRequestForm(request.POST, prefix="request")
    if form.is_valid():
        services.request_dataset(
            venture,
            actor=request.user,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
        )
        messages.success(request, _("Your request is sent to the city's data team."))
        return redirect(venture)
    context = _detail_context(request, venture, request_form=form)
    return render(request, "ventures/detail.html", context)


SORTS = {
    "newest": ("-created_at", "-id"),
    "similar": ("-similar_ventures", "-created_at", "-id"),
}


@login_required
@require_GET
def data_requests(request: AuthedRequest) -> HttpResponse:
    require(request.user, "ventures.triage_requests", None)
    sort = request.GET.get("sort") or ""
    if sort not in SORTS:
        sort = "newest"
    status = request.GET.get("status") or ""
    qs = data_requests_with_similar().order_by(*SORTS[sort])
    if status:
        qs = qs.filter(status=status)
    return render(
        request,
        "ventures/data_requests.html",
        {
            "requests": list(qs[:200]),
            "sort": sort,
            "status": status,
            "status_form": RequestStatusForm,
            "demand": list(demand_signal()[:20]),
        },
    )


@login_required
@require_POST
def data_request_status(request: AuthedRequest, pk: int) -> HttpResponse:
    data_request = get_object_or_404(DataRequest, pk=pk)
    require(request.user, "ventures.triage_requests", data_request)
    form = RequestStatusForm(request.POST)
    if form.is_valid():
        services.set_request_status(
            data_request, form.cleaned_data["status"], actor=request.user
        )
        messages.success(request, _("The request's status is saved."))
    else:
        messages.error(request, _("Choose one of the listed statuses."))
    return redirect("ventures-data-requests")
