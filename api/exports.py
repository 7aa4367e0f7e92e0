"""CSV and JSON downloads of ventures, datasets, dataset uses and funding.

Each export streams the rows the requester may see (the same querysets and
query-string filters as the API lists), so a large catalog never sits in
memory. CSV cells go through ``hub.core.csvsafe`` (no spreadsheet formulas).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from api import filters
from api.views import query_filters
from catalog.models import Dataset
from hub.core.csvsafe import csv_response
from ventures.models import DatasetUse, FundingEvent, Venture

#: Rows fetched per round trip while streaming.
CHUNK = 500


@dataclass(frozen=True)
class Export:
    """One downloadable table: its columns and how to read a row."""

    #: The columns, typed for the schema of the JSON export (one object a row).
    fields: dict[str, serializers.Field]
    queryset: Callable[[Request], QuerySet]
    row: Callable[[Any, Request], tuple]
    filter_class: type[filters.FilterSet]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.fields)


def _page(request: Request, name: str, *args: Any) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


def _ventures(request: Request) -> QuerySet[Venture]:
    # "sectors" is taggit's manager, which the django-stubs plugin cannot resolve.
    return Venture.objects.prefetch_related("sectors").order_by("name", "id")  # type: ignore[misc]


def _venture_row(v: Venture, request: Request) -> tuple:
    return (
        v.pk,
        v.slug,
        v.name,
        v.status,
        "; ".join(tag.name for tag in v.sectors.all()),
        v.website,
        v.founded_on,
        v.launched_on,
        _page(request, "ventures-detail", v.slug),
    )


def _datasets(request: Request) -> QuerySet[Dataset]:
    return Dataset.objects.select_related("source").order_by("title", "id")


def _dataset_row(d: Dataset, request: Request) -> tuple:
    return (
        d.pk,
        d.source.name,
        d.identifier,
        d.title,
        d.publisher,
        "; ".join(map(str, d.keywords or [])),
        "; ".join(map(str, d.themes or [])),
        d.licence,
        d.landing_page,
        d.modified,
        d.withdrawn,
        _page(request, "datasets-detail", d.pk),
    )


def _uses(request: Request) -> QuerySet[DatasetUse]:
    return DatasetUse.objects.select_related("venture", "dataset").order_by(
        "venture__name", "extent", "dataset__title", "id"
    )


def _use_row(u: DatasetUse, request: Request) -> tuple:
    return (
        u.pk,
        u.venture_id,
        u.venture.name,
        u.dataset_id,
        u.dataset.title,
        u.extent,
        u.quality,
        u.how,
    )


def _funding(request: Request) -> QuerySet[FundingEvent]:
    return (
        FundingEvent.objects.visible_to(request.user)
        .select_related("venture")
        .order_by("-date", "-id")
    )


def _funding_row(e: FundingEvent, request: Request) -> tuple:
    return (
        e.pk,
        e.venture_id,
        e.venture.name,
        e.kind,
        e.amount,
        e.currency,
        e.date,
        e.investors,
        e.evidence_url,
        e.status,
        e.note,
    )


def _fields(**fields: serializers.Field) -> dict[str, serializers.Field]:
    return fields


def _text() -> serializers.CharField:
    return serializers.CharField(allow_blank=True)


def _id() -> serializers.IntegerField:
    return serializers.IntegerField()


def _date() -> serializers.DateField:
    return serializers.DateField(allow_null=True)


EXPORTS: dict[str, Export] = {
    "ventures": Export(
        fields=_fields(
            id=_id(),
            slug=_text(),
            name=_text(),
            status=_text(),
            sectors=_text(),
            website=_text(),
            founded_on=_date(),
            launched_on=_date(),
            url=_text(),
        ),
        queryset=_ventures,
        row=_venture_row,
        filter_class=filters.VentureFilters,
    ),
    "datasets": Export(
        fields=_fields(
            id=_id(),
            source=_text(),
            identifier=_text(),
            title=_text(),
            publisher=_text(),
            keywords=_text(),
            themes=_text(),
            licence=_text(),
            landing_page=_text(),
            modified=_date(),
            withdrawn=serializers.BooleanField(),
            url=_text(),
        ),
        queryset=_datasets,
        row=_dataset_row,
        filter_class=filters.DatasetFilters,
    ),
    "dataset-uses": Export(
        fields=_fields(
            id=_id(),
            venture_id=_id(),
            venture=_text(),
            dataset_id=_id(),
            dataset=_text(),
            extent=_text(),
            quality=serializers.IntegerField(allow_null=True),
            how=_text(),
        ),
        queryset=_uses,
        row=_use_row,
        filter_class=filters.DatasetUseFilters,
    ),
    "funding-events": Export(
        fields=_fields(
            id=_id(),
            venture_id=_id(),
            venture=_text(),
            kind=_text(),
            # DjangoJSONEncoder writes a Decimal as a string, as the list does.
            amount=serializers.DecimalField(
                max_digits=14, decimal_places=2, allow_null=True
            ),
            currency=_text(),
            date=_date(),
            investors=_text(),
            evidence_url=_text(),
            status=_text(),
            note=_text(),
        ),
        queryset=_funding,
        row=_funding_row,
        filter_class=filters.FundingEventFilters,
    ),
}


def _json_lines(columns: tuple[str, ...], rows: Iterable[tuple]) -> Iterator[str]:
    """A JSON array of objects, one element at a time."""
    encoder = DjangoJSONEncoder()
    yield "["
    for n, row in enumerate(rows):
        yield (
            ("," if n else "")
            + "\n"
            + encoder.encode(dict(zip(columns, row, strict=True)))
        )
    yield "\n]\n"


class ExportView(APIView):
    """``/api/v1/exports/<name>.<csv|json>``: the whole table the requester may
    see, narrowed by the same query parameters as the matching list."""

    permission_classes = [AllowAny]
    name: str = ""

    def get(self, request: Request, fmt: str) -> StreamingHttpResponse:
        export = EXPORTS[self.name]
        qs = query_filters(request, export.filter_class).apply(export.queryset(request))
        rows = (export.row(obj, request) for obj in qs.iterator(chunk_size=CHUNK))
        stamp = timezone.localdate().isoformat()
        filename = f"clusterhub-{self.name}-{stamp}.{fmt}"
        if fmt == "csv":
            return csv_response(filename, export.columns, rows)
        response = StreamingHttpResponse(
            _json_lines(export.columns, rows),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


def export_view(name: str) -> Callable:
    """The view for one export, documented with its filters and formats."""
    export = EXPORTS[name]
    title = name.title().replace("-", "")

    @extend_schema(
        operation_id=f"exports_{name.replace('-', '_')}",
        summary=f"Download {name} as CSV or JSON",
        parameters=[
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["csv", "json"]),
            export.filter_class,
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            (200, "application/json"): OpenApiResponse(
                inline_serializer(
                    f"{title}ExportRow", fields=dict(export.fields), many=True
                ),
                description="An array of objects, one a row.",
            ),
        },
    )
    def get(self: ExportView, request: Request, fmt: str) -> StreamingHttpResponse:
        return ExportView.get(self, request, fmt)

    view = cast(
        "type[ExportView]",
        type(
            f"{title}ExportView",
            (ExportView,),
            {"name": name, "get": get, "__doc__": ExportView.__doc__},
        ),
    )

    return view.as_view()
