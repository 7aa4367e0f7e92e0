"""Ventures: companies launched from the pipeline (or entered by staff)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from catalog.models import Dataset
from hub.core.permissions import is_city_staff
from hub.core.rendering import render_on_save
from ventures.funding.currencies import validate_currency


class VentureRole(models.TextChoices):
    FOUNDER = "founder", _("Founder")
    MEMBER = "member", _("Team member")


class VentureStatus(models.TextChoices):
    OPERATING = "operating", _("Operating")
    ACQUIRED = "acquired", _("Acquired")
    CLOSED = "closed", _("Closed")


class Venture(models.Model):
    name = models.CharField(_("name"), max_length=140)
    slug = models.SlugField(_("slug"), max_length=160, unique=True)
    description = models.TextField(_("description"), max_length=20_000, blank=True)
    description_html = models.TextField(editable=False, blank=True)
    website = models.URLField(
        _("website"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    sectors = TaggableManager(
        _("sector tags"), blank=True, help_text=_("Comma-separated.")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=VentureStatus.choices,
        default=VentureStatus.OPERATING,
    )
    launched_on = models.DateField(_("launch date"), default=timezone.localdate)
    idea = models.OneToOneField(
        "ideas.Idea",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="venture",
        verbose_name=_("originating idea"),
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="VentureMember", related_name="ventures"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-launched_on", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        render_on_save(self, "description", kwargs)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("ventures-detail", args=[self.slug])


class VentureMember(models.Model):
    venture = models.ForeignKey(
        Venture, on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(
        max_length=10, choices=VentureRole.choices, default=VentureRole.MEMBER
    )

    class Meta:
        ordering = ["role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["venture", "user"], name="ventures_one_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.venture}"


class UseExtent(models.TextChoices):
    CORE = "core", _("Core: the product depends on it")
    SUPPORTING = "supporting", _("Supporting")


class DatasetUseQuerySet(models.QuerySet):
    def with_ventures(self) -> DatasetUseQuerySet:
        """Each row with its venture (``use.venture``), core uses first: how a
        dataset's page lists its ventures (also through ``dataset.uses``)."""
        return self.select_related("venture").order_by("extent", "venture__name", "id")


class DatasetUse(models.Model):
    """A venture builds on a dataset: how (Markdown), how much, and how good it is."""

    venture = models.ForeignKey(
        Venture, on_delete=models.CASCADE, related_name="dataset_uses"
    )
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="uses")
    how = models.TextField(_("how the venture uses it"), max_length=5_000, blank=True)
    how_html = models.TextField(editable=False, blank=True)
    extent = models.CharField(
        _("extent"),
        max_length=10,
        choices=UseExtent.choices,
        default=UseExtent.SUPPORTING,
    )
    quality = models.PositiveSmallIntegerField(
        _("quality rating (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = DatasetUseQuerySet.as_manager()

    class Meta:
        ordering = ["extent", "dataset__title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["venture", "dataset"], name="ventures_one_use_per_dataset"
            ),
            models.CheckConstraint(
                condition=models.Q(quality__isnull=True)
                | models.Q(quality__gte=1, quality__lte=5),
                name="ventures_use_quality_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venture} uses {self.dataset}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        render_on_save(self, "how", kwargs)
        super().save(*args, **kwargs)


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PLANNED = "planned", _("Planned")
    PUBLISHED = "published", _("Published")
    DECLINED = "declined", _("Declined")


class DataRequest(models.Model):
    """A venture asks the city for a dataset that does not exist yet."""

    venture = models.ForeignKey(
        Venture,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="data_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("dataset wanted"), max_length=200)
    description = models.TextField(
        _("what it should contain and why"), max_length=5_000, blank=True
    )
    description_html = models.TextField(editable=False, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RequestStatus.choices,
        default=RequestStatus.OPEN,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        render_on_save(self, "description", kwargs)
        super().save(*args, **kwargs)


class FundingKind(models.TextChoices):
    GRANT = "grant", _("Grant")
    PRE_SEED = "pre_seed", _("Pre-seed round")
    SEED = "seed", _("Seed round")
    SERIES_A_PLUS = "series_a_plus", _("Series A or later")
    LOAN = "loan", _("Loan")
    REVENUE_BASED = "revenue_based", _("Revenue-based financing")
    CONTRACT = "contract", _("Procurement contract")
    PRIZE = "prize", _("Prize")
    ACQUISITION = "acquisition", _("Acquisition")
    OTHER = "other", _("Other or not stated")


class FundingStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    VERIFIED = "verified", _("Verified")


class FundingEventQuerySet(models.QuerySet):
    def verified(self) -> FundingEventQuerySet:
        return self.filter(status=FundingStatus.VERIFIED)

    def reported(self) -> FundingEventQuerySet:
        return self.filter(status=FundingStatus.REPORTED)

    def public(self) -> FundingEventQuerySet:
        """Verified events with an amount: what anyone may see."""
        return self.filter(status=FundingStatus.VERIFIED, amount__isnull=False)

    def visible_to(
        self, user: Any, venture: Venture | None = None
    ) -> FundingEventQuerySet:
        """The funding events ``user`` may see (of ``venture`` if given).

        Verified events with an amount are public. Reported (unverified)
        events and notes (no amount) are visible only to the venture's team
        and city staff. Adds no query of its own: team membership is an
        ``Exists`` subquery. Mirrors ``ventures.see_reported_funding``.
        """
        qs = self if venture is None else self.filter(venture=venture)
        if is_city_staff(user):
            return qs
        public = models.Q(status=FundingStatus.VERIFIED, amount__isnull=False)
        if user is None or not user.is_authenticated or not user.is_active:
            return qs.filter(public)
        on_team = models.Exists(
            VentureMember.objects.filter(venture=models.OuterRef("venture"), user=user)
        )
        return qs.filter(public | on_team)


class FundingEvent(models.Model):
    """Money that followed a venture: a grant, a round, a loan, a contract...

    Amounts stay in the currency they were raised in; totals are per currency
    unless staff-entered exchange rates convert them to the base currency.
    A record with no amount (``amount`` null) is a note, e.g. free-text
    funding information imported from the Open Data 500.
    """

    venture = models.ForeignKey(
        Venture, on_delete=models.CASCADE, related_name="funding_events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FundingKind.choices)
    amount = models.DecimalField(
        _("amount"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(
        _("currency (ISO 4217)"), max_length=3, validators=[validate_currency]
    )
    date = models.DateField(_("date"))
    investors = models.CharField(_("investors or funders"), max_length=500, blank=True)
    evidence_url = models.URLField(
        _("evidence URL"),
        max_length=1000,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    note = models.TextField(_("note"), max_length=5_000, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=FundingStatus.choices,
        default=FundingStatus.REPORTED,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = FundingEventQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["venture", "date"]),
            models.Index(fields=["status", "date"]),
            models.Index(fields=["kind", "date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | models.Q(amount__gte=0),
                name="ventures_funding_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.venture}: {self.get_kind_display()} {self.amount} {self.currency}"
        )


class RevenueBand(models.TextChoices):
    NONE = "none", _("No revenue yet")
    UNDER_100K = "lt_100k", _("Under 100 thousand")
    FROM_100K = "100k_1m", _("100 thousand to 1 million")
    FROM_1M = "1m_10m", _("1 to 10 million")
    OVER_10M = "gt_10m", _("Over 10 million")
    UNDISCLOSED = "undisclosed", _("Not disclosed")


class ImpactSnapshot(models.Model):
    """A venture's jobs, revenue band and customers at a date."""

    venture = models.ForeignKey(
        Venture, on_delete=models.CASCADE, related_name="impact_snapshots"
    )
    date = models.DateField(_("date"))
    full_time_jobs = models.PositiveIntegerField(
        _("full-time jobs"), null=True, blank=True
    )
    revenue_band = models.CharField(
        _("revenue band"),
        max_length=12,
        choices=RevenueBand.choices,
        default=RevenueBand.UNDISCLOSED,
    )
    customers = models.PositiveIntegerField(_("customers"), null=True, blank=True)
    source = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("Where the figures come from, e.g. a survey or an import."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["venture", "-date"])]

    def __str__(self) -> str:
        return f"{self.venture} on {self.date}"


class ExchangeRate(models.Model):
    """Staff-entered rate: 1 unit of ``currency`` = ``rate`` units of the base."""

    currency = models.CharField(
        _("currency (ISO 4217)"), max_length=3, validators=[validate_currency]
    )
    base_currency = models.CharField(
        _("base currency"), max_length=3, validators=[validate_currency]
    )
    rate = models.DecimalField(
        _("rate"),
        max_digits=20,
        decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001"))],
    )
    valid_on = models.DateField(_("valid from"), default=timezone.localdate)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["currency", "-valid_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "base_currency", "valid_on"],
                name="ventures_one_rate_per_day",
            ),
            models.CheckConstraint(
                condition=models.Q(rate__gt=0), name="ventures_rate_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} {self.base_currency}"


class ExternalReference(models.Model):
    """A venture's record in an imported directory (Open Data 500, Impact Map).

    ``(source, key)`` finds the venture again on re-import. ``match_key`` (a
    normalized name and country) lets a second directory attach its record to
    a venture the first one created instead of duplicating it. Only the
    ``primary`` reference (the one that created the venture) rewrites the
    venture's own fields; ``content_hash`` is what it last wrote, so an
    unchanged record costs no write.
    """

    venture = models.ForeignKey(
        Venture, on_delete=models.CASCADE, related_name="external_refs"
    )
    source = models.CharField(_("directory"), max_length=20)
    key = models.CharField(_("identifier in the directory"), max_length=200)
    match_key = models.CharField(max_length=200, blank=True, db_index=True)
    primary = models.BooleanField(default=False)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["source", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "key"], name="ventures_one_ref_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.key}"
