"""The catalog admin: sources, datasets and their distributions."""

from __future__ import annotations

from django.contrib import admin

from catalog.models import CatalogSource, Dataset, Distribution


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
