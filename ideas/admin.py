"""The ideas admin: every change goes through :mod:`ideas.services`, so it is
checked, audited and broadcast like the same change on the site (a member
removed or made a viewer here loses the plan socket's write access at once).

Ideas are proposed by their owners on the site, so the admin does not add
them, and their owner and stage are read-only (stages move on the board).
Comments are the author's words: staff hide them (the site's "remove") or
delete them, but do not edit them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.forms import BaseModelFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hub.core.adminkit import (
    ServiceAdmin,
    actor,
    changed,
    delete_selected,
    save_role_rows,
)
from ideas import services
from ideas.models import Comment, Idea, StageChange, TeamMembership


class TeamInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "added_by", "added_at"]
    readonly_fields = ["added_by", "added_at"]


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_stage", "to_stage", "actor", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Idea)
class IdeaAdmin(ServiceAdmin):
    refusals = (services.ServiceError,)
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
    # What the form edits is what staff_update_idea takes: IDEA_FIELDS and tags.
    fields = [
        "title", "owner", "pitch", "problem", "solution", "description", "tags",
        "visibility", "program", "challenge", "stage", "stage_changed_at",
        "created_at", "updated_at",
    ]  # fmt: skip
    # Stages change only through the pipeline service (the board or the idea page).
    readonly_fields = ["owner", "stage", "stage_changed_at", "created_at", "updated_at"]
    inlines = [TeamInline, StageChangeInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # ideas are proposed on the site, by their owners

    def update(self, request: HttpRequest, current: Idea, form: ModelForm) -> None:
        tags = form.cleaned_data["tags"] if "tags" in form.changed_data else None
        services.staff_update_idea(
            current,
            actor=actor(request),
            fields=changed(form, services.IDEA_FIELDS),
            tags=tags,
        )

    def remove(self, request: HttpRequest, obj: Idea) -> None:
        services.delete_idea(obj, actor=actor(request))

    def save_inline(
        self, request: HttpRequest, parent: Idea, formset: BaseModelFormSet
    ) -> None:
        if formset.model is TeamMembership:
            save_role_rows(
                request,
                parent,
                formset,
                add=services.staff_add_team_member,
                set_role=services.set_team_role,
                remove=services.staff_remove_team_member,
            )
        else:
            super().save_inline(request, parent, formset)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # An idea's stage history goes with it (StageChangeAdmin deletes none alone).
        deleted, counts, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        perms_needed.discard(str(StageChange._meta.verbose_name))
        return deleted, counts, perms_needed, protected


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

    def has_delete_permission(self, request, obj=None):
        return False  # the pipeline's history, written by services.move_idea


@admin.action(permissions=["moderate"], description=_("Hide selected comments"))
def hide_comments(
    modeladmin: ServiceAdmin, request: HttpRequest, queryset: QuerySet[Comment]
) -> None:
    """The site's "remove": the comment stays, hidden, its text in the audit log."""
    try:
        with transaction.atomic():
            for comment in queryset.select_related("idea"):
                services.remove_comment(comment, actor=actor(request))
    except services.ServiceError as refusal:
        modeladmin.message_user(request, str(refusal), messages.ERROR)
        return
    modeladmin.message_user(request, _("The comments are hidden."), messages.SUCCESS)


@admin.register(Comment)
class CommentAdmin(ServiceAdmin):
    refusals = (services.ServiceError,)
    actions = [delete_selected, hide_comments]
    list_display = ["idea", "author", "created_at", "edited_at", "removed_at"]
    list_filter = ["created_at", "removed_at"]
    search_fields = ["body", "idea__title", "author__email"]
    list_select_related = ["idea", "author"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # comments are written on the idea's page

    def has_change_permission(
        self, request: HttpRequest, obj: Comment | None = None
    ) -> bool:
        return False  # the author's words: hide or delete, never rewrite

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("ideas.change_comment")

    def remove(self, request: HttpRequest, obj: Comment) -> None:
        services.delete_comment(obj, actor=actor(request))


@admin.register(TeamMembership)
class TeamMembershipAdmin(ServiceAdmin):
    refusals = (services.ServiceError,)
    list_display = ["idea", "user", "role", "added_at"]
    list_filter = ["role"]
    search_fields = ["idea__title", "user__email", "user__display_name"]
    list_select_related = ["idea", "user"]
    autocomplete_fields = ["idea", "user"]
    fields = ["idea", "user", "role", "added_by", "added_at"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: TeamMembership | None = None
    ) -> list[str]:
        # Someone else on the team is a new row; here only the role changes.
        return ["added_by", "added_at"] + (["idea", "user"] if obj else [])

    def create(self, request: HttpRequest, form: ModelForm) -> TeamMembership:
        data = form.cleaned_data
        return services.staff_add_team_member(
            data["idea"], actor=actor(request), person=data["user"], role=data["role"]
        )

    def update(
        self, request: HttpRequest, current: TeamMembership, form: ModelForm
    ) -> None:
        services.set_team_role(current, form.cleaned_data["role"], actor=actor(request))

    def remove(self, request: HttpRequest, obj: TeamMembership) -> None:
        services.staff_remove_team_member(obj, actor=actor(request))
