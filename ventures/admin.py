from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from ventures.models import (
    DataRequest,
    DatasetUse,
    ExternalReference,
    Venture,
    VentureMember,
)


class MemberInline(admin.TabularInline):
    model = VentureMember
    extra = 0
    autocomplete_fields = ["user"]


class ExternalReferenceInline(admin.TabularInline):
    """Where an imported venture came from (read-only: the importers own it)."""

    model = ExternalReference
    extra = 0
    fields = ["source", "key", "primary"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(
        self, request: HttpRequest, obj: Venture | None = None
    ) -> bool:
        return False


@admin.register(Venture)
class VentureAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "launched_on", "founded_on", "idea"]
    search_fields = ["name", "description", "website", "idea__title"]
    list_filter = ["status", "launched_on", "external_refs__source"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["idea"]
    raw_id_fields = ["idea"]
    inlines = [MemberInline, ExternalReferenceInline]
    # A website typed without a scheme means https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(DatasetUse)
class DatasetUseAdmin(admin.ModelAdmin):
    list_display = ["venture", "dataset", "extent", "quality", "created_at"]
    search_fields = ["venture__name", "dataset__title", "how"]
    list_filter = ["extent", "quality"]
    list_select_related = ["venture", "dataset"]
    raw_id_fields = ["venture", "dataset", "created_by"]


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    list_display = ["title", "venture", "status", "created_at"]
    search_fields = ["title", "description", "venture__name"]
    list_filter = ["status"]
    list_select_related = ["venture"]
    raw_id_fields = ["venture", "requested_by"]
