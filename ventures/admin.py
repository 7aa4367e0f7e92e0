from __future__ import annotations

from django.contrib import admin

from ventures.models import Venture, VentureMember


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
