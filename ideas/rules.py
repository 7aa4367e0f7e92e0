"""Object permissions on ideas and comments, as `rules` predicates.

The read rule here mirrors :meth:`IdeaQuerySet.visible_to`; a test checks the
two agree for every persona. Views look objects up through
:mod:`ideas.access`, so a person who may not read an idea gets 404.
"""

from __future__ import annotations

from typing import Any

import rules
from django.conf import settings
from django.utils import timezone

from hub.core.permissions import is_city_staff
from ideas import hooks
from ideas.models import Comment, Idea, TeamRole, Visibility
from ideas.stages import EDITABLE, Stage
from programs.access import is_program_member


def team_role(user: Any, idea: Idea) -> str | None:
    """The user's role on the idea's team ("owner", "editor", "viewer" or None).

    Cached on the idea instance so one page asks the database once.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if idea.owner_id == user.pk:
        return "owner"
    cache: dict[int, str | None] = idea.__dict__.setdefault("_team_roles", {})
    if user.pk not in cache:
        prefetched = getattr(idea, "_prefetched_objects_cache", {}).get("memberships")
        if prefetched is not None:
            role = next((m.role for m in prefetched if m.user_id == user.pk), None)
        else:
            role = (
                idea.memberships.filter(user_id=user.pk)
                .values_list("role", flat=True)
                .first()
            )
        cache[user.pk] = role
    return cache[user.pk]


@rules.predicate
def is_owner(user: Any, idea: Idea) -> bool:
    return team_role(user, idea) == "owner"


@rules.predicate
def is_editor(user: Any, idea: Idea) -> bool:
    return team_role(user, idea) == TeamRole.EDITOR


@rules.predicate
def is_team_member(user: Any, idea: Idea) -> bool:
    return team_role(user, idea) is not None


@rules.predicate
def is_reviewer(user: Any) -> bool:
    return bool(getattr(user, "is_reviewer", False))


@rules.predicate
def is_assigned_reviewer(user: Any, idea: Idea) -> bool:
    """Holds an active (non-conflicted) review assignment on the idea (a grant
    challenges registers: ideas.hooks)."""
    return hooks.is_granted(user, idea)


@rules.predicate
def is_public(user: Any, idea: Idea) -> bool:
    return idea.visibility == Visibility.PUBLIC


@rules.predicate
def is_program_shared(user: Any, idea: Idea) -> bool:
    """A "Program members" idea and ``user`` is in its program (cached on the
    idea instance, like team_role)."""
    if idea.visibility != Visibility.PROGRAM or idea.program_id is None:
        return False
    if user is None or not user.is_authenticated:
        return False
    cache: dict[int, bool] = idea.__dict__.setdefault("_program_members", {})
    if user.pk not in cache:
        cache[user.pk] = is_program_member(user, idea.program_id)
    return cache[user.pk]


@rules.predicate
def is_submitted(user: Any, idea: Idea) -> bool:
    return idea.stage != Stage.DRAFT


@rules.predicate
def is_editable_stage(user: Any, idea: Idea) -> bool:
    return idea.stage in EDITABLE


@rules.predicate
def is_comment_author(user: Any, comment: Comment) -> bool:
    return user.is_authenticated and comment.author_id == user.pk


@rules.predicate
def within_edit_window(user: Any, comment: Comment) -> bool:
    return (
        comment.removed_at is None
        and timezone.now() - comment.created_at <= settings.COMMENT_EDIT_WINDOW
    )


@rules.predicate
def can_read_comment_idea(user: Any, comment: Comment) -> bool:
    return can_read_idea.test(user, comment.idea)


can_read_idea = (
    is_public
    | is_team_member
    | ((is_reviewer | is_assigned_reviewer) & is_submitted)
    | is_program_shared
)
can_edit_idea = (is_owner | is_editor) & is_editable_stage
can_manage_team = is_owner
can_comment = rules.is_authenticated & rules.is_active & can_read_idea

# Plans: the team writes (owner and editors, while the idea is open); viewers
# and staff read. Reviewers read once reviews are assigned to them.
# A "Program members" idea's plan is read by the program's members too.
can_read_plan = can_read_idea & (
    is_team_member | is_city_staff | is_assigned_reviewer | is_program_shared
)
can_edit_plan = (is_owner | is_editor) & is_editable_stage

rules.add_perm("ideas.read_idea", can_read_idea)
rules.add_perm("ideas.read_plan", can_read_plan)
rules.add_perm("ideas.edit_plan", can_edit_plan)
rules.add_perm("ideas.edit_idea", can_edit_idea)
rules.add_perm("ideas.manage_team", can_manage_team)
rules.add_perm("ideas.comment_idea", can_comment)
rules.add_perm("ideas.run_pipeline", is_city_staff)
rules.add_perm(
    "ideas.edit_comment",
    is_comment_author & within_edit_window & can_read_comment_idea,
)
rules.add_perm("ideas.remove_comment", is_city_staff & can_read_comment_idea)
# Staff correct ideas, teams and comments in the Django admin (ideas/admin.py).
rules.add_perm("ideas.moderate", is_city_staff)
