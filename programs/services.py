"""Every change to programs, cohorts, members and invitations goes through here.

Each function checks who may act, runs in a transaction, writes the audit row
and saves with ``update_fields``; mail and live notices go out on commit.

Invitation tokens: ``secrets.token_urlsafe(32)`` (256 random bits), mailed once
and never stored; the row keeps only its SHA-256. A link is looked up by that
hash, so there is nothing to compare in variable time and nothing to guess or
enumerate. Resending replaces the hash, so the previous link stops working.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub.core import audit
from hub.core.broadcast import events
from hub.core.changes import assign_changed
from hub.core.mail import send_templated_mail
from hub.core.models import AuditEvent, NotificationKind, User
from hub.core.notifications import notify
from hub.core.permissions import Forbidden, Refused, is_city_staff, require
from programs import rules as program_rules  # noqa: F401 - registers the perms
from programs.models import (
    SHARES,
    Cohort,
    Direction,
    Indicator,
    Invitation,
    InvitationStatus,
    MemberRole,
    Program,
    ProgramMembership,
    RevokedBecause,
    ScorecardTarget,
    normalize_email,
)

#: The names callers catch (see :mod:`hub.core.permissions`).
ServiceError = Refused
NotAllowed = Forbidden


class RateLimited(Refused):
    """Too many invitations sent in the window; try again later."""


class InvitationUnusable(Refused):
    """The invitation cannot be accepted; ``reason`` says why (see REASONS)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


PROGRAM_FIELDS = ("name", "slug", "description", "starts_on", "ends_on")
COHORT_FIELDS = ("name", "starts_on", "ends_on")
INVITE_AUDIT_ACTIONS = ("programs.invite", "programs.invitation_resend")
#: Most addresses one paste may hold (the rate limit usually bites first).
MAX_ADDRESSES = 200


# --------------------------------------------------------------------------------------
# Programs, cohorts, members
# --------------------------------------------------------------------------------------


@transaction.atomic
def create_program(
    *, actor: User, fields: dict[str, Any], managers: Iterable[User] = ()
) -> Program:
    """Create a program (staff only); ``managers`` must be staff accounts."""
    require(actor, "programs.create_program", None, _("Only staff add programs."))
    program = Program(**{k: fields[k] for k in PROGRAM_FIELDS if k in fields})
    program.save()
    program.managers.set(_staff_only(managers))
    audit.record(
        "programs.create",
        actor=actor,
        target=program,
        managers=sorted(m.pk for m in program.managers.all()),
    )
    return program


def _staff_only(people: Iterable[User]) -> list[User]:
    people = list(people)
    if any(not is_city_staff(p) for p in people):
        raise NotAllowed(_("Program managers must be city staff."))
    return people


@transaction.atomic
def update_program(
    program: Program,
    *,
    actor: User,
    fields: dict[str, Any],
    managers: Iterable[User] | None = None,
) -> list[str]:
    """Change a program's text, dates or managers; returns the changed names.

    Its managers may edit it; only staff change who manages it.
    """
    require(
        actor, "programs.manage_program", program, _("You cannot edit this program.")
    )
    changed = assign_changed(program, fields, PROGRAM_FIELDS)
    if managers is not None:
        wanted = {m.pk for m in _staff_only(managers)}
        current = set(program.managers.values_list("pk", flat=True))
        if wanted != current:
            if not is_city_staff(actor):
                raise NotAllowed(_("Only staff change who manages a program."))
            program.managers.set(list(wanted))
            changed.append("managers")
            for gone in current - wanted:
                events.user_access_changed(gone)
            for person in User.objects.filter(pk__in=current - wanted):
                revoke_invitations_of(person, actor=actor, program=program)
    if changed:
        audit.record("programs.update", actor=actor, target=program, fields=changed)
    return changed


@transaction.atomic
def add_cohort(program: Program, *, actor: User, fields: dict[str, Any]) -> Cohort:
    require(
        actor, "programs.manage_program", program, _("You cannot manage this program.")
    )
    cohort = Cohort(
        program=program, **{k: fields[k] for k in COHORT_FIELDS if k in fields}
    )
    try:
        with transaction.atomic():
            cohort.save()
    except IntegrityError as exc:
        raise ServiceError(
            _("This program already has a cohort by that name.")
        ) from exc
    audit.record("programs.cohort_add", actor=actor, target=cohort)
    return cohort


@transaction.atomic
def update_cohort(cohort: Cohort, *, actor: User, fields: dict[str, Any]) -> list[str]:
    require(
        actor,
        "programs.manage_program",
        cohort.program,
        _("You cannot manage this program."),
    )
    try:
        with transaction.atomic():
            changed = assign_changed(cohort, fields, COHORT_FIELDS)
    except IntegrityError as exc:
        raise ServiceError(
            _("This program already has a cohort by that name.")
        ) from exc
    if changed:
        audit.record(
            "programs.cohort_update", actor=actor, target=cohort, fields=changed
        )
    return changed


@transaction.atomic
def change_member(
    membership: ProgramMembership,
    *,
    actor: User,
    role: str,
    cohort: Cohort | None,
) -> list[str]:
    """Change a member's role or cohort (managers and staff)."""
    require(
        actor,
        "programs.manage_program",
        membership.program,
        _("You cannot manage this program."),
    )
    if role not in MemberRole.values:
        raise ServiceError(_("Choose a role."))
    if cohort is not None and cohort.program_id != membership.program_id:
        raise ServiceError(_("Choose a cohort of this program."))
    changed = assign_changed(
        membership, {"role": role, "cohort": cohort}, ["role", "cohort"]
    )
    if changed:
        audit.record(
            "programs.member_change",
            actor=actor,
            target=membership.program,
            member=membership.user_id,
            role=membership.role,
            cohort=membership.cohort_id,
        )
    return changed


@transaction.atomic
def remove_member(membership: ProgramMembership, *, actor: User) -> None:
    """Take a person out of a program; their open pages re-check access."""
    require(
        actor,
        "programs.manage_program",
        membership.program,
        _("You cannot manage this program."),
    )
    audit.record(
        "programs.member_remove",
        actor=actor,
        target=membership.program,
        member=membership.user_id,
        role=membership.role,
    )
    user_id = membership.user_id
    membership.delete()
    events.user_access_changed(user_id)


# --------------------------------------------------------------------------------------
# Invitations: the paste, its preview, sending
# --------------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[,;\s]+")


class AddressFlag:
    VALID = "valid"
    INVALID = "invalid"
    DUPLICATE = "duplicate"
    MEMBER = "member"
    PENDING = "pending"
    RENEW = "renew"  # an expired invitation that sending will renew

    LABELS = {
        VALID: gettext_lazy("Will be invited"),
        INVALID: gettext_lazy("Not a valid e-mail address"),
        DUPLICATE: gettext_lazy("Already earlier in the list"),
        MEMBER: gettext_lazy("Already a member"),
        PENDING: gettext_lazy("Already invited (pending)"),
        RENEW: gettext_lazy("Invitation expired: a new one will be sent"),
    }


@dataclass
class PreviewLine:
    given: str
    email: str
    flag: str

    @property
    def label(self) -> str:
        return str(AddressFlag.LABELS[self.flag])

    @property
    def will_send(self) -> bool:
        return self.flag in (AddressFlag.VALID, AddressFlag.RENEW)


@dataclass
class Preview:
    lines: list[PreviewLine] = field(default_factory=list)

    @property
    def to_send(self) -> list[str]:
        return [line.email for line in self.lines if line.will_send]

    def count(self, flag: str) -> int:
        return sum(1 for line in self.lines if line.flag == flag)


def split_addresses(text: str) -> list[str]:
    """The pasted addresses, in order: separated by commas, semicolons, spaces
    or new lines. ``Name <a@b.org>`` is reduced to the address."""
    text = re.sub(r"[^<>,;\n]*<([^<>]*)>", r"\1", text or "")
    return [part for part in _SEPARATORS.split(text) if part]


def preview_invitations(program: Program, text: str) -> Preview:
    """Classify each pasted address (four queries, whatever the paste's size)."""
    preview = Preview()
    seen: set[str] = set()
    candidates: list[PreviewLine] = []
    for given in split_addresses(text):
        email = normalize_email(given)
        try:
            validate_email(email)
        except ValidationError:
            preview.lines.append(PreviewLine(given, email, AddressFlag.INVALID))
            continue
        if email in seen:
            preview.lines.append(PreviewLine(given, email, AddressFlag.DUPLICATE))
            continue
        seen.add(email)
        line = PreviewLine(given, email, AddressFlag.VALID)
        candidates.append(line)
        preview.lines.append(line)
    if candidates:
        members = _member_addresses(program, seen)
        pending = {
            inv.email: inv
            for inv in Invitation.objects.filter(
                program=program, email__in=seen, status=InvitationStatus.PENDING
            )
        }
        for line in candidates:
            if line.email in members:
                line.flag = AddressFlag.MEMBER
            elif line.email in pending:
                expired = pending[line.email].state == InvitationStatus.EXPIRED
                line.flag = AddressFlag.RENEW if expired else AddressFlag.PENDING
    return preview


def _member_addresses(program: Program, emails: set[str]) -> set[str]:
    """Which of ``emails`` (lowercased) belong to people already in the program:
    by account address or any verified address of theirs."""
    member_ids = ProgramMembership.objects.filter(program=program).values("user_id")
    by_account = User.objects.filter(pk__in=member_ids).values_list("email", flat=True)
    by_address = EmailAddress.objects.filter(
        user_id__in=member_ids, verified=True
    ).values_list("email", flat=True)
    found = {e.lower() for e in by_account} | {e.lower() for e in by_address}
    return found & emails


def new_token() -> tuple[str, str]:
    """(token, its hash): the token goes in the e-mail, the hash in the row."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _expiry(now: Any) -> Any:
    return now + timedelta(days=settings.INVITATION_EXPIRY_DAYS)


def sent_in_last_hour(actor: User) -> int:
    """Invitations (first sends and resends) ``actor`` sent in the past hour,
    counted from the append-only audit log."""
    return AuditEvent.objects.filter(
        actor=actor,
        action__in=INVITE_AUDIT_ACTIONS,
        at__gte=timezone.now() - timedelta(hours=1),
    ).count()


def _check_rate(actor: User, how_many: int) -> None:
    # Lock the sender's row: two tabs sending at once are counted one after
    # the other (PostgreSQL; SQLite serializes writers anyway).
    User.objects.select_for_update().filter(pk=actor.pk).first()
    used = sent_in_last_hour(actor)
    left = max(settings.INVITATION_RATE_LIMIT - used, 0)
    if how_many > left:
        raise RateLimited(
            _(
                "You can send %(limit)d invitations per hour and have %(left)d "
                "left, so these %(n)d were not sent. Try again later or send "
                "fewer."
            )
            % {"limit": settings.INVITATION_RATE_LIMIT, "left": left, "n": how_many}
        )


def _notify_invited_account(invitation: Invitation, actor: User) -> None:
    """An in-app notice for an existing account whose verified address was
    invited. The link itself travels only by e-mail (the notice cannot carry
    the token, which is not stored), so the notice points there."""
    user_ids = EmailAddress.objects.filter(
        email__iexact=invitation.email, verified=True
    ).values_list("user_id", flat=True)
    if not user_ids:
        return
    notify(
        list(user_ids),
        NotificationKind.PROGRAM_INVITED,
        actor=actor,
        text=_(
            "You are invited to join %(program)s as %(role)s. Accept with the "
            "link in the e-mail sent to %(email)s."
        )
        % {
            "program": invitation.program.name,
            "role": invitation.get_role_display(),
            "email": invitation.email,
        },
    )


def _mail_invitation(invitation: Invitation, token: str, link_base: str) -> None:
    send_templated_mail(
        "programs/email/invitation",
        [invitation.email],
        {
            "invitation": invitation,
            "program": invitation.program,
            "link": link_base.rstrip("/") + f"/invitations/{token}/",
            "expires_at": invitation.expires_at,
        },
    )


@transaction.atomic
def send_invitations(
    program: Program,
    *,
    actor: User,
    text: str,
    role: str,
    cohort: Cohort | None,
    link_base: str,
) -> list[Invitation]:
    """Invite every valid, new address in ``text``; returns the invitations
    sent. Addresses of members and of pending invitations are skipped; an
    expired invitation to the same address is renewed with a new link.

    All or nothing: over the hourly limit, nothing is sent.
    """
    require(
        actor,
        "programs.manage_program",
        program,
        _("You cannot invite to this program."),
    )
    if role not in MemberRole.values:
        raise ServiceError(_("Choose a role."))
    if cohort is not None and cohort.program_id != program.pk:
        raise ServiceError(_("Choose a cohort of this program."))
    preview = preview_invitations(program, text)
    lines = [line for line in preview.lines if line.will_send]
    if not lines:
        raise ServiceError(_("There is no new address to invite."))
    if len(lines) > MAX_ADDRESSES:
        raise ServiceError(
            _("Paste at most %(n)d addresses at once.") % {"n": MAX_ADDRESSES}
        )
    _check_rate(actor, len(lines))
    now = timezone.now()
    sent: list[Invitation] = []
    for line in lines:
        token, digest = new_token()
        if line.flag == AddressFlag.RENEW:
            invitation = Invitation.objects.select_for_update().get(
                program=program, email=line.email, status=InvitationStatus.PENDING
            )
            invitation.token_hash = digest
            invitation.role = role
            invitation.cohort = cohort
            invitation.invited_by = actor
            invitation.sent_at = now
            invitation.expires_at = _expiry(now)
            invitation.save(
                update_fields=[
                    "token_hash",
                    "role",
                    "cohort",
                    "invited_by",
                    "sent_at",
                    "expires_at",
                ]
            )
            action = "programs.invitation_resend"
        else:
            invitation = Invitation(
                program=program,
                email=line.email,
                role=role,
                cohort=cohort,
                invited_by=actor,
                token_hash=digest,
                sent_at=now,
                expires_at=_expiry(now),
            )
            try:
                with transaction.atomic():
                    invitation.save()
            except IntegrityError:
                continue  # invited by someone else meanwhile
            action = "programs.invite"
        audit.record(
            action, actor=actor, target=invitation, email=line.email, role=role
        )
        _mail_invitation(invitation, token, link_base)
        _notify_invited_account(invitation, actor)
        sent.append(invitation)
    return sent


@transaction.atomic
def resend_invitation(
    invitation: Invitation, *, actor: User, link_base: str
) -> Invitation:
    """Mail a new link with a new expiry; the previous link stops working."""
    require(
        actor,
        "programs.manage_program",
        invitation.program,
        _("You cannot manage this program."),
    )
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise ServiceError(_("Only a pending or expired invitation can be resent."))
    _check_rate(actor, 1)
    token, invitation.token_hash = new_token()
    invitation.sent_at = timezone.now()
    invitation.expires_at = _expiry(invitation.sent_at)
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    audit.record(
        "programs.invitation_resend",
        actor=actor,
        target=invitation,
        email=invitation.email,
    )
    _mail_invitation(invitation, token, link_base)
    _notify_invited_account(invitation, actor)
    return invitation


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, actor: User) -> Invitation:
    """Withdraw a pending invitation; its link then grants nothing."""
    require(
        actor,
        "programs.manage_program",
        invitation.program,
        _("You cannot manage this program."),
    )
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise ServiceError(_("Only a pending or expired invitation can be revoked."))
    _revoke(invitation, RevokedBecause.MANAGER, actor=actor, at=timezone.now())
    return invitation


def _revoke(
    invitation: Invitation,
    reason: RevokedBecause,
    *,
    actor: User | None,
    at: datetime,
    **data: Any,
) -> None:
    """Mark a locked, pending invitation revoked and audit it."""
    invitation.status = InvitationStatus.REVOKED
    invitation.revoked_at = at
    invitation.revoked_because = reason
    invitation.save(update_fields=["status", "revoked_at", "revoked_because"])
    audit.record(
        "programs.invitation_revoke",
        actor=actor,
        target=invitation,
        email=invitation.email,
        **data,
    )


def may_invite(person: User | None, program: Program) -> bool:
    """Whether ``person`` may invite into ``program`` now: an active account
    that may manage it (its managers and city staff). An invitation without a
    recorded sender (made by a script) follows no one's rights."""
    return (
        person is not None
        and person.is_active
        and person.has_perm("programs.manage_program", program)
    )


@transaction.atomic
def revoke_invitations_of(
    inviter: User, *, actor: User | None, program: Program | None = None
) -> list[Invitation]:
    """Revoke the pending (and expired, still renewable) invitations
    ``inviter`` sent into programs they may no longer invite to; each one is
    audited. ``program`` narrows it to one program. Called when the inviter is
    deactivated, changes role (:mod:`hub.core.hooks`) or stops managing a
    program; ``actor`` is whoever made that change. Returns those revoked."""
    pending = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("program")
        .filter(invited_by=inviter, status=InvitationStatus.PENDING)
    )
    if program is not None:
        pending = pending.filter(program=program)
    allowed: dict[int, bool] = {}
    revoked: list[Invitation] = []
    now = timezone.now()
    for invitation in pending:
        if invitation.program_id not in allowed:
            allowed[invitation.program_id] = may_invite(inviter, invitation.program)
        if allowed[invitation.program_id]:
            continue
        _revoke(
            invitation,
            RevokedBecause.INVITER,
            actor=actor,
            at=now,
            because=RevokedBecause.INVITER.value,
            inviter=inviter.pk,
        )
        revoked.append(invitation)
    return revoked


def inviter_rights_changed(person: User, actor: User | None) -> None:
    """:func:`hub.core.hooks.rights_changed`: revoke what ``person`` may no
    longer stand behind."""
    revoke_invitations_of(person, actor=actor)


# --------------------------------------------------------------------------------------
# Invitations: opening a link, accepting
# --------------------------------------------------------------------------------------


#: Why an invitation whose sender lost the right to invite grants nothing.
INVITER_GONE = gettext_lazy(
    "This invitation was withdrawn: the person who sent it can no longer "
    "invite to this program."
)


def find_invitation(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, whatever its state; None for
    an unknown, tampered or superseded (resent) token."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("program", "cohort", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


def check_usable(invitation: Invitation) -> None:
    """Raise InvitationUnusable unless the invitation can still be accepted.

    Its sender must still be allowed to invite into the program at this
    moment, even if revoking their invitations was missed (a deactivation
    written straight to the database, say)."""
    state = invitation.state
    if state == InvitationStatus.REVOKED:
        if invitation.revoked_because == RevokedBecause.INVITER:
            raise InvitationUnusable("inviter", str(INVITER_GONE))
        raise InvitationUnusable(
            "revoked", _("This invitation was withdrawn by the program.")
        )
    if state == InvitationStatus.ACCEPTED:
        raise InvitationUnusable("used", _("This invitation has already been used."))
    if state == InvitationStatus.EXPIRED:
        raise InvitationUnusable("expired", _("This invitation has expired."))
    if invitation.invited_by_id is not None and not may_invite(
        invitation.invited_by, invitation.program
    ):
        raise InvitationUnusable("inviter", str(INVITER_GONE))


def has_verified_address(user: User, email: str) -> bool:
    """Whether ``user`` has proven they own ``email`` (a verified allauth
    address, compared whole and case-insensitively)."""
    return EmailAddress.objects.filter(
        user=user, verified=True, email__iexact=normalize_email(email)
    ).exists()


@transaction.atomic
def accept_invitation(invitation: Invitation, *, user: User) -> ProgramMembership:
    """Make ``user`` a member as the invitation says, once.

    Only for an active account with a verified address equal to the invited
    one; the row is locked, so two simultaneous accepts make one member.
    """
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("program", "cohort", "invited_by")
        .get(pk=invitation.pk)
    )
    check_usable(invitation)
    if not user.is_authenticated or not user.is_active:
        raise InvitationUnusable("account", _("Sign in to accept the invitation."))
    if not has_verified_address(user, invitation.email):
        raise InvitationUnusable(
            "wrong_account", _("This invitation was sent to another address.")
        )
    program = invitation.program
    membership, created = ProgramMembership.objects.get_or_create(
        program=program,
        user=user,
        defaults={"role": invitation.role, "cohort": invitation.cohort},
    )
    now = timezone.now()
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_by = user
    invitation.accepted_at = now
    invitation.save(update_fields=["status", "accepted_by", "accepted_at"])
    audit.record(
        "programs.invitation_accept",
        actor=user,
        target=invitation,
        program=program.pk,
        role=membership.role,
        new_member=created,
    )
    if created:
        notify(
            [user],
            NotificationKind.PROGRAM_JOINED,
            actor=None,
            text=_("You joined “%(program)s” as %(role)s.")
            % {"program": program.name, "role": membership.get_role_display()},
            url=program.get_absolute_url(),
        )
        managers = list(program.managers.filter(is_active=True))
        send_templated_mail(
            "programs/email/joined",
            [m.email for m in managers],
            {"program": program, "member": user, "membership": membership},
        )
        events.user_access_changed(user.pk)
    return membership


def programs_of(user: User) -> bool:
    """Whether ``user`` belongs to or manages any program (for the nav link)."""
    if not user.is_authenticated:
        return False
    return (
        ProgramMembership.objects.filter(user=user).exists()
        or Program.managers.through.objects.filter(user_id=user.pk).exists()
    )


@dataclass(frozen=True)
class TargetSpec:
    """A scorecard target as the form gives it; ``target`` None removes it."""

    target: Any
    direction: str
    amber_band: Any


def _check_specs(specs: dict[str, TargetSpec]) -> None:
    """The rules the targets form enforces, for callers that skip the form."""
    for indicator, spec in specs.items():
        if indicator not in Indicator.values:
            raise ServiceError(_("There is no such indicator."))
        if spec.target is None:
            continue
        if spec.direction not in Direction.values:
            raise ServiceError(_("Choose whether higher or lower is better."))
        if spec.target < 0 or (indicator in SHARES and spec.target > 100):
            raise ServiceError(_("A target is at least 0, and a share at most 100."))
        if not 0 <= spec.amber_band <= 100:
            raise ServiceError(_("The amber band is between 0 and 100 percent."))


@transaction.atomic
def set_scorecard_targets(
    program: Program, *, actor: User, specs: dict[str, TargetSpec]
) -> list[str]:
    """Set the program's scorecard targets (its managers and staff); returns the
    indicators that changed. A spec with ``target`` None removes the target."""
    require(
        actor,
        "programs.manage_program",
        program,
        _("Only the program's managers and staff set its targets."),
    )
    _check_specs(specs)
    existing = {
        t.indicator: t
        for t in ScorecardTarget.objects.select_for_update().filter(program=program)
    }
    changed: list[str] = []
    now = timezone.now()
    for indicator, spec in specs.items():
        row = existing.get(indicator)
        if spec.target is None:
            if row is not None:
                row.delete()
                changed.append(indicator)
            continue
        values = {
            "target": spec.target,
            "direction": spec.direction,
            "amber_band": spec.amber_band,
        }
        if row is None:
            ScorecardTarget.objects.create(
                program=program, indicator=indicator, updated_at=now, **values
            )
            changed.append(indicator)
        elif any(getattr(row, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
            row.save(update_fields=[*values, "updated_at"])
            changed.append(indicator)
    if changed:
        audit.record(
            "programs.scorecard_targets",
            actor=actor,
            target=program,
            targets={
                k: None
                if specs[k].target is None
                else [
                    str(specs[k].target),
                    specs[k].direction,
                    str(specs[k].amber_band),
                ]
                for k in changed
            },
        )
    return changed
