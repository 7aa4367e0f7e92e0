"""The review rules the pipeline enforces, and telling the team a decision.

:func:`ideas.services.move_idea` asks :func:`move_refusal` before a move and
calls :func:`announce_decision` after one.
"""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import Q
from django.utils.translation import gettext as _

from challenges.access import active_assignments
from challenges.models import Challenge
from challenges.queries import criterion_stats
from hub.core.mail import send_templated_mail
from hub.core.models import NotificationKind, User
from hub.core.notifications import notify
from ideas.models import Idea, StageChange
from ideas.rules import team_role
from ideas.stages import Stage

#: Moves that decide on a reviewed idea: advancing it out of screening to
#: business planning, or declining it (from any stage).
DECISION_MOVES = Q(from_stage=Stage.SCREENING, to_stage=Stage.PLANNING) | Q(
    to_stage=Stage.DECLINED
)


def submitted_count(idea: Idea) -> int:
    return active_assignments().filter(idea=idea, submitted_at__isnull=False).count()


def move_refusal(idea: Idea, source: str, target: str, note: str) -> str | None:
    """Why the move may not happen yet, or None.

    A challenge may require N submitted reviews before Screening → Business
    planning; a decision on an idea that has reviews needs written feedback.
    """
    if source == Stage.SCREENING and target == Stage.PLANNING and idea.challenge_id:
        required = (
            Challenge.objects.filter(pk=idea.challenge_id)
            .values_list("required_reviews", flat=True)
            .first()
            or 0
        )
        have = submitted_count(idea)
        if have < required:
            return _(
                "This challenge requires %(required)d submitted reviews before an "
                "idea moves to business planning; this idea has %(have)d."
            ) % {"required": required, "have": have}
    if is_decision(idea, source, target) and not note:
        return _(
            "Write feedback for the team: it is required for a decision on a "
            "reviewed idea."
        )
    return None


def is_decision(idea: Idea, source: str, target: str) -> bool:
    advance = source == Stage.SCREENING and target == Stage.PLANNING
    return (advance or target == Stage.DECLINED) and submitted_count(idea) > 0


def team_ids(idea: Idea) -> list[int]:
    return [idea.owner_id, *idea.memberships.values_list("user_id", flat=True)]


def announce_decision(idea: Idea, change: StageChange, *, actor: User) -> None:
    """Tell the team (in-app and by mail) what was decided, with the feedback."""
    if change.to_stage == Stage.DECLINED:
        text = _("A decision on “%(title)s”: it was declined. Read the feedback.")
    else:
        text = _("A decision on “%(title)s”: it moves on to business planning.")
    url = idea.get_absolute_url() + "#review-feedback"
    ids = team_ids(idea)
    notify(
        ids,
        NotificationKind.DECISION,
        actor=actor,
        text=text % {"title": idea.title},
        url=url,
    )
    emails = User.objects.filter(pk__in=ids, is_active=True).values_list(
        "email", flat=True
    )
    send_templated_mail(
        "challenges/mail/decision",
        list(emails),
        {
            "idea": idea,
            "stage": Stage(change.to_stage).label,
            "feedback": change.note,
            "url": url,
        },
    )


def latest_decision(idea: Idea) -> StageChange | None:
    """The last decision on the idea after reviews (None before any)."""
    return (
        idea.stage_changes.filter(DECISION_MOVES)
        .exclude(note="")
        .order_by("-at", "-id")
        .first()
    )


def feedback_for_team(idea: Idea) -> dict[str, Any] | None:
    """What the team sees after a decision: the feedback and, per criterion,
    the aggregate of the submitted reviews. Never who gave which score."""
    if submitted_count(idea) == 0:
        return None
    decision = latest_decision(idea)
    if decision is None:
        return None
    stats = criterion_stats(idea)
    return {"decision": decision, **stats}


def review_panel(idea: Idea, user: Any) -> dict[str, Any]:
    """What the idea page shows about challenges and reviews for ``user``:
    the challenge (if they may see it), their own review, staff's link to the
    summary, and for the team the feedback after a decision. Nobody but staff
    (on the summary page) sees another reviewer's scores here."""
    panel: dict[str, Any] = {"idea_id": idea.pk}
    if idea.challenge_id:
        panel["challenge"] = (
            Challenge.objects.visible_to(user).filter(pk=idea.challenge_id).first()
        )
    if not user.is_authenticated:
        return panel
    panel["can_manage"] = rules.has_perm("challenges.manage", user)
    panel["assignment"] = (
        active_assignments().filter(idea=idea, reviewer_id=user.pk).first()
    )
    if team_role(user, idea) is not None:
        panel["feedback"] = feedback_for_team(idea)
    return panel
