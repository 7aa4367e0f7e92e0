"""Query-string filters of the API lists and exports.

Each filter set is a serializer of the whitelisted parameters: a bad value
answers 400 with the parameter's message, an unknown parameter is ignored.
drf-spectacular documents the fields as query parameters.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from catalog.queries import json_list_has
from ventures.models import FundingKind, FundingStatus, UseExtent, VentureStatus
from ventures.views import filter_ventures


class FilterSet(serializers.Serializer):
    """Validates the query string; ``apply`` narrows a queryset by it."""

    def filter(self, qs: QuerySet, data: dict[str, Any]) -> QuerySet:
        raise NotImplementedError

    def apply(self, qs: QuerySet) -> QuerySet:
        self.is_valid(raise_exception=True)
        data = {k: v for k, v in self.validated_data.items() if v not in (None, "")}
        return self.filter(qs, data)


#: The largest id the database stores (a signed 64-bit integer): a larger one is
#: refused as the parameter's own error instead of reaching the database.
MAX_ID = 2**63 - 1


def IdField(**kwargs: Any) -> serializers.IntegerField:  # noqa: N802 (a field)
    """An optional id parameter: a whole number from 1 to ``MAX_ID``."""
    return serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, **kwargs
    )


def _check_range(attrs: dict[str, Any], low: str, high: str) -> dict[str, Any]:
    if attrs.get(low) and attrs.get(high) and attrs[low] > attrs[high]:
        raise serializers.ValidationError(
            {high: _("The end of the range is before its start.")}
        )
    return attrs


class DatasetFilters(FilterSet):
    q = serializers.CharField(
        required=False,
        max_length=200,
        help_text=_("Words in the title, publisher or keywords."),
    )
    # DRF's metaclass takes declared fields out of the class body, so this field
    # never shadows Field.source at run time; mypy sees only the class attribute.
    source = IdField(help_text=_("Catalog source id."))  # type: ignore[assignment]

    publisher = serializers.CharField(
        required=False, max_length=300, help_text=_("Exact publisher (any case).")
    )
    keyword = serializers.CharField(
        required=False, max_length=200, help_text=_("One of the dataset's keywords.")
    )
    theme = serializers.CharField(
        required=False, max_length=200, help_text=_("One of the dataset's themes.")
    )
    withdrawn = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("true: only withdrawn datasets; false: only current ones."),
    )
    modified_from = serializers.DateField(
        required=False, help_text=_("Modified on or after this date.")
    )
    modified_to = serializers.DateField(
        required=False, help_text=_("Modified on or before this date.")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _check_range(attrs, "modified_from", "modified_to")

    def filter(self, qs: QuerySet, data: dict[str, Any]) -> QuerySet:
        if q := data.get("q", "").strip():
            qs = qs.filter(
                Q(title__icontains=q)
                | Q(publisher__icontains=q)
                | json_list_has(q, "keywords", exact=False)
            )
        if "source" in data:
            qs = qs.filter(source_id=data["source"])
        if publisher := data.get("publisher", "").strip():
            qs = qs.filter(publisher__iexact=publisher)
        if keyword := data.get("keyword", "").strip():
            qs = qs.filter(json_list_has(keyword, "keywords", exact=True))
        if theme := data.get("theme", "").strip():
            qs = qs.filter(json_list_has(theme, "themes", exact=True))
        if "withdrawn" in data:
            qs = qs.filter(withdrawn=data["withdrawn"])
        if "modified_from" in data:
            qs = qs.filter(modified__gte=data["modified_from"])
        if "modified_to" in data:
            qs = qs.filter(modified__lte=data["modified_to"])
        return qs


class VentureFilters(FilterSet):
    q = serializers.CharField(
        required=False, max_length=100, help_text=_("Words in the name.")
    )
    status = serializers.ChoiceField(choices=VentureStatus.choices, required=False)
    sector = serializers.CharField(
        required=False, max_length=100, help_text=_("A sector tag (any case).")
    )

    def filter(self, qs: QuerySet, data: dict[str, Any]) -> QuerySet:
        return filter_ventures(qs, data)  # the directory page's own filter


class DatasetUseFilters(FilterSet):
    venture = IdField()
    dataset = IdField()
    extent = serializers.ChoiceField(choices=UseExtent.choices, required=False)

    def filter(self, qs: QuerySet, data: dict[str, Any]) -> QuerySet:
        lookups = {"venture": "venture_id", "dataset": "dataset_id", "extent": "extent"}
        return qs.filter(**{lookups[k]: v for k, v in data.items() if k in lookups})


class FundingEventFilters(FilterSet):
    venture = IdField()
    kind = serializers.ChoiceField(choices=FundingKind.choices, required=False)
    status = serializers.ChoiceField(choices=FundingStatus.choices, required=False)
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}$",
        required=False,
        help_text=_("ISO 4217 code, e.g. EUR."),
    )
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _check_range(attrs, "date_from", "date_to")

    def filter(self, qs: QuerySet, data: dict[str, Any]) -> QuerySet:
        if "venture" in data:
            qs = qs.filter(venture_id=data["venture"])
        if "kind" in data:
            qs = qs.filter(kind=data["kind"])
        if "status" in data:
            qs = qs.filter(status=data["status"])
        if "currency" in data:
            qs = qs.filter(currency=data["currency"].upper())
        if "date_from" in data:
            qs = qs.filter(date__gte=data["date_from"])
        if "date_to" in data:
            qs = qs.filter(date__lte=data["date_to"])
        return qs


class ImpactSnapshotFilters(FilterSet):
    venture = IdField()
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _check_range(attrs, "date_from", "date_to")

    def filter(self, qs: QuerySet, data: dict[str, Any]) -> QuerySet:
        if "venture" in data:
            qs = qs.filter(venture_id=data["venture"])
        if "date_from" in data:
            qs = qs.filter(date__gte=data["date_from"])
        if "date_to" in data:
            qs = qs.filter(date__lte=data["date_to"])
        return qs
