"""Helpers for tests that drive the Django admin's forms (no tests here): the
city-staff admin user, and a change form's current values as POST data, so a
test changes just what it means to change."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from taggit.forms import TagField
from taggit.utils import edit_string_for_tags

from hub.core.models import AuditEvent, User
from hub.core.services import staff_group


def admin_staff(user: User) -> User:
    """``user`` (city staff by role) in the "City staff" group, as
    ``hub.core.services.set_role`` leaves a new staff member."""
    user.groups.add(staff_group())
    return user


def _field_data(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        key = form.add_prefix(name)
        if isinstance(field, TagField):
            data[key] = edit_string_for_tags(value or [])
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, (list, tuple)):
            data[key] = [v for v in value if v is not None]
        elif value is not None:
            data[key] = value
    return data


def form_data(page: HttpResponse, **changes: Any) -> dict[str, Any]:
    """The POST data of an admin add or change page as it stands (main form,
    every inline with its management form), with ``changes`` on top."""
    data = _field_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            data.update(_field_data(form))
    data.update(changes)
    return data


def audit_actions(since: int = 0) -> list[str]:
    """The audit log's action names after row ``since`` (a primary key)."""
    return list(
        AuditEvent.objects.filter(pk__gt=since)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def last_audit_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
