"""The public open-data return report and its CSV export (rules: reports/open_data_return.py).

Reported (unverified) funding is seen only by a venture's team and staff, so the
report's reported columns, which add up several ventures' reported funding,
are shown and exported to staff only; everyone sees the verified columns and
the jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from hub.core.csvsafe import csv_response
from reports.figures import cached
from reports.open_data_return import (
    NUMERIC_COLUMNS,
    Grouping,
    ReportQuery,
    currency_options,
    left_out,
    present,
    report_rows,
)

ROWS_PER_PAGE = 50
#: Columns numbers are sorted by first: biggest first, names A to Z.
ASCENDING_FIRST = {"name"}
#: Only publisher and source rows have a number of datasets.
GROUP_ONLY_SORTS = {"datasets"}
#: Columns only people with ``ventures.see_reported_totals`` get.
REPORTED_COLUMNS = {"full_reported", "split_reported"}


class ReportForm(forms.Form):
    group = forms.ChoiceField(
        label=_("Group by"), choices=Grouping.choices, required=False
    )
    date_from = forms.DateField(
        label=_("From (funding date)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Year-month-day, e.g. 2026-01-31."),
    )
    date_to = forms.DateField(
        label=_("To (funding date and jobs)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Year-month-day, e.g. 2026-12-31."),
    )
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    sort = forms.ChoiceField(
        choices=[(key, key) for key in ("name", "datasets", *NUMERIC_COLUMNS)],
        required=False,
        widget=forms.HiddenInput,
    )
    order = forms.ChoiceField(
        choices=[("desc", "desc"), ("asc", "asc")],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(
        self, *args: Any, currencies: list[str], show_reported: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.show_reported = show_reported
        cast(forms.ChoiceField, self.fields["currency"]).choices = [
            (c, c) for c in currencies
        ]
        self.fields["sort"].error_messages["invalid_choice"] = _(
            "Sort by one of the table's columns."
        )
        self.fields["order"].error_messages["invalid_choice"] = _(
            "The sort order is either ascending or descending."
        )
        self.fields["currency"].error_messages["invalid_choice"] = _(
            "No funding is recorded in %(value)s: choose one of the listed currencies."
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        grouping = data.get("group") or Grouping.DATASET
        if data.get("sort") in GROUP_ONLY_SORTS and grouping == Grouping.DATASET:
            # Switching from publishers to datasets keeps the form's sort, which
            # datasets lack: fall back to the default order.
            data["sort"], data["order"] = "", ""
        if data.get("sort") in REPORTED_COLUMNS and not self.show_reported:
            self.add_error("sort", _("Sort by one of the table's columns."))
        return data

    def report_query(self) -> ReportQuery:
        data = self.cleaned_data
        sort = data.get("sort") or "full_verified"
        order = data.get("order") or ("asc" if sort in ASCENDING_FIRST else "desc")
        return ReportQuery(
            grouping=data.get("group") or Grouping.DATASET,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            currency=data.get("currency") or settings.BASE_CURRENCY,
            sort=sort,
            descending=order == "desc",
        )


@dataclass(frozen=True)
class Column:
    """A sortable column header: its sort link and its ``aria-sort`` value."""

    href: str
    aria_sort: str  # "ascending", "descending" or "" (not the sorted column)


def _filters(query: ReportQuery) -> dict[str, str]:
    """The report's query string, without sort and page."""
    params = {"group": query.grouping, "currency": query.currency}
    if query.date_from:
        params["date_from"] = query.date_from.isoformat()
    if query.date_to:
        params["date_to"] = query.date_to.isoformat()
    return params


def _sorted_by(query: ReportQuery) -> dict[str, str]:
    return {"sort": query.sort, "order": "desc" if query.descending else "asc"}


def _column(query: ReportQuery, key: str) -> Column:
    if query.sort == key:
        aria = "descending" if query.descending else "ascending"
        order = "asc" if query.descending else "desc"
    else:
        aria = ""
        order = "asc" if key in ASCENDING_FIRST else "desc"
    href = "?" + urlencode({**_filters(query), "sort": key, "order": order})
    return Column(href, aria)


def _name_label(grouping: str) -> str:
    return str(Grouping(grouping).label)


#: The grouping as a noun inside a sentence ("Return per publisher").
GROUP_NOUNS = {
    Grouping.DATASET: _("dataset"),
    Grouping.PUBLISHER: _("publisher"),
    Grouping.SOURCE: _("catalog source"),
}


def _row_name(query: ReportQuery, row: dict[str, Any]) -> str:
    if row["name"]:
        return str(row["name"])
    if query.grouping == Grouping.PUBLISHER:
        return gettext("No publisher stated")
    return gettext("Untitled")


def shown_columns(show_reported: bool) -> list[str]:
    """The numeric columns this person gets, in table order."""
    return [c for c in NUMERIC_COLUMNS if show_reported or c not in REPORTED_COLUMNS]


def _csv_header(query: ReportQuery, columns: list[str]) -> list[str]:
    c = query.currency
    labels = {
        "ventures": gettext("Ventures"),
        "full_verified": gettext("Full credit: verified investment (%(c)s)") % {"c": c},
        "full_reported": gettext("Full credit: reported investment (%(c)s)") % {"c": c},
        "full_jobs": gettext("Full credit: jobs"),
        "split_verified": gettext("Equal split: verified investment (%(c)s)")
        % {"c": c},
        "split_reported": gettext("Equal split: reported investment (%(c)s)")
        % {"c": c},
        "split_jobs": gettext("Equal split: jobs"),
    }
    if query.grouping == Grouping.DATASET:
        first = [
            gettext("Dataset"),
            gettext("Publisher"),
            gettext("Catalog source"),
            gettext("Withdrawn"),
        ]
    else:
        first = [
            _name_label(query.grouping),
            gettext("Datasets"),
            gettext("Withdrawn datasets"),
        ]
    return [*first, *(labels[key] for key in columns)]


def _csv_row(query: ReportQuery, columns: list[str], raw: dict[str, Any]) -> list[Any]:
    row = present(raw)
    if query.grouping == Grouping.DATASET:
        first = [row["name"], row["publisher"], row["source"], row["withdrawn"]]
    else:
        first = [_row_name(query, row), row["datasets"], row["withdrawn_datasets"]]
    return [*first, *(row[key] for key in columns)]


def _bound_form(request: HttpRequest) -> tuple[ReportForm, ReportQuery | None]:
    data = request.GET.copy()
    # Defaults shown as chosen in the form, so the first visit reads right.
    data.setdefault("group", Grouping.DATASET)
    data.setdefault("currency", settings.BASE_CURRENCY)
    form = ReportForm(
        data,
        currencies=currency_options(),
        show_reported=request.user.has_perm("ventures.see_reported_totals"),
    )
    return form, (form.report_query() if form.is_valid() else None)


def _page(query: ReportQuery, number: str | None) -> tuple[Page, dict[str, int]]:
    """The asked-for page of rows and the events the currency leaves out,
    cached under the data version (``reports/figures.py``)."""

    def compute() -> tuple[int, int, list[dict[str, Any]], dict[str, int]]:
        page = Paginator(report_rows(query), ROWS_PER_PAGE).get_page(number)
        return page.paginator.count, page.number, list(page), left_out(query)

    count, shown, rows, others = cached("report", (query, number), compute)
    # A paginator over a range knows the count without another query.
    page: Page[Any] = Page(rows, shown, Paginator(range(count), ROWS_PER_PAGE))

    return page, others


@require_GET
def open_data_return(request: HttpRequest) -> HttpResponse:
    form, query = _bound_form(request)
    context: dict[str, Any] = {"form": form, "report": query}
    if query is not None:
        page, others = _page(query, request.GET.get("page"))
        # Page links and the export keep the filters and the sort.
        kept = urlencode({**_filters(query), **_sorted_by(query)})
        context.update(
            page=page,
            rows=[{**present(row), "label": _row_name(query, row)} for row in page],
            columns={
                key: _column(query, key)
                for key in ("name", "datasets", *NUMERIC_COLUMNS)
            },
            by_dataset=query.grouping == Grouping.DATASET,
            show_reported=form.show_reported,
            rule_span=3 if form.show_reported else 2,
            left_out=sum(others.values()),
            left_out_currencies=", ".join(others),
            grouping_label=_name_label(query.grouping),
            grouping_noun=GROUP_NOUNS[Grouping(query.grouping)],
            query=kept,
            csv_url=f"{reverse('report-open-data-return-csv')}?{kept}",
        )
    return render(request, "reports/open_data_return.html", context)


@require_GET
def open_data_return_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    form, query = _bound_form(request)
    if query is None:
        problems = [str(e) for errors in form.errors.values() for e in errors]
        return HttpResponse(
            gettext("The report cannot be exported: %(problems)s")
            % {"problems": " ".join(problems)},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    rows = report_rows(query)
    columns = shown_columns(form.show_reported)
    filename = f"open-data-return-{query.grouping}-{query.currency}.csv"
    return csv_response(
        filename,
        _csv_header(query, columns),
        (_csv_row(query, columns, row) for row in rows),
    )
