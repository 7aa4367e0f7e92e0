"""How the API shows and accepts ventures, datasets and their outcomes.

Read serializers describe what anyone allowed may see. Write serializers only
validate the input: the views hand ``validated_data`` to the service
functions, never to ``serializer.save()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import CatalogSource, Dataset, Distribution
from hub.core.forms import clean_tag_list
from hub.core.safelinks import validate_web_link
from ventures.funding.currencies import validate_currency
from ventures.models import DatasetUse, FundingEvent, ImpactSnapshot, Venture


def _web_link(value: str) -> str:
    """A URL field's value, refused unless it is a safe http(s) link (the same
    rule as imports and pages: ``hub.core.safelinks``)."""
    try:
        validate_web_link(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages) from error
    return value


def _absolute(context: Mapping[str, Any], path: str) -> str:

    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


# --------------------------------------------------------------------------------------
# The catalog (read-only: the importer owns it)
# --------------------------------------------------------------------------------------


class CatalogSourceSerializer(serializers.ModelSerializer):
    dataset_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = CatalogSource
        fields = ["id", "name", "format", "last_imported_at", "dataset_count"]


class StaffCatalogSourceSerializer(CatalogSourceSerializer):
    """Staff also see where a catalog was imported from and the last counts
    (a location can be an intranet address or an uploaded file's name)."""

    class Meta(CatalogSourceSerializer.Meta):
        fields = [*CatalogSourceSerializer.Meta.fields, "location", "last_counts"]


class DistributionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Distribution
        fields = ["title", "format", "url", "media_type"]


class DatasetSerializer(serializers.ModelSerializer):
    source_name = serializers.CharField(source="source.name", read_only=True)
    distributions = DistributionSerializer(many=True, read_only=True)
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Dataset
        fields = [
            "id",
            "source",
            "source_name",
            "identifier",
            "title",
            "description",
            "publisher",
            "keywords",
            "themes",
            "licence",
            "landing_page",
            "modified",
            "access_level",
            "withdrawn",
            "distributions",
            "html_url",
            "updated_at",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, obj: Dataset) -> str:
        return _absolute(self.context, reverse("datasets-detail", args=[obj.pk]))


# --------------------------------------------------------------------------------------
# Ventures
# --------------------------------------------------------------------------------------


class TagListField(serializers.ListField):
    """A taggit manager as a list of tag names (read from the prefetch)."""

    child = serializers.CharField(max_length=100)

    def to_representation(self, data: Any) -> list[str]:
        return [tag.name for tag in data.all()]


class VentureSerializer(serializers.ModelSerializer):
    sectors = TagListField(required=False, help_text=_("Sector tags."))
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Venture
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "description_html",
            "website",
            "founded_on",
            "launched_on",
            "status",
            "sectors",
            "html_url",
            "created_at",
        ]
        read_only_fields = ["slug", "description_html", "created_at"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, obj: Venture) -> str:
        return _absolute(self.context, obj.get_absolute_url())

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("Give the venture a name."))
        return value

    def validate_website(self, value: str) -> str:
        return _web_link(value)

    def validate_sectors(self, value: list[str]) -> list[str]:
        try:
            return clean_tag_list(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


# --------------------------------------------------------------------------------------
# Dataset uses
# --------------------------------------------------------------------------------------


class DatasetUseSerializer(serializers.ModelSerializer):
    """A use as shown, and the fields an update may change."""

    venture_name = serializers.CharField(source="venture.name", read_only=True)
    dataset_title = serializers.CharField(source="dataset.title", read_only=True)

    class Meta:
        model = DatasetUse
        fields = [
            "id",
            "venture",
            "venture_name",
            "dataset",
            "dataset_title",
            "how",
            "how_html",
            "extent",
            "quality",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "venture",
            "dataset",
            "how_html",
            "created_at",
            "updated_at",
        ]


class DatasetUseCreateSerializer(DatasetUseSerializer):
    """Creating a use also names the venture and the dataset."""

    class Meta(DatasetUseSerializer.Meta):
        read_only_fields = ["how_html", "created_at", "updated_at"]
        # The service says "already recorded" in words; no unique-together
        # validator (it would cost a query and answer first).
        validators: list = []


# --------------------------------------------------------------------------------------
# Funding events and impact snapshots
# --------------------------------------------------------------------------------------

FUNDING_WRITE_FIELDS = [
    "kind",
    "amount",
    "currency",
    "date",
    "investors",
    "evidence_url",
    "note",
]


class FundingEventSerializer(serializers.ModelSerializer):
    """A funding event as shown, and the fields an update may change."""

    venture_name = serializers.CharField(source="venture.name", read_only=True)
    currency = serializers.CharField(
        max_length=3, help_text=_("ISO 4217 code, e.g. EUR (any case).")
    )

    class Meta:
        model = FundingEvent
        fields = [
            "id",
            "venture",
            "venture_name",
            *FUNDING_WRITE_FIELDS,
            "status",
            "verified_at",
            "created_at",
        ]
        read_only_fields = ["venture", "status", "verified_at", "created_at"]

    def validate_evidence_url(self, value: str) -> str:
        return _web_link(value)

    def validate_currency(self, value: str) -> str:
        value = value.strip().upper()
        try:
            validate_currency(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return value


class FundingEventCreateSerializer(FundingEventSerializer):
    class Meta(FundingEventSerializer.Meta):
        read_only_fields = ["status", "verified_at", "created_at"]


SNAPSHOT_WRITE_FIELDS = [
    "date",
    "full_time_jobs",
    "revenue_band",
    "customers",
    "source",
]


class ImpactSnapshotSerializer(serializers.ModelSerializer):
    venture_name = serializers.CharField(source="venture.name", read_only=True)

    class Meta:
        model = ImpactSnapshot
        fields = [
            "id",
            "venture",
            "venture_name",
            *SNAPSHOT_WRITE_FIELDS,
            "created_at",
        ]
        read_only_fields = ["created_at"]


def write_fields(serializer: serializers.BaseSerializer, names: list[str]) -> dict:
    """The validated values among ``names`` (those given, for a partial update)."""
    return {k: v for k, v in serializer.validated_data.items() if k in names}
