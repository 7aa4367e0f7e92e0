"""Staff dashboards: the pipeline at a glance, each chart with its table and CSV."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hub.core.http import AuthedRequest
from hub.core.permissions import require
from ideas.models import Idea
from reports import pipeline
from reports.charts import chart_csv_response
from reports.figures import cached
from reports.forms import DashboardFilterForm

#: The dashboards are for whoever may run the pipeline board (the city's staff).
DASHBOARDS_PERM = "ideas.run_pipeline"


def _filters(form: DashboardFilterForm) -> pipeline.PipelineFilters:
    return pipeline.PipelineFilters(**form.cleaned_data)


def _csv_url_maker(request: HttpRequest):
    query = urlencode(
        [(k, v) for k, v in request.GET.items() if k in DashboardFilterForm.base_fields]
    )

    def csv_url(slug: str) -> str:
        url = reverse("dashboards-pipeline-csv", args=[slug])
        return f"{url}?{query}" if query else url

    return csv_url


@login_required
@require_GET
def pipeline_dashboard(request: AuthedRequest) -> HttpResponse:
    require(
        request.user,
        DASHBOARDS_PERM,
        None,
        _("The dashboards are for the city's staff."),
    )
    form = DashboardFilterForm(request.GET or None)
    context: dict = {"form": form, "charts": [], "oldest": []}
    if form.is_bound and not form.is_valid():
        return render(request, "reports/pipeline.html", context)
    filters = _filters(form) if form.is_bound else pipeline.PipelineFilters()
    ideas = Idea.objects.visible_to(request.user)
    csv_url = _csv_url_maker(request)

    def compute() -> tuple[list, list]:
        charts = pipeline.all_charts(ideas, filters, csv_url)
        return charts, pipeline.oldest_waiting(filters.cohort(ideas))

    # What the person may see (their own drafts) and the filters key the cache.
    parts = (request.user.pk, filters.key(), csv_url("stages"))
    context["charts"], context["oldest"] = cached("pipeline", parts, compute)
    pipeline.count_days_waiting(context["oldest"])
    return render(request, "reports/pipeline.html", context)


@login_required
@require_GET
def pipeline_csv(
    request: AuthedRequest, chart: str
) -> StreamingHttpResponse | HttpResponse:
    require(
        request.user,
        DASHBOARDS_PERM,
        None,
        _("The dashboards are for the city's staff."),
    )
    if chart not in pipeline.CHART_SLUGS:
        raise Http404(_("No such chart."))
    form = DashboardFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        errors = "; ".join(
            f"{form.fields[name].label}: {' '.join(str(m) for m in messages)}"
            for name, messages in form.errors.items()
            if name in form.fields
        )
        return HttpResponse(
            _("The filters are not valid: %(errors)s") % {"errors": errors},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = _filters(form) if form.is_bound else pipeline.PipelineFilters()
    ideas = Idea.objects.visible_to(request.user)
    built = pipeline.build_chart(chart, ideas, filters, _csv_url_maker(request))
    return chart_csv_response(built, f"pipeline-{chart}.csv")
