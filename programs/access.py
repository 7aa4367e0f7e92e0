"""Who belongs to a program. Other apps ask here, never the tables directly."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404

from hub.core.permissions import is_city_staff, require
from programs.models import Cohort, Invitation, Program, ProgramMembership


def is_program_member(user: Any, program: Program | int | None) -> bool:
    """True for the program's members, its managers and city staff."""
    if program is None or user is None or not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if is_city_staff(user):
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
    if is_city_staff(user):
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


def get_program_for_user(user: Any, slug: str) -> Program:
    """The program with ``slug`` if ``user`` may open it; otherwise Http404.

    A program someone is not in and a missing one look the same.
    """
    return get_object_or_404(Program.objects.visible_to(user), slug=slug)


def get_invitation_for_manager(user: Any, program: Program, pk: int) -> Invitation:
    """One of ``program``'s invitations for someone who manages it; Http404 for
    an invitation of another program, Forbidden (403) for a plain member."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("program", "cohort"), pk=pk, program=program
    )
    require(user, "programs.manage_program", program)
    return invitation


def get_membership_for_manager(
    user: Any, program: Program, pk: int
) -> ProgramMembership:
    """One of ``program``'s memberships for someone who manages it."""
    membership = get_object_or_404(
        ProgramMembership.objects.select_related("user", "program"),
        pk=pk,
        program=program,
    )
    require(user, "programs.manage_program", program)
    return membership


def get_cohort_for_manager(user: Any, program: Program, pk: int) -> Cohort:
    cohort = get_object_or_404(Cohort, pk=pk, program=program)
    require(user, "programs.manage_program", program)
    return cohort
