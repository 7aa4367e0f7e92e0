"""Every change to challenges, rubrics and reviews goes through these functions.

Each checks who may act, runs in a transaction, writes the audit row and saves
with ``update_fields``; views, the admin and the demo seeder call the same ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from challenges.access import active_assignments
from challenges.models import (
    Challenge,
    Criterion,
    ReviewAssignment,
    Rubric,
    Score,
    rubric_for,
)
from hub.core import audit
from hub.core.broadcast import events
from hub.core.changes import assign_changed
from hub.core.mail import send_templated_mail
from hub.core.models import NotificationKind, Role, User
from hub.core.notifications import notify
from hub.core.permissions import Refused, require_staff
from ideas.models import Idea
from ideas.stages import Stage

#: The name callers catch (see :mod:`hub.core.permissions`).
ReviewError = Refused


CHALLENGE_FIELDS = (
    "title", "slug", "brief", "program", "opens_on", "closes_on", "required_reviews",
)  # fmt: skip


@dataclass(frozen=True)
class CriterionSpec:
    name: str
    weight: int
    description: str = ""
    id: int | None = None


def validate_rubric(
    scale_min: int, scale_max: int, criteria: Iterable[CriterionSpec]
) -> list[CriterionSpec]:
    """The criteria, checked: at least one, weights from 1 to 100, distinct
    names, and a scale whose lowest score is below its highest."""
    criteria = list(criteria)
    if scale_min >= scale_max:
        raise ReviewError(_("The lowest score must be below the highest score."))
    if not criteria:
        raise ReviewError(_("A rubric needs at least one criterion."))
    names = [c.name.strip().lower() for c in criteria]
    if any(not n for n in names):
        raise ReviewError(_("Every criterion needs a name."))
    if len(set(names)) != len(names):
        raise ReviewError(_("Two criteria have the same name."))
    if any(not 1 <= c.weight <= 100 for c in criteria):
        raise ReviewError(_("Weights are whole numbers from 1 to 100."))
    return criteria


def rubric_is_scored(rubric: Rubric) -> bool:
    return Score.objects.filter(criterion__rubric=rubric).exists()


def _save_criteria(rubric: Rubric, criteria: list[CriterionSpec]) -> None:
    existing = {c.pk: c for c in rubric.criteria.all()}
    keep: set[int] = set()
    for position, spec in enumerate(criteria):
        row = existing.get(spec.id) if spec.id else None
        if row is None:
            Criterion.objects.create(
                rubric=rubric,
                name=spec.name.strip(),
                description=spec.description.strip(),
                weight=spec.weight,
                position=position,
            )
            continue
        keep.add(row.pk)
        new = {
            "name": spec.name.strip(),
            "description": spec.description.strip(),
            "weight": spec.weight,
            "position": position,
        }
        changed = [k for k, v in new.items() if getattr(row, k) != v]
        for k in changed:
            setattr(row, k, new[k])
        if changed:
            row.save(update_fields=changed)
    gone = [pk for pk in existing if pk not in keep]
    if gone:
        rubric.criteria.filter(pk__in=gone).delete()


def _criteria_signature(rubric: Rubric) -> list[tuple[Any, ...]]:
    return [
        (c.pk, c.name, c.weight) for c in rubric.criteria.order_by("position", "id")
    ]


@transaction.atomic
def save_rubric(
    rubric: Rubric,
    *,
    actor: User,
    scale_min: int,
    scale_max: int,
    criteria: Iterable[CriterionSpec],
) -> Rubric:
    """Set a rubric's scale and criteria (in the given order).

    Once someone has scored on the rubric, its scale and criteria are fixed:
    changing them would make the scores already given mean something else.
    Descriptions may still be reworded.
    """
    require_staff(actor, _("Only the city's staff can do this."))
    criteria = validate_rubric(scale_min, scale_max, criteria)
    if rubric.pk and rubric_is_scored(rubric):
        before = _criteria_signature(rubric)
        after = [(c.id, c.name.strip(), c.weight) for c in criteria]
        if (rubric.scale_min, rubric.scale_max) != (scale_min, scale_max) or (
            before != after
        ):
            raise ReviewError(
                _(
                    "Reviewers have already scored on this rubric, so its scale, "
                    "criteria and weights can no longer change."
                )
            )
    changed = [
        name
        for name, value in (("scale_min", scale_min), ("scale_max", scale_max))
        if getattr(rubric, name) != value
    ]
    rubric.scale_min, rubric.scale_max = scale_min, scale_max
    if rubric.pk is None:
        rubric.save()
    elif changed:
        rubric.save(update_fields=changed)
    _save_criteria(rubric, criteria)
    audit.record(
        "challenges.rubric",
        actor=actor,
        target=rubric,
        scale=[scale_min, scale_max],
        criteria=[[c.name, c.weight] for c in criteria],
    )
    return rubric


@transaction.atomic
def create_challenge(
    *,
    actor: User,
    fields: Mapping[str, Any],
    datasets: Iterable[Any] = (),
    scale_min: int,
    scale_max: int,
    criteria: Iterable[CriterionSpec],
) -> Challenge:
    """Post a challenge with its own rubric."""
    require_staff(actor, _("Only the city's staff can do this."))
    rubric = save_rubric(
        Rubric(name=str(fields["title"])[:200]),
        actor=actor,
        scale_min=scale_min,
        scale_max=scale_max,
        criteria=criteria,
    )
    challenge = Challenge(
        created_by=actor,
        rubric=rubric,
        **{k: fields[k] for k in CHALLENGE_FIELDS if k in fields},
    )
    challenge.save()
    challenge.datasets.set(list(datasets))
    audit.record("challenges.create", actor=actor, target=challenge)
    return challenge


@transaction.atomic
def update_challenge(
    challenge: Challenge,
    *,
    actor: User,
    fields: Mapping[str, Any],
    datasets: Iterable[Any] | None = None,
    scale_min: int,
    scale_max: int,
    criteria: Iterable[CriterionSpec],
) -> list[str]:
    """Change a challenge and its rubric; returns the changed field names."""
    require_staff(actor, _("Only the city's staff can do this."))
    changed = assign_changed(challenge, dict(fields), CHALLENGE_FIELDS)
    rubric = challenge.rubric or Rubric(name=challenge.title[:200])
    save_rubric(
        rubric, actor=actor, scale_min=scale_min, scale_max=scale_max, criteria=criteria
    )
    if challenge.rubric_id is None:
        challenge.rubric = rubric
        challenge.save(update_fields=["rubric"])
    if datasets is not None:
        new = {d.pk for d in datasets}
        if new != set(challenge.datasets.values_list("pk", flat=True)):
            challenge.datasets.set(list(new))
            changed.append("datasets")
    if changed:
        audit.record("challenges.update", actor=actor, target=challenge, fields=changed)
    return changed


def eligible_reviewers(program_id: int | None = None) -> Any:
    """People who may be asked to review: the city's reviewers and staff, and
    a program's own reviewers for ideas of that program's challenges."""
    condition = Q(role__in=[Role.REVIEWER, Role.STAFF])
    if program_id is not None:
        condition |= Q(
            program_memberships__program_id=program_id,
            program_memberships__role="reviewer",
        )
    return User.objects.filter(condition, is_active=True).distinct()


def _is_eligible(reviewer: User, idea: Idea) -> bool:
    program_id = idea.challenge.program_id if idea.challenge else None
    return eligible_reviewers(program_id).filter(pk=reviewer.pk).exists()


def _on_team(user: User, idea: Idea) -> bool:
    return idea.owner_id == user.pk or idea.memberships.filter(user=user).exists()


def _plan_id(idea: Idea) -> int | None:
    return Idea.objects.filter(pk=idea.pk).values_list("plan__id", flat=True).first()


@transaction.atomic
def assign_reviewer(idea: Idea, reviewer: User, *, actor: User) -> ReviewAssignment:
    """Ask ``reviewer`` to review ``idea``; they are notified in-app and by mail.

    Refused for drafts and closed ideas, for someone on the idea's team, for
    someone not eligible, and for someone already assigned (or who declared a
    conflict on it).
    """
    require_staff(actor, _("Only the city's staff can do this."))
    if idea.stage == Stage.DRAFT or idea.is_closed:
        raise ReviewError(_("Only submitted, open ideas can be reviewed."))
    if not _is_eligible(reviewer, idea):
        raise ReviewError(
            _("%(name)s is not a reviewer for this idea.") % {"name": reviewer}
        )
    if _on_team(reviewer, idea):
        raise ReviewError(
            _("%(name)s is on the idea's team and cannot review it.")
            % {"name": reviewer}
        )
    try:
        with transaction.atomic():
            assignment = ReviewAssignment.objects.create(
                idea=idea, reviewer=reviewer, assigned_by=actor
            )
    except IntegrityError:
        raise ReviewError(
            _("%(name)s is already assigned to this idea (or declared a conflict).")
            % {"name": reviewer}
        ) from None
    audit.record("challenges.assign", actor=actor, target=idea, reviewer=reviewer.pk)
    text = _("Please review “%(title)s”.") % {"title": idea.title}
    url = assignment.get_absolute_url()
    notify(
        [reviewer], NotificationKind.REVIEW_ASSIGNED, actor=actor, text=text, url=url
    )
    send_templated_mail(
        "challenges/mail/review_assigned",
        [reviewer.email],
        {"reviewer": reviewer, "idea": idea, "url": url},
    )
    # The reviewer may now read the plan: let an open socket re-check.
    events.access_changed(idea.pk, _plan_id(idea), reviewer.pk)
    return assignment


@transaction.atomic
def assign_challenge_reviewers(
    challenge: Challenge, reviewer: User, *, actor: User
) -> list[ReviewAssignment]:
    """Assign ``reviewer`` to every submitted, open idea of ``challenge`` they
    are not yet on (skipping ideas whose team they belong to)."""
    require_staff(actor, _("Only the city's staff can do this."))
    ideas = (
        Idea.objects.filter(challenge=challenge)
        .exclude(
            stage__in=[Stage.DRAFT, Stage.LAUNCHED, Stage.DECLINED, Stage.WITHDRAWN]
        )
        .exclude(review_assignments__reviewer=reviewer)
        .exclude(owner=reviewer)
        .exclude(memberships__user=reviewer)
        .select_related("challenge")
        .order_by("pk")
    )
    if not eligible_reviewers(challenge.program_id).filter(pk=reviewer.pk).exists():
        raise ReviewError(
            _("%(name)s is not a reviewer for this challenge.") % {"name": reviewer}
        )
    return [assign_reviewer(idea, reviewer, actor=actor) for idea in ideas]


@transaction.atomic
def declare_conflict(
    assignment: ReviewAssignment, *, actor: User, reason: str
) -> ReviewAssignment:
    """The reviewer declares a conflict of interest: they leave the idea, their
    draft scores are discarded, and staff see the reason."""
    if not actor.has_perm("challenges.declare_conflict", assignment):
        raise ReviewError(_("You cannot declare a conflict on this review."))
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("Say briefly what the conflict of interest is."))
    assignment.conflict_declared_at = timezone.now()
    assignment.conflict_reason = reason[:1000]
    assignment.save(update_fields=["conflict_declared_at", "conflict_reason"])
    assignment.scores.all().delete()
    audit.record(
        "challenges.conflict", actor=actor, target=assignment.idea, reason=reason
    )
    idea = assignment.idea
    events.access_changed(idea.pk, _plan_id(idea), actor.pk)
    return assignment


ScoreInput = Mapping[int, tuple[int | None, str]]


def _store_scores(assignment: ReviewAssignment, scores: ScoreInput) -> int:
    rubric = _rubric(assignment)
    criteria = {c.pk: c for c in rubric.criteria.all()}
    unknown = set(scores) - set(criteria)
    if unknown:
        raise ReviewError(_("A score was given for a criterion of another rubric."))
    for criterion_id, (value, _comment) in scores.items():
        if value is not None and not rubric.scale_min <= value <= rubric.scale_max:
            raise ReviewError(
                _("Scores for “%(criterion)s” go from %(min)d to %(max)d.")
                % {
                    "criterion": criteria[criterion_id].name,
                    "min": rubric.scale_min,
                    "max": rubric.scale_max,
                }
            )
    stored = {s.criterion_id: s for s in assignment.scores.all()}
    saved = 0
    for criterion_id, (value, comment) in scores.items():
        comment = (comment or "").strip()[:2000]
        row = stored.get(criterion_id)
        if value is None:
            if row is not None:
                row.delete()
            continue
        if row is None:
            Score.objects.create(
                assignment=assignment,
                criterion_id=criterion_id,
                value=value,
                comment=comment,
                scale_min=rubric.scale_min,
                scale_max=rubric.scale_max,
            )
        elif (row.value, row.comment) != (value, comment):
            row.value, row.comment = value, comment
            row.save(update_fields=["value", "comment"])
        saved += 1
    return saved


def _rubric(assignment: ReviewAssignment) -> Rubric:
    return rubric_for(assignment.idea)


@transaction.atomic
def save_draft_scores(
    assignment: ReviewAssignment, *, actor: User, scores: ScoreInput
) -> int:
    """Keep the reviewer's scores so far (blanks allowed); returns how many."""
    if not actor.has_perm("challenges.score", assignment):
        raise ReviewError(_("This review is submitted or no longer yours."))
    saved = _store_scores(assignment, scores)
    audit.record("challenges.draft", actor=actor, target=assignment.idea, scores=saved)
    return saved


@transaction.atomic
def submit_review(
    assignment: ReviewAssignment, *, actor: User, scores: ScoreInput
) -> ReviewAssignment:
    """Store the scores and submit: every criterion must be scored. After
    this the reviewer sees the other submitted reviews; the review is final."""
    if not actor.has_perm("challenges.score", assignment):
        raise ReviewError(_("This review is submitted or no longer yours."))
    # Lock the row so a double click cannot submit twice.
    locked = ReviewAssignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.submitted_at is not None:
        raise ReviewError(_("This review is already submitted."))
    _store_scores(assignment, scores)
    rubric = _rubric(assignment)
    missing = rubric.criteria.exclude(scores__assignment=assignment)
    if missing.exists():
        raise ReviewError(
            _("Score every criterion before submitting (missing: %(names)s).")
            % {"names": ", ".join(c.name for c in missing)}
        )
    assignment.submitted_at = timezone.now()
    assignment.save(update_fields=["submitted_at"])
    audit.record("challenges.submit", actor=actor, target=assignment.idea)
    return assignment


def submitted_reviews(idea: Idea) -> Any:
    return active_assignments().filter(idea=idea, submitted_at__isnull=False)
