"""Changes to people: profiles and roles."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from hub.core import audit, hooks
from hub.core.broadcast import events
from hub.core.changes import assign_changed, set_tags
from hub.core.models import Role, User
from hub.core.permissions import is_city_staff

STAFF_GROUP = "City staff"
#: Apps whose content staff manage in the admin. By app label, so a model
#: moved between apps must keep its place here (the catalog left ventures).
STAFF_APPS = ("ideas", "ventures", "catalog", "taggit")
#: The plans' Yjs update log and snapshots (moved from realtime to ideas) are
#: written by the sync server only, never through the admin.
STAFF_EXCLUDED = ("docupdate", "docsnapshot")
PROFILE_FIELDS = ("display_name", "organisation", "bio")


class RoleChangeRefused(Exception):
    pass


def staff_group() -> Group:
    """The admin group for city staff: full rights on the hub's content models,
    view-only on people and the audit log (roles change through set_role)."""
    group, _created = Group.objects.get_or_create(name=STAFF_GROUP)
    perms = Permission.objects.filter(
        Q(content_type__app_label__in=STAFF_APPS)
        | Q(
            content_type__app_label="hub", codename__in=["view_user", "view_auditevent"]
        )
    ).exclude(content_type__app_label="ideas", content_type__model__in=STAFF_EXCLUDED)
    group.permissions.set(perms)
    return group


@transaction.atomic
def set_role(person: User, role: str, *, actor: User) -> bool:
    """Grant ``role`` to ``person``; only staff (or superusers) may.

    Staff also get Django admin access through the "City staff" group.
    Returns whether anything changed.
    """
    if not (is_city_staff(actor) or actor.is_superuser):
        raise RoleChangeRefused(_("Only city staff can change roles."))
    if role not in Role.values:
        raise RoleChangeRefused(_("Unknown role."))
    if person.pk == actor.pk and role != Role.STAFF and not actor.is_superuser:
        raise RoleChangeRefused(_("You cannot remove your own staff role."))
    if person.role == role:
        return False
    previous = person.role
    person.role = role
    person.is_staff = role == Role.STAFF or person.is_superuser
    person.save(update_fields=["role", "is_staff"])
    group = staff_group()
    if role == Role.STAFF:
        person.groups.add(group)
    else:
        person.groups.remove(group)
    audit.record(
        "hub.set_role", actor=actor, target=person, previous=previous, role=role
    )
    hooks.rights_changed(person, actor=actor)
    events.user_access_changed(person.pk)
    return True


@transaction.atomic
def update_profile(
    person: User, *, fields: dict[str, Any], skills: Iterable[str] | None = None
) -> list[str]:
    changed = assign_changed(person, fields, PROFILE_FIELDS)
    if set_tags(person.skills, skills):
        changed.append("skills")
    if changed:
        audit.record("hub.update_profile", actor=person, target=person, fields=changed)
    return changed
