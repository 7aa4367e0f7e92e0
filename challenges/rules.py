"""Permissions on challenges and reviews, as `rules` predicates.

Staff run challenges and reviews. A challenge without a program is public
(once open); a program's challenge is for the program's members. Reviewers
act only on their own assignments, looked up through
:func:`challenges.access.get_assignment_for_user`.
"""

from __future__ import annotations

from typing import Any

import rules
from django.utils import timezone

from challenges.models import Challenge, ReviewAssignment
from hub.core.permissions import is_city_staff
from programs.access import is_program_member


@rules.predicate
def can_see_challenge(user: Any, challenge: Challenge) -> bool:
    """Mirrors :meth:`ChallengeQuerySet.visible_to` (a test checks they agree)."""
    if challenge.opens_on > timezone.localdate():
        return False
    if challenge.program_id is None:
        return True
    return is_program_member(user, challenge.program_id)


@rules.predicate
def is_own_active_assignment(user: Any, assignment: ReviewAssignment) -> bool:
    return (
        user.is_authenticated
        and assignment.reviewer_id == user.pk
        and assignment.conflict_declared_at is None
    )


@rules.predicate
def is_unsubmitted(user: Any, assignment: ReviewAssignment) -> bool:
    return assignment.submitted_at is None


rules.add_perm("challenges.manage", is_city_staff)
rules.add_perm("challenges.read_challenge", is_city_staff | can_see_challenge)
rules.add_perm("challenges.score", is_own_active_assignment & is_unsubmitted)
rules.add_perm("challenges.declare_conflict", is_own_active_assignment & is_unsubmitted)
