"""Challenges the city posts ("How might we ...") and how answers are reviewed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.core.permissions import is_city_staff
from hub.core.rendering import render_on_save
from programs.access import member_condition


class ChallengeQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ChallengeQuerySet:
        """Challenges ``user`` may see: public ones once open; a program's
        challenges only for the program's members; staff see everything."""
        if is_city_staff(user):
            return self.all()
        opened = Q(opens_on__lte=timezone.localdate())
        return self.filter(opened & (Q(program__isnull=True) | member_condition(user)))

    def open_for_answers(self) -> ChallengeQuerySet:
        today = timezone.localdate()
        return self.filter(opens_on__lte=today).filter(
            Q(closes_on__isnull=True) | Q(closes_on__gte=today)
        )


class Challenge(models.Model):
    title = models.CharField(
        _("title"), max_length=200, help_text=_("“How might we …?”")
    )
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    brief = models.TextField(_("brief"), max_length=20_000, blank=True)
    brief_html = models.TextField(editable=False, blank=True)
    datasets = models.ManyToManyField(
        "catalog.Dataset",
        blank=True,
        related_name="challenges",
        verbose_name=_("linked datasets"),
    )
    program = models.ForeignKey(
        "programs.Program",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="challenges",
        verbose_name=_("program"),
        help_text=_("Leave empty for a public challenge."),
    )
    opens_on = models.DateField(_("opens on"), default=timezone.localdate)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rubric = models.OneToOneField(
        "Rubric",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="challenge",
        editable=False,
    )
    required_reviews = models.PositiveSmallIntegerField(
        _("reviews required"),
        default=0,
        help_text=_(
            "Submitted reviews an idea needs before it may move from Screening "
            "to Business planning. 0: no minimum."
        ),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ChallengeQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_on", "title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        render_on_save(self, "brief", kwargs)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("challenges-detail", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return self.program_id is None

    @property
    def is_open(self) -> bool:
        today = timezone.localdate()
        return self.opens_on <= today and (
            self.closes_on is None or self.closes_on >= today
        )


class Rubric(models.Model):
    """How answers are scored: weighted criteria on one scale.

    Each challenge owns its rubric; the one ``is_default`` rubric scores
    unsolicited proposals (ideas without a challenge).
    """

    name = models.CharField(_("name"), max_length=200)
    scale_min = models.SmallIntegerField(_("lowest score"), default=0)
    scale_max = models.SmallIntegerField(_("highest score"), default=5)
    is_default = models.BooleanField(default=False, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(scale_min__lt=F("scale_max")),
                name="challenges_rubric_scale_order",
            ),
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="challenges_one_default_rubric",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def default(cls) -> Rubric:
        return cls.objects.get(is_default=True)


class Criterion(models.Model):
    rubric = models.ForeignKey(
        Rubric, on_delete=models.CASCADE, related_name="criteria"
    )
    name = models.CharField(_("criterion"), max_length=120)
    description = models.CharField(_("what to look for"), max_length=500, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, help_text=_("A whole number from 1 to 100.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["rubric", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=1) & Q(weight__lte=100),
                name="challenges_criterion_weight_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def rubric_for(idea: Any) -> Rubric:
    """The rubric an idea is scored on: its challenge's, else the intake one."""
    challenge = getattr(idea, "challenge", None)
    if challenge is not None and challenge.rubric_id:
        return challenge.rubric
    return Rubric.default()


class ReviewAssignment(models.Model):
    """A reviewer asked to score one idea. A declared conflict keeps the row
    (for the record) but takes the reviewer off the idea."""

    idea = models.ForeignKey(
        "ideas.Idea", on_delete=models.CASCADE, related_name="review_assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="review_assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    conflict_declared_at = models.DateTimeField(null=True, blank=True)
    conflict_reason = models.CharField(
        _("conflict of interest"), max_length=1000, blank=True
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idea", "reviewer"], name="challenges_one_assignment"
            )
        ]
        indexes = [models.Index(fields=["reviewer", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.reviewer} reviews {self.idea}"

    def get_absolute_url(self) -> str:
        return reverse("reviews-review", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.conflict_declared_at is None

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Score(models.Model):
    """One criterion scored in one review. The scale is copied from the rubric
    so the database itself refuses a value outside it."""

    assignment = models.ForeignKey(
        ReviewAssignment, on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="scores"
    )
    value = models.SmallIntegerField(_("score"))
    scale_min = models.SmallIntegerField(editable=False)
    scale_max = models.SmallIntegerField(editable=False)
    comment = models.TextField(_("comment"), max_length=2_000, blank=True)

    class Meta:
        ordering = ["criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "criterion"], name="challenges_one_score"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=F("scale_min")) & Q(value__lte=F("scale_max")),
                name="challenges_score_within_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class ReminderSent(models.Model):
    """What ``send_challenge_reminders`` already sent, so a second run on the
    same day sends nothing."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="reminders"
    )
    sent_on = models.DateField()
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "sent_on"], name="challenges_one_reminder_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.challenge} reminded on {self.sent_on}"
