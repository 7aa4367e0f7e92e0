"""Who may do what in a program, as `rules` predicates.

Reading a program (its space, people, ideas and challenges) is for its members,
its managers and city staff; everyone else gets 404 from
:func:`programs.access.get_program_for_user`. Managing it (editing, cohorts,
members, invitations) is for its managers and city staff. Only staff create
programs.
"""

from __future__ import annotations

from typing import Any

import rules

from hub.core.permissions import is_city_staff
from programs.access import is_program_member
from programs.models import Program


def manages(user: Any, program: Program) -> bool:
    """Whether ``user`` is one of the program's managers (active accounts only).

    Cached on the program instance so one page asks the database once.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    cache: dict[int, bool] = program.__dict__.setdefault("_manager_ids", {})
    if user.pk not in cache:
        cache[user.pk] = program.managers.filter(pk=user.pk).exists()
    return cache[user.pk]


@rules.predicate
def is_manager(user: Any, program: Program) -> bool:
    return manages(user, program)


@rules.predicate
def is_member(user: Any, program: Program) -> bool:
    return is_program_member(user, program)


can_manage_program = is_city_staff | is_manager

rules.add_perm("programs.create_program", is_city_staff)
rules.add_perm("programs.read_program", is_member)
rules.add_perm("programs.manage_program", can_manage_program)
