from __future__ import annotations

from django.contrib import admin

from ventures.models import (
    CatalogSource,
    Dataset,
    Distribution,
    Venture,
    VentureMember,
)


class MemberInline(admin.TabularInline):
    model = VentureMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Venture)
class VentureAdmin(admin.ModelAdmin):
    list_display = ["name", "launched_on", "idea", "created_at"]
    search_fields = ["name", "description", "idea__title"]
    list_filter = ["launched_on"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["idea"]
    raw_id_fields = ["idea"]
    inlines = [MemberInline]


@admin.register(CatalogSource)
class CatalogSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "format", "location", "last_imported_at"]
    search_fields = ["name", "location"]
    list_filter = ["format"]
    readonly_fields = ["last_imported_at", "last_counts"]


class DistributionInline(admin.TabularInline):
    model = Distribution
    extra = 0


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["title", "identifier", "source", "modified", "withdrawn"]
    search_fields = ["title", "identifier", "publisher", "description"]
    list_filter = ["source", "withdrawn", "access_level"]
    list_select_related = ["source"]
    inlines = [DistributionInline]


@admin.register(Distribution)
class DistributionAdmin(admin.ModelAdmin):
    list_display = ["title", "format", "media_type", "dataset"]
    search_fields = ["title", "url", "dataset__title"]
    list_select_related = ["dataset"]
    raw_id_fields = ["dataset"]
