from __future__ import annotations

from django.contrib import admin

from ideas.models import Comment, Idea, StageChange, TeamMembership


class TeamInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["added_by", "added_at"]


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_stage", "to_stage", "actor", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "owner",
        "stage",
        "visibility",
        "stage_changed_at",
        "updated_at",
    ]
    list_filter = ["stage", "visibility", "tags"]
    search_fields = ["title", "pitch", "owner__email", "owner__display_name"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["owner"]
    # Stages change only through the pipeline service (the board or the idea page).
    readonly_fields = ["stage", "stage_changed_at", "created_at", "updated_at"]
    inlines = [TeamInline, StageChangeInline]


@admin.register(StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    list_display = ["idea", "from_stage", "to_stage", "actor", "at"]
    list_filter = ["to_stage", "from_stage"]
    search_fields = ["idea__title", "note", "actor__email"]
    list_select_related = ["idea", "actor"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["idea", "author", "created_at", "edited_at", "removed_at"]
    list_filter = ["created_at", "removed_at"]
    search_fields = ["body", "idea__title", "author__email"]
    list_select_related = ["idea", "author"]
    readonly_fields = ["removed_by", "removed_at", "edited_at"]


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):
    list_display = ["idea", "user", "role", "added_at"]
    list_filter = ["role"]
    search_fields = ["idea__title", "user__email", "user__display_name"]
    list_select_related = ["idea", "user"]
    autocomplete_fields = ["idea", "user"]
