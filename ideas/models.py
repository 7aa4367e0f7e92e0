"""Ideas, their teams, their stage history and their comments."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from hub.core.rendering import render_on_save
from ideas import hooks
from ideas.stages import Stage
from programs.access import member_condition

TITLE_MAX = 140
PITCH_MAX = 200
SECTION_MAX = 4_000
DESCRIPTION_MAX = 20_000
COMMENT_MAX = 5_000


class Visibility(models.TextChoices):
    TEAM = "team", _("Team only")
    PROGRAM = "program", _("Program members")
    PUBLIC = "public", _("Public")


class TeamRole(models.TextChoices):
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")


class IdeaQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> IdeaQuerySet:
        """Ideas ``user`` may see.

        Public ideas: everyone. "Program members" ideas: also the members of
        the idea's program, at any stage. Team-only ideas: the owner and team members,
        and, once submitted (past Draft), the city's reviewers and staff and
        anyone assigned to review the idea.
        """
        public = Q(visibility=Visibility.PUBLIC)
        if user is None or not user.is_authenticated or not user.is_active:
            return self.filter(public)
        member = Exists(
            TeamMembership.objects.filter(idea=OuterRef("pk"), user_id=user.pk)
        )
        # Q | Exists is a Q at run time; django-stubs type it as a plain Combinable.
        condition = cast(Q, public | Q(owner_id=user.pk) | member)
        if user.is_reviewer:
            condition |= ~Q(stage=Stage.DRAFT)
        else:  # e.g. a program's own reviewer, assigned to this idea (a grant
            # challenges registers: ideas.hooks)
            condition |= hooks.granted_condition(user) & ~Q(stage=Stage.DRAFT)
        # "Program members" ideas: the members and managers of the idea's
        # program (and city staff, who count as members), at every stage.
        condition |= Q(visibility=Visibility.PROGRAM) & member_condition(user)
        return self.filter(condition)

    def for_listing(self) -> IdeaQuerySet:
        return self.select_related("owner").prefetch_related("tags")


class Idea(models.Model):
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    pitch = models.CharField(
        _("one-line pitch"),
        max_length=PITCH_MAX,
        help_text=_("One sentence: who it helps and how."),
    )
    problem = models.TextField(_("problem"), max_length=SECTION_MAX)
    solution = models.TextField(_("proposed solution"), max_length=SECTION_MAX)
    description = models.TextField(
        _("description"),
        max_length=DESCRIPTION_MAX,
        blank=True,
        help_text=_("Markdown: headings, lists, links, tables and code blocks."),
    )
    description_html = models.TextField(editable=False, blank=True)
    tags = TaggableManager(_("tags"), blank=True, help_text=_("Comma-separated."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_ideas",
        verbose_name=_("owner"),
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.TEAM,
    )
    program = models.ForeignKey(
        "programs.Program",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ideas",
        verbose_name=_("program"),
    )
    challenge = models.ForeignKey(
        "challenges.Challenge",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ideas",
        verbose_name=_("challenge"),
        help_text=_("Leave empty for an unsolicited proposal."),
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.DRAFT
    )
    stage_changed_at = models.DateTimeField(
        _("in this stage since"), default=timezone.now
    )
    created_at = models.DateTimeField(
        _("created"), default=timezone.now, editable=False
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = IdeaQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["stage", "stage_changed_at"]),
            models.Index(fields=["visibility", "stage"]),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        render_on_save(self, "description", kwargs)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("ideas-detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.stage in (Stage.LAUNCHED, Stage.DECLINED, Stage.WITHDRAWN)


class TeamMembership(models.Model):
    """A person on an idea's team besides its owner."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=TeamRole.choices, default=TeamRole.EDITOR
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idea", "user"], name="ideas_one_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) on {self.idea}"


class StageChange(models.Model):
    """One move through the pipeline; the idea's history is these rows."""

    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(max_length=20, choices=Stage.choices)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    note = models.TextField(blank=True, max_length=COMMENT_MAX)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["idea", "at"])]

    def __str__(self) -> str:
        return f"{self.idea}: {self.from_stage} → {self.to_stage}"


class Comment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField(_("comment"), max_length=COMMENT_MAX)
    body_html = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author} on {self.idea}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        render_on_save(self, "body", kwargs, heading_base=4)
        super().save(*args, **kwargs)

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


LEAN_CANVAS_SECTIONS = [
    ("Problem", "The top three problems your customers have today."),
    ("Customer segments", "Who has these problems; who adopts first."),
    (
        "Unique value proposition",
        "One clear message: why you are different and worth it.",
    ),
    ("Solution", "The simplest thing that solves each problem."),
    ("Channels", "How you reach your customers."),
    ("Revenue streams", "How you make money: prices, revenue model, lifetime value."),
    ("Cost structure", "What it costs to acquire customers, build and run."),
    ("Key metrics", "The numbers that tell you it works."),
    ("Unfair advantage", "What cannot be easily copied or bought."),
    ("Narrative", "The story of the venture, from today to launch."),
]
PLAN_MAX_CHARS = 2 * 1024 * 1024


def lean_canvas_template(title: str) -> str:
    parts = [f"# Business plan: {title}\n"]
    for heading, prompt in LEAN_CANVAS_SECTIONS:
        parts.append(f"## {heading}\n\n_{prompt}_\n")
    return "\n".join(parts)


class BusinessPlan(models.Model):
    """An idea's business plan: one Markdown document, co-edited live.

    The live state is a Yjs document kept by ``realtime`` (update log plus
    snapshots); ``text`` is its plain Markdown, kept current (debounced) for
    search, export and the page without JavaScript.
    """

    idea = models.OneToOneField(Idea, on_delete=models.CASCADE, related_name="plan")
    text = models.TextField(blank=True)
    text_updated_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"Plan for {self.idea}"

    def get_absolute_url(self) -> str:
        return reverse("ideas-plan", args=[self.idea_id])


class PlanVersion(models.Model):
    """The plan's text frozen when its idea changed stage, so reviewers score a
    version that does not move under them."""

    plan = models.ForeignKey(
        BusinessPlan, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    stage_change = models.OneToOneField(
        StageChange,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_version",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"], name="ideas_plan_version_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("ideas-plan-version", args=[self.plan.idea_id, self.number])


# --------------------------------------------------------------------------------------
# Business-plan documents: the live (Yjs) state of each plan. The tables keep the
# names they had when these models lived in realtime; ideas.documents reads and
# writes them.
# --------------------------------------------------------------------------------------


class DocUpdate(models.Model):
    """One Yjs v1 update as the server applied it, in an append-only log.

    A document's state is its snapshot (if any) plus every update still in the
    log; compaction folds the rows it read into a new snapshot and deletes them
    in one transaction.
    """

    plan = models.ForeignKey(
        BusinessPlan, on_delete=models.CASCADE, related_name="doc_updates"
    )
    data = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "realtime_docupdate"
        ordering = ["id"]
        indexes = [models.Index(fields=["plan", "id"])]

    def __str__(self) -> str:
        return f"update {self.pk} of plan {self.plan_id}"


class DocSnapshot(models.Model):
    plan = models.OneToOneField(
        BusinessPlan, on_delete=models.CASCADE, related_name="doc_snapshot"
    )
    state = models.BinaryField()
    #: The largest update id folded in so far (informational: loads apply the
    #: snapshot and every row still in the log).
    upto_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "realtime_docsnapshot"

    def __str__(self) -> str:
        return f"snapshot of plan {self.plan_id} up to {self.upto_id}"
