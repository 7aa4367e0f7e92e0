"""Programs (entrepreneurs-/startups-in-residence), their cohorts and members."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.core.permissions import is_city_staff
from hub.core.rendering import render_on_save


class ProgramQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ProgramQuerySet:
        """Programs ``user`` may open: city staff see all; members and managers
        see theirs; nobody else sees any."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if is_city_staff(user):
            return self.all()
        member = models.Exists(
            ProgramMembership.objects.filter(
                program=models.OuterRef("pk"), user_id=user.pk
            )
        )
        manager = models.Exists(
            Program.managers.through.objects.filter(
                program_id=models.OuterRef("pk"), user_id=user.pk
            )
        )
        return self.filter(models.Q(member) | models.Q(manager))


class Program(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    description = models.TextField(_("description"), max_length=20_000, blank=True)
    description_html = models.TextField(editable=False, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="managed_programs",
        blank=True,
        verbose_name=_("managers"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        render_on_save(self, "description", kwargs)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("programs-detail", args=[self.slug])


class Cohort(models.Model):
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="cohorts"
    )
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        ordering = ["starts_on", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "name"], name="programs_cohort_name_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program}: {self.name}"


class MemberRole(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    MENTOR = "mentor", _("Mentor")
    REVIEWER = "reviewer", _("Reviewer")


class ProgramMembership(models.Model):
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="program_memberships",
    )
    role = models.CharField(
        _("role"),
        max_length=10,
        choices=MemberRole.choices,
        default=MemberRole.RESIDENT,
    )
    cohort = models.ForeignKey(
        Cohort,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
        verbose_name=_("cohort"),
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "user"], name="programs_one_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) in {self.program}"


def normalize_email(address: str) -> str:
    """The form every invitation address is stored and compared in.

    Surrounding white space is dropped and the *whole* address is lowercased,
    local part included. RFC 5321 lets a mail server treat the local part as
    case-sensitive, but no mainstream provider does, and the hub's accounts are
    already unique case-insensitively (``hub_user_email_ci_unique``), so
    ``Alice@X.org`` and ``alice@x.org`` are one person here. Nothing else is
    folded: no dot or ``+tag`` removal, so ``alice@x.org.evil.com`` and
    ``alice+x@x.org`` stay different addresses.
    """
    return (address or "").strip().lower()


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")  # never stored: a pending row past expires_at
    REVOKED = "revoked", _("Revoked")


class RevokedBecause(models.TextChoices):
    """Why an invitation was revoked ("" before it is)."""

    MANAGER = "manager", _("Withdrawn by the program")
    INVITER = "inviter", _("Its sender can no longer invite to the program")


class Invitation(models.Model):
    """An e-mailed invitation to join a program.

    The link carries a random token; only its SHA-256 is stored, so neither
    the database nor a backup can produce a working link. Resending replaces
    the hash (the old link dies) and the expiry.
    """

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"), max_length=254)
    role = models.CharField(
        _("role"),
        max_length=10,
        choices=MemberRole.choices,
        default=MemberRole.RESIDENT,
    )
    cohort = models.ForeignKey(
        Cohort,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations",
        verbose_name=_("cohort"),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_because = models.CharField(
        _("revoked because"),
        max_length=10,
        choices=RevokedBecause.choices,
        blank=True,
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "email"],
                condition=models.Q(status="pending"),
                name="programs_one_pending_invitation",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="expired"),
                name="programs_invitation_expired_is_derived",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.program}"

    @property
    def state(self) -> str:
        """The status a person sees: a pending invitation past its expiry is
        "expired"."""
        if (
            self.status == InvitationStatus.PENDING
            and self.expires_at <= timezone.now()
        ):
            return InvitationStatus.EXPIRED
        return self.status

    def get_state_display(self) -> str:
        return str(InvitationStatus(self.state).label)


class Indicator(models.TextChoices):
    """The indicators of a program scorecard (see ``reports/scorecards.py``)."""

    IDEAS_SUBMITTED = "ideas_submitted", _("Ideas submitted")
    REVIEWED_ON_TIME = "reviewed_on_time", _("Reviewed on time (%)")
    ADVANCING = "advancing", _("Advancing past screening (%)")
    VENTURES_LAUNCHED = "ventures_launched", _("Ventures launched")
    INVESTMENT = "investment", _("Verified investment attracted")
    JOBS = "jobs", _("Jobs attributed")
    MEMBER_ACTIVITY = "member_activity", _("Active members (%)")


#: Indicators shown as a share (0–100).
SHARES = {Indicator.REVIEWED_ON_TIME, Indicator.ADVANCING, Indicator.MEMBER_ACTIVITY}


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class ScorecardTarget(models.Model):
    """A program's target for one scorecard indicator.

    Status rule: green when the value meets the target (≥ for higher-is-better,
    ≤ for lower-is-better); amber when it misses by at most ``amber_band``
    percent of the target; red beyond that.
    """

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="scorecard_targets"
    )
    indicator = models.CharField(
        _("indicator"), max_length=20, choices=Indicator.choices
    )
    target = models.DecimalField(_("target"), max_digits=18, decimal_places=2)
    direction = models.CharField(
        _("direction"),
        max_length=6,
        choices=Direction.choices,
        default=Direction.HIGHER,
    )
    amber_band = models.DecimalField(
        _("amber band (% of target)"), max_digits=5, decimal_places=2, default=10
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["program", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "indicator"], name="programs_one_target"
            ),
            models.CheckConstraint(
                condition=models.Q(target__gte=0), name="programs_target_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(amber_band__gte=0) & models.Q(amber_band__lte=100),
                name="programs_amber_band_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program}: {self.indicator} {self.target}"
