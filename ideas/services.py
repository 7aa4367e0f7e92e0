"""Every change to ideas, teams and comments goes through these functions.

Each one checks who may act, runs in a transaction, writes the audit row and
saves with ``update_fields``. Views and admin actions call the same functions,
so they behave the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.core import audit
from hub.core.broadcast import events
from hub.core.changes import assign_changed, set_tags
from hub.core.models import NotificationKind, User
from hub.core.notifications import mentioned, notify
from hub.core.permissions import Forbidden, Refused, is_city_staff, require
from ideas import hooks
from ideas.models import (
    Comment,
    Idea,
    StageChange,
    TeamMembership,
    TeamRole,
    Visibility,
)
from ideas.plans import freeze_version
from ideas.rules import team_role
from ideas.stages import Actor, Stage, transition
from programs.access import is_program_member

#: The names callers catch (see :mod:`hub.core.permissions`).
ServiceError = Refused
NotAllowed = Forbidden


class IllegalMove(Refused):
    """The pipeline has no such move from the idea's stage."""


class MoveNotAllowed(Forbidden):
    """The move exists, but not for this person."""


class StageConflict(Refused):
    """The idea moved on since the person looked."""


IDEA_FIELDS = (
    "title", "pitch", "problem", "solution", "description", "visibility", "challenge",
    "program",
)  # fmt: skip


def _check_program(actor: User, fields: dict[str, Any], idea: Idea | None) -> None:
    """An idea goes only into a program its author belongs to, and "Program
    members" visibility needs a program."""
    current = idea.program_id if idea is not None else None
    program_id = current
    if "program" in fields:
        program_id = fields["program"].pk if fields["program"] is not None else None
    moved = program_id not in (current, None)
    if moved and not is_program_member(actor, program_id):
        raise NotAllowed(_("You can only choose a program you belong to."))
    visibility = fields.get("visibility", idea.visibility if idea else None)
    if visibility == Visibility.PROGRAM and program_id is None:
        raise ServiceError(
            _("“Program members” visibility needs the idea to be in a program.")
        )


@transaction.atomic
def create_idea(
    *, owner: User, fields: dict[str, Any], tags: Iterable[str] = ()
) -> Idea:
    """Create a draft idea owned by ``owner``."""
    if not owner.is_authenticated or not owner.is_active:
        raise NotAllowed(_("Sign in to propose an idea."))
    _check_program(owner, fields, None)
    idea = Idea(owner=owner, **{k: fields[k] for k in IDEA_FIELDS if k in fields})
    idea.save()
    idea.tags.set(list(tags))
    audit.record("ideas.create", actor=owner, target=idea)
    return idea


@transaction.atomic
def update_idea(
    idea: Idea,
    *,
    actor: User,
    fields: dict[str, Any],
    tags: Iterable[str] | None = None,
) -> list[str]:
    """Change an idea's text, visibility or tags; returns the changed field names."""
    require(actor, "ideas.edit_idea", idea, _("You cannot edit this idea now."))
    _check_program(actor, fields, idea)
    return _apply_idea_changes(idea, actor, fields, tags)


@transaction.atomic
def staff_update_idea(
    idea: Idea,
    *,
    actor: User,
    fields: dict[str, Any],
    tags: Iterable[str] | None = None,
) -> list[str]:
    """Staff correct an idea in the admin, whatever its stage; the idea still
    goes only into a program its owner belongs to."""
    require(actor, "ideas.moderate", idea, _("Only city staff can do this."))
    try:
        _check_program(idea.owner, fields, idea)
    except NotAllowed:
        raise NotAllowed(
            _("The idea's owner is not a member of that program.")
        ) from None
    return _apply_idea_changes(idea, actor, fields, tags)


def _apply_idea_changes(
    idea: Idea, actor: User, fields: dict[str, Any], tags: Iterable[str] | None
) -> list[str]:
    changed = assign_changed(idea, fields, IDEA_FIELDS, also_save=["updated_at"])
    if set_tags(idea.tags, tags):
        changed.append("tags")
    if changed:
        audit.record("ideas.update", actor=actor, target=idea, fields=changed)
    if {"visibility", "program"} & set(changed):  # who may watch it changed
        events.access_changed(idea.pk, _plan_id(idea), None)
    return changed


@transaction.atomic
def delete_idea(idea: Idea, *, actor: User) -> None:
    """Staff delete an idea with its team, comments, history and plan (the
    admin); the audit row keeps its title, and open sockets on it close."""
    require(actor, "ideas.moderate", idea, _("Only city staff can do this."))
    idea_id, plan_id = idea.pk, _plan_id(idea)
    audit.record(
        "ideas.delete", actor=actor, target=idea, title=idea.title, stage=idea.stage
    )
    idea.delete()
    events.access_changed(idea_id, plan_id, None)


def _plan_id(idea: Idea) -> int | None:
    return Idea.objects.filter(pk=idea.pk).values_list("plan__id", flat=True).first()


def _check_actor(idea: Idea, who: Actor, actor: User) -> None:
    role = team_role(actor, idea)
    if who == Actor.STAFF and not is_city_staff(actor):
        raise MoveNotAllowed(_("Only the city's staff can make this move."))
    if who == Actor.OWNER and role != "owner":
        raise MoveNotAllowed(_("Only the idea's owner can make this move."))
    if who == Actor.TEAM and role not in ("owner", TeamRole.EDITOR):
        raise MoveNotAllowed(
            _("Only the idea's owner or an editor can make this move.")
        )


@transaction.atomic
def move_idea(
    idea: Idea,
    to_stage: str,
    *,
    actor: User,
    note: str = "",
    expected_stage: str | None = None,
) -> StageChange:
    """Move ``idea`` to ``to_stage`` if the pipeline table allows it for ``actor``.

    ``expected_stage`` is the stage the actor saw; if the idea has moved since,
    nothing changes and :class:`StageConflict` says so. The update is
    conditional on the old stage, so of two simultaneous moves exactly one
    happens. Launching creates the venture in the same transaction.
    """
    try:
        target = Stage(to_stage)
    except ValueError:
        raise IllegalMove(
            _("“%(stage)s” is not a stage.") % {"stage": to_stage}
        ) from None
    source = Stage(expected_stage) if expected_stage else Stage(idea.stage)
    step = transition(source, target)
    if step is None:
        raise IllegalMove(
            _("An idea cannot move from %(source)s to %(target)s.")
            % {"source": source.label, "target": target.label}
        )
    _check_actor(idea, step.actor, actor)
    note = (note or "").strip()
    if step.needs_note and not note:
        raise IllegalMove(
            _("Write feedback for the team: it is required for this move.")
        )
    # A registered check may refuse (challenges: a decision needs the reviews).
    if refusal := hooks.move_refusal(idea, source, target, note):
        raise IllegalMove(refusal)

    now = timezone.now()
    moved = Idea.objects.filter(pk=idea.pk, stage=source).update(
        stage=target, stage_changed_at=now, updated_at=now
    )
    if moved != 1:
        current = (
            Idea.objects.filter(pk=idea.pk).values_list("stage", flat=True).first()
        )
        label = Stage(current).label if current else "?"
        raise StageConflict(
            _("This idea moved meanwhile: it is now in %(stage)s. Nothing was changed.")
            % {"stage": label}
        )
    idea.stage, idea.stage_changed_at, idea.updated_at = target, now, now
    change = StageChange.objects.create(
        idea=idea, from_stage=source, to_stage=target, actor=actor, at=now, note=note
    )
    audit.record(
        "ideas.advance",
        actor=actor,
        target=idea,
        from_stage=source.value,
        to_stage=target.value,
        note=note,
    )
    if target == Stage.LAUNCHED:  # ventures creates the venture (ideas.hooks)
        hooks.launched(idea, actor)
    freeze_version(idea, change)
    # After reviews, challenges announces the decision (feedback, in-app and
    # mail); otherwise the team gets the plain notice.
    if not hooks.announce_move(idea, source, target, change, actor):
        notify(
            _team_ids(idea),
            NotificationKind.STAGE_CHANGED,
            actor=actor,
            text=_("“%(title)s” moved to %(stage)s.")
            % {"title": idea.title, "stage": target.label},
            url=idea.get_absolute_url(),
        )
    events.idea_moved(idea.pk, source.value, target.value)
    # A stage decides who reads (drafts are the team's) and who edits the plan.
    events.access_changed(idea.pk, _plan_id(idea), None)
    return change


def _team_ids(idea: Idea) -> list[int]:
    return [idea.owner_id, *idea.memberships.values_list("user_id", flat=True)]


@transaction.atomic
def add_team_member(
    idea: Idea, *, actor: User, email: str, role: str
) -> TeamMembership:
    """Add the registered person with ``email`` to the idea's team."""
    require(actor, "ideas.manage_team", idea, _("Only the owner can change the team."))
    if role not in TeamRole.values:
        raise ServiceError(_("Choose editor or viewer."))
    email = (email or "").strip()
    person = User.objects.filter(email__iexact=email, is_active=True).first()
    if person is None:
        raise ServiceError(
            _(
                "Nobody with that e-mail address has an account. Ask them to sign up first."
            )
        )
    return _add_member(idea, person, role, actor)


@transaction.atomic
def staff_add_team_member(
    idea: Idea, *, actor: User, person: User, role: str
) -> TeamMembership:
    """Staff put ``person`` on the idea's team (the admin)."""
    require(actor, "ideas.moderate", idea, _("Only city staff can do this."))
    if role not in TeamRole.values:
        raise ServiceError(_("Choose editor or viewer."))
    if not person.is_active:
        raise ServiceError(_("%(name)s has no active account.") % {"name": person})
    return _add_member(idea, person, role, actor)


def _add_member(idea: Idea, person: User, role: str, actor: User) -> TeamMembership:
    if person.pk == idea.owner_id:
        raise ServiceError(_("The owner is already on the team."))
    try:
        with transaction.atomic():
            membership = TeamMembership.objects.create(
                idea=idea, user=person, role=role, added_by=actor
            )
    except IntegrityError:
        raise ServiceError(
            _("%(name)s is already on the team.") % {"name": person}
        ) from None
    audit.record("ideas.team_add", actor=actor, target=idea, user=person.pk, role=role)
    notify(
        [person],
        NotificationKind.TEAM_ADDED,
        actor=actor,
        text=_("You were added to the team of “%(title)s”.") % {"title": idea.title},
        url=idea.get_absolute_url(),
    )
    events.team_changed(idea.pk)
    return membership


@transaction.atomic
def remove_team_member(membership: TeamMembership, *, actor: User) -> None:
    """The owner removes a member, or a member leaves."""
    idea = membership.idea
    if membership.user_id != actor.pk:
        require(
            actor, "ideas.manage_team", idea, _("Only the owner can change the team.")
        )
    _remove_member(membership, actor)


@transaction.atomic
def staff_remove_team_member(membership: TeamMembership, *, actor: User) -> None:
    """Staff take someone off an idea's team (the admin)."""
    require(actor, "ideas.moderate", membership.idea, _("Only city staff can do this."))
    _remove_member(membership, actor)


def _remove_member(membership: TeamMembership, actor: User) -> None:
    idea = membership.idea
    membership.delete()
    audit.record("ideas.team_remove", actor=actor, target=idea, user=membership.user_id)
    events.team_changed(idea.pk)
    events.access_changed(idea.pk, _plan_id(idea), membership.user_id)


@transaction.atomic
def set_team_role(membership: TeamMembership, role: str, *, actor: User) -> bool:
    """The owner or staff make a member an editor or a viewer; a new viewer's
    open plan sockets stop taking their edits. Returns whether it changed."""
    idea = membership.idea
    if not (
        actor.has_perm("ideas.manage_team", idea)
        or actor.has_perm("ideas.moderate", idea)
    ):
        raise NotAllowed(_("Only the owner can change the team."))
    if role not in TeamRole.values:
        raise ServiceError(_("Choose editor or viewer."))
    if membership.role == role:
        return False
    previous, membership.role = membership.role, role
    membership.save(update_fields=["role"])
    audit.record(
        "ideas.team_role", actor=actor, target=idea, user=membership.user_id,
        previous=previous, role=role,
    )  # fmt: skip
    events.team_changed(idea.pk)
    events.access_changed(idea.pk, _plan_id(idea), membership.user_id)
    return True


@transaction.atomic
def add_comment(idea: Idea, *, author: User, body: str) -> Comment:
    require(author, "ideas.comment_idea", idea, _("You cannot comment on this idea."))
    body = (body or "").strip()
    if not body:
        raise ServiceError(_("A comment cannot be empty."))
    comment = Comment.objects.create(idea=idea, author=author, body=body)
    audit.record("ideas.comment", actor=author, target=idea, comment=comment.pk)
    url = f"{idea.get_absolute_url()}#comment-{comment.pk}"
    team = set(_team_ids(idea))
    notify(
        team,
        NotificationKind.COMMENT,
        actor=author,
        text=_("%(name)s commented on “%(title)s”.")
        % {"name": author, "title": idea.title},
        url=url,
    )
    candidates = User.objects.filter(
        Q(pk__in=team) | Q(comments__idea=idea), is_active=True
    ).distinct()
    readers = [
        p for p in mentioned(body, candidates) if p.has_perm("ideas.read_idea", idea)
    ]
    if readers:
        notify(
            readers,
            NotificationKind.MENTION,
            actor=author,
            text=_("%(name)s mentioned you on “%(title)s”.")
            % {"name": author, "title": idea.title},
            url=url,
        )
    events.comments_changed(idea.pk)
    return comment


@transaction.atomic
def edit_comment(comment: Comment, *, actor: User, body: str) -> Comment:
    """The author rewrites their comment within the edit window."""
    minutes = int(settings.COMMENT_EDIT_WINDOW.total_seconds() // 60)
    require(
        actor,
        "ideas.edit_comment",
        comment,
        _("Comments can be edited by their author for %(minutes)d minutes.")
        % {"minutes": minutes},
    )
    body = (body or "").strip()
    if not body:
        raise ServiceError(_("A comment cannot be empty."))
    previous = comment.body
    comment.body = body
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    events.comments_changed(comment.idea_id)
    audit.record(
        "ideas.comment_edit", actor=actor, target=comment.idea, comment=comment.pk,
        previous=previous,
    )  # fmt: skip
    return comment


@transaction.atomic
def remove_comment(comment: Comment, *, actor: User) -> Comment:
    """Staff hide a comment; its text stays in the audit log."""
    require(
        actor,
        "ideas.remove_comment",
        comment,
        _("Only city staff can remove comments."),
    )
    if comment.removed_at is None:
        comment.removed_at = timezone.now()
        comment.removed_by = actor
        comment.save(update_fields=["removed_at", "removed_by"])
        events.comments_changed(comment.idea_id)
        audit.record(
            "ideas.comment_remove", actor=actor, target=comment.idea,
            comment=comment.pk, body=comment.body,
        )  # fmt: skip
    return comment


@transaction.atomic
def delete_comment(comment: Comment, *, actor: User) -> None:
    """Staff delete a comment for good (the admin); its text stays in the
    audit log."""
    require(actor, "ideas.moderate", comment.idea, _("Only city staff can do this."))
    audit.record(
        "ideas.comment_delete", actor=actor, target=comment.idea, comment=comment.pk,
        author=comment.author_id, body=comment.body,
    )  # fmt: skip
    idea_id = comment.idea_id
    comment.delete()
    events.comments_changed(idea_id)
