"""The admin for programs. Invitations are read-only here: they are sent,
resent and revoked on the program's pages, which mail the links."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from hub.core.models import User
from programs import services
from programs.models import Cohort, Invitation, Program, ProgramMembership


class CohortInline(admin.TabularInline):
    model = Cohort
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "starts_on", "ends_on"]
    search_fields = ["name", "slug", "description"]
    list_filter = ["starts_on"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["managers"]
    inlines = [CohortInline]

    def save_related(self, request: Any, form: Any, formsets: Any, change: Any) -> None:
        # A manager taken off here loses the right to invite, as through
        # services.update_program: their pending invitations are revoked.
        program = form.instance
        before = set(program.managers.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        gone = before - set(program.managers.values_list("pk", flat=True))
        for person in User.objects.filter(pk__in=gone):
            services.revoke_invitations_of(person, actor=request.user, program=program)


@admin.register(ProgramMembership)
class ProgramMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "program", "role", "cohort", "joined_at"]
    search_fields = ["user__email", "user__display_name", "program__name"]
    list_filter = ["role", "program"]
    list_select_related = ["user", "program", "cohort"]
    raw_id_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "program", "role", "status", "sent_at", "expires_at"]
    search_fields = ["email", "program__name"]
    list_filter = ["status", "role", "program"]
    list_select_related = ["program"]
    exclude = ["token_hash"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
