"""People and the audit log.

A person signs in with their e-mail address (allauth); there is no username.
Everyone is an entrepreneur; staff grant the reviewer and staff roles.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager


class Role(models.TextChoices):
    ENTREPRENEUR = "entrepreneur", _("Entrepreneur")
    REVIEWER = "reviewer", _("Reviewer")
    STAFF = "staff", _("City staff")


class EmailUserManager(UserManager):
    """UserManager keyed on e-mail instead of username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any):  # type: ignore[override]
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any):  # type: ignore[override]
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.STAFF)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=80)
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    bio = models.TextField(_("short bio"), max_length=600, blank=True)
    skills = TaggableManager(_("skills"), blank=True, help_text=_("Comma-separated."))
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.ENTREPRENEUR
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    objects: ClassVar[EmailUserManager] = EmailUserManager()

    class Meta:
        ordering = ["display_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="hub_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def is_city_staff(self) -> bool:
        return self.is_active and self.role == Role.STAFF

    @property
    def is_reviewer(self) -> bool:
        return self.is_active and self.role in (Role.REVIEWER, Role.STAFF)

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class AuditEvent(models.Model):
    """Append-only record of every change made through a service function."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"


class NotificationKind(models.TextChoices):
    TEAM_ADDED = "team_added", _("Added to a team")
    STAGE_CHANGED = "stage_changed", _("Your idea changed stage")
    COMMENT = "comment", _("New comment on your idea")
    MENTION = "mention", _("You were mentioned")
    PROGRAM_INVITED = "program_invited", _("You were invited to a program")
    PROGRAM_JOINED = "program_joined", _("You joined a program")
    REVIEW_ASSIGNED = "review_assigned", _("A review was assigned to you")
    DECISION = "decision", _("A decision on your idea")
    CHALLENGE_CLOSING = "challenge_closing", _("A challenge closes soon")


class Notification(models.Model):
    """An in-app notification; the bell shows the unread ones live."""

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.text}"
