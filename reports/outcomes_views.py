"""The outcomes dashboard (staff): investment, jobs, ventures, the open-data
return leaderboard and the data requests most asked for, each chart with its
table and CSV download. The figures and their rules: ``reports/outcomes.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from hub.core.http import AuthedRequest
from hub.core.permissions import require
from reports import outcomes
from reports.charts import Chart, Series, chart_csv_response
from reports.figures import cached
from reports.open_data_return import Grouping, currency_options
from reports.views import DASHBOARDS_PERM
from ventures.models import (
    FundingEvent,
    FundingKind,
    FundingStatus,
    RequestStatus,
    VentureStatus,
)

ZERO = Decimal("0.00")


class OutcomesForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Year-month-day, e.g. 2026-01-31."),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Year-month-day, e.g. 2026-12-31."),
    )
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    period = forms.ChoiceField(
        label=_("Group by"),
        choices=[(outcomes.MONTH, _("Month")), (outcomes.QUARTER, _("Quarter"))],
        required=False,
    )

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["currency"]).choices = [
            (c, c) for c in currencies
        ]
        self.fields["currency"].error_messages["invalid_choice"] = _(
            "No funding is recorded in %(value)s: choose one of the listed currencies."
        )
        self.fields["period"].error_messages["invalid_choice"] = _(
            "Group by month or by quarter."
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        today = timezone.localdate()
        default_from, default_to = outcomes.default_range(today)
        start = data.get("date_from") or default_from
        end = data.get("date_to") or default_to
        if start > end:
            self.add_error("date_to", _("The end date is before the start date."))
            return data
        period = data.get("period") or outcomes.MONTH
        if len(outcomes.periods_between(start, end, period)) > outcomes.MAX_PERIODS:
            self.add_error(
                "date_from",
                _(
                    "The range is too long to chart: at most %(n)s months or "
                    "quarters. Shorten it or group by quarter."
                )
                % {"n": outcomes.MAX_PERIODS},
            )
            return data
        data.update(date_from=start, date_to=end, period=period)
        return data

    def outcomes_query(self) -> outcomes.OutcomesQuery:
        data = self.cleaned_data
        return outcomes.OutcomesQuery(
            date_from=data["date_from"],
            date_to=data["date_to"],
            currency=data.get("currency") or settings.BASE_CURRENCY,
            period=data["period"],
        )


def _bound_form(
    request: HttpRequest,
) -> tuple[OutcomesForm, outcomes.OutcomesQuery | None]:
    data = request.GET.copy()
    # The defaults shown as chosen, so the first visit reads right.
    default_from, default_to = outcomes.default_range(timezone.localdate())
    data.setdefault("date_from", default_from.isoformat())
    data.setdefault("date_to", default_to.isoformat())
    data.setdefault("currency", settings.BASE_CURRENCY)
    data.setdefault("period", outcomes.MONTH)
    form = OutcomesForm(data, currencies=currency_options())
    return form, (form.outcomes_query() if form.is_valid() else None)


def _filters(query: outcomes.OutcomesQuery) -> str:
    return urlencode(
        {
            "date_from": query.date_from.isoformat(),
            "date_to": query.date_to.isoformat(),
            "currency": query.currency,
            "period": query.period,
        }
    )


# --------------------------------------------------------------------------------------
# Charts: each source makes its charts from one query
# --------------------------------------------------------------------------------------


def _period_labels(query: outcomes.OutcomesQuery) -> list[str]:
    return [
        outcomes.period_label(s, query.period) for s in outcomes.period_starts(query)
    ]


def _period_noun(query: outcomes.OutcomesQuery) -> str:
    return gettext("Quarter") if query.period == outcomes.QUARTER else gettext("Month")


def _investment_chart(
    query: outcomes.OutcomesQuery, data: outcomes.Investment, status: str
) -> Chart:
    sums = data.verified if status == FundingStatus.VERIFIED else data.reported
    starts = outcomes.period_starts(query)
    series = [
        Series(
            str(FundingKind(kind).label),
            [sums.get((start, kind), ZERO) for start in starts],
        )
        for kind in data.kinds(status)
    ]
    c = query.currency
    if status == FundingStatus.VERIFIED:
        slug, title = (
            "investment-verified",
            gettext("Verified investment by kind (%(c)s)") % {"c": c},
        )
    else:
        slug, title = (
            "investment-reported",
            gettext("Reported, not yet verified, investment by kind (%(c)s)")
            % {"c": c},
        )
    return Chart(
        slug=slug,
        title=title,
        kind="stacked-bar",
        labels=_period_labels(query),
        series=series,
        x_label=_period_noun(query),
        y_label=c,
    )


def investment(query: outcomes.OutcomesQuery, request: HttpRequest) -> list[Chart]:
    """Both investment charts, from one query."""
    money = outcomes.investment(query, FundingEvent.objects.visible_to(request.user))
    return [
        _investment_chart(query, money, FundingStatus.VERIFIED),
        _investment_chart(query, money, FundingStatus.REPORTED),
    ]


def jobs(query: outcomes.OutcomesQuery, request: HttpRequest) -> list[Chart]:
    chart = Chart(
        slug="jobs",
        title=gettext("Full-time jobs at each period's end"),
        kind="line",
        labels=_period_labels(query),
        series=[
            Series(
                gettext("Full-time jobs"), outcomes.jobs_at(outcomes.period_ends(query))
            )
        ],
        x_label=_period_noun(query),
        y_label=gettext("Jobs"),
    )
    return [chart]


def ventures(query: outcomes.OutcomesQuery, request: HttpRequest) -> list[Chart]:
    counts = outcomes.ventures_by_status(query)
    chart = Chart(
        slug="ventures",
        title=gettext("Ventures launched in the range, by status"),
        kind="doughnut",
        labels=[str(VentureStatus(s).label) for s in counts],
        series=[Series(gettext("Ventures"), list(counts.values()))],
        x_label=gettext("Status"),
    )
    return [chart]


def _leaderboard_chart(
    query: outcomes.OutcomesQuery, grouping: str, sort: str, rows: list[dict[str, Any]]
) -> Chart:
    by_dataset = grouping == Grouping.DATASET
    noun = gettext("Dataset") if by_dataset else gettext("Publisher")
    if sort == "ventures":
        label = (
            gettext("Ventures using it")
            if by_dataset
            else gettext("Ventures using its data")
        )
        series = Series(label, [r["ventures"] for r in rows])
        title = (
            gettext("Top datasets by ventures using them")
            if by_dataset
            else gettext("Top publishers by ventures using their data")
        )
        y_label = gettext("Ventures")
    else:
        c = query.currency
        series = Series(
            gettext("Verified investment (%(c)s)") % {"c": c},
            [r["full_verified"] for r in rows],
        )
        title = (
            gettext("Top datasets by verified investment (%(c)s)")
            if by_dataset
            else gettext("Top publishers by verified investment (%(c)s)")
        ) % {"c": c}
        y_label = c
    measure = "ventures" if sort == "ventures" else "investment"
    slug = f"{'datasets' if by_dataset else 'publishers'}-by-{measure}"
    return Chart(
        slug=slug,
        title=title,
        kind="bar",
        labels=[r["label"] for r in rows],
        series=[series],
        x_label=noun,
        y_label=y_label,
    )


def _leaderboards(query: outcomes.OutcomesQuery, grouping: str) -> list[Chart]:
    """The two leaderboards of a grouping (by ventures, by verified
    investment), from one query."""
    tops = outcomes.leaderboards(query, grouping)
    return [
        _leaderboard_chart(query, grouping, sort, tops[sort])
        for sort in ("ventures", "full_verified")
    ]


def datasets(query: outcomes.OutcomesQuery, request: HttpRequest) -> list[Chart]:
    return _leaderboards(query, Grouping.DATASET)


def publishers(query: outcomes.OutcomesQuery, request: HttpRequest) -> list[Chart]:
    return _leaderboards(query, Grouping.PUBLISHER)


def data_requests(query: outcomes.OutcomesQuery, request: HttpRequest) -> list[Chart]:
    rows = outcomes.data_requests(query)
    chart = Chart(
        slug="data-requests",
        title=gettext("Data requests most asked for"),
        kind="stacked-bar",
        labels=[r["title"] for r in rows],
        series=[
            Series(str(RequestStatus(status).label), [r[status] for r in rows])
            for status in RequestStatus.values
        ],
        x_label=gettext("Dataset asked for"),
        y_label=gettext("Requests"),
    )
    return [chart]


#: Each makes one or more charts from one query.
ChartSource = Callable[[outcomes.OutcomesQuery, HttpRequest], list[Chart]]

#: The charts in page order (their slugs are the CSV file names), each with
#: the source that makes it.
CHARTS: dict[str, ChartSource] = {
    "investment-verified": investment,
    "investment-reported": investment,
    "jobs": jobs,
    "ventures": ventures,
    "datasets-by-ventures": datasets,
    "datasets-by-investment": datasets,
    "publishers-by-ventures": publishers,
    "publishers-by-investment": publishers,
    "data-requests": data_requests,
}


def _with_csv(chart: Chart, filters: str) -> Chart:
    chart.csv_url = (
        reverse("dashboards-outcomes-csv", args=[chart.slug]) + "?" + filters
    )
    return chart


def _problems(form: OutcomesForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# --------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------


@login_required
@require_GET
def outcomes_dashboard(request: AuthedRequest) -> HttpResponse:
    require(
        request.user,
        DASHBOARDS_PERM,
        None,
        gettext("The dashboards are for the city's staff."),
    )
    form, query = _bound_form(request)
    context: dict[str, Any] = {"form": form, "query": query}
    if query is not None:
        filters = _filters(query)

        def compute() -> tuple[dict[str, Chart], Any]:
            charts: dict[str, Chart] = {}
            for source in dict.fromkeys(CHARTS.values()):  # each source once
                charts.update((chart.slug, chart) for chart in source(query, request))
            for chart in charts.values():
                _with_csv(chart, filters)
            events = FundingEvent.objects.visible_to(request.user)
            return charts, outcomes.currency_totals(query, events)

        # The person keys the cache too: funding visibility depends on them.
        charts, totals = cached("outcomes", (request.user.pk, query), compute)
        chosen = next(
            (c for c in totals.currencies if c.currency == query.currency), None
        )
        others = [c for c in totals.currencies if c.currency != query.currency]
        context.update(
            # Template lookups cannot hold dashes.
            charts={slug.replace("-", "_"): chart for slug, chart in charts.items()},
            chosen=chosen,
            others=others,
            others_count=sum(c.verified_count + c.reported_count for c in others),
            others_list=", ".join(c.currency for c in others),
            range_from=outcomes.format_day(query.date_from),
            range_to=outcomes.format_day(query.date_to),
        )
    return render(request, "reports/outcomes.html", context)


@login_required
@require_GET
def outcomes_csv(
    request: AuthedRequest, chart: str
) -> HttpResponse | StreamingHttpResponse:
    require(
        request.user,
        DASHBOARDS_PERM,
        None,
        gettext("The dashboards are for the city's staff."),
    )
    source = CHARTS.get(chart)
    if source is None:
        raise Http404(gettext("There is no such chart."))
    form, query = _bound_form(request)
    if query is None:
        return HttpResponse(
            gettext("The chart cannot be exported: %(problems)s")
            % {"problems": _problems(form)},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    figure = next(c for c in source(query, request) if c.slug == chart)
    filename = (
        f"outcomes-{chart}-{query.currency}-{query.date_from.isoformat()}-"
        f"{query.date_to.isoformat()}.csv"
    )
    return chart_csv_response(figure, filename)
