"""Who belongs to a program. Other apps ask here, never the tables directly."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from programs.models import Program, ProgramMembership


def is_program_member(user: Any, program: Program | int | None) -> bool:
    """True for the program's members, its managers and city staff."""
    if program is None or user is None or not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if getattr(user, "is_city_staff", False):
        return True
    program_id = program if isinstance(program, int) else program.pk
    member = ProgramMembership.objects.filter(program_id=program_id, user_id=user.pk)
    manager = Program.managers.through.objects.filter(
        program_id=program_id, user_id=user.pk
    )
    return member.exists() or manager.exists()


def member_condition(user: Any, program_field: str = "program") -> Q:
    """A ``Q`` true for rows whose ``program_field`` the user belongs to.

    For ``visible_to`` querysets: one EXISTS per relation, no join fan-out.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if getattr(user, "is_city_staff", False):
        return Q(**{f"{program_field}__isnull": False})
    member = Exists(
        ProgramMembership.objects.filter(
            program_id=OuterRef(f"{program_field}_id"), user_id=user.pk
        )
    )
    manager = Exists(
        Program.managers.through.objects.filter(
            program_id=OuterRef(f"{program_field}_id"), user_id=user.pk
        )
    )
    return Q(member) | Q(manager)
