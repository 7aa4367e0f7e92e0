from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from hub.core import hooks, services
from hub.core.models import AuditEvent, Role, User

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _role_action(role: str, label: StrOrPromise):
    @admin.action(description=label)
    def action(modeladmin, request, queryset):
        changed = 0
        for person in queryset:
            try:
                changed += services.set_role(person, role, actor=request.user)
            except services.RoleChangeRefused as error:
                modeladmin.message_user(request, f"{person}: {error}", messages.ERROR)
        modeladmin.message_user(
            request, _("%(n)d people changed role.") % {"n": changed}
        )

    action.__name__ = f"make_{role}"
    return action


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["display_name", "email"]
    list_display = [
        "email",
        "display_name",
        "organisation",
        "role",
        "is_active",
        "date_joined",
    ]
    list_filter = ["role", "is_active", "is_superuser"]
    search_fields = ["email", "display_name", "organisation"]
    readonly_fields = ["role", "last_login", "date_joined"]
    actions = [
        _role_action(Role.ENTREPRENEUR, _("Make entrepreneur")),
        _role_action(Role.REVIEWER, _("Make reviewer")),
        _role_action(Role.STAFF, _("Make city staff")),
    ]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["display_name", "organisation", "bio", "skills"]}),
        (_("Role (change with the actions on the list)"), {"fields": ["role"]}),
        (_("Status"), {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "display_name", "password1", "password2"],
            },
        ),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            hooks.rights_changed(obj, actor=request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("is_active")
        return fields


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "actor", "target_repr"]
    list_filter = ["action", "target_type"]
    search_fields = ["action", "target_repr", "actor__email"]
    date_hierarchy = "at"
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
