"""Closing-date reminders for challenges (run daily by cron through the
``send_challenge_reminders`` management command)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from challenges.access import active_assignments
from challenges.models import Challenge, ReminderSent
from hub.core import audit
from hub.core.mail import send_templated_mail
from hub.core.models import NotificationKind, User
from hub.core.notifications import notify
from ideas.models import TeamMembership
from ideas.stages import Stage

CLOSED = (Stage.LAUNCHED, Stage.DECLINED, Stage.WITHDRAWN)


@dataclass
class Sent:
    challenges: int = 0
    people: int = 0
    skipped: int = 0


def _team_ids(challenge: Challenge) -> set[int]:
    ideas = challenge.ideas.exclude(stage__in=CLOSED)
    owners = set(ideas.values_list("owner_id", flat=True))
    members = TeamMembership.objects.filter(idea__in=ideas).values_list(
        "user_id", flat=True
    )
    return owners | set(members)


def _reviewer_ids(challenge: Challenge) -> set[int]:
    return set(
        active_assignments()
        .filter(idea__challenge=challenge, submitted_at__isnull=True)
        .exclude(idea__stage__in=CLOSED)
        .values_list("reviewer_id", flat=True)
    )


@transaction.atomic
def remind(challenge: Challenge, today: date) -> int | None:
    """Remind one challenge's teams and pending reviewers; None if this
    challenge was already reminded today."""
    try:
        with transaction.atomic():
            mark = ReminderSent.objects.create(challenge=challenge, sent_on=today)
    except IntegrityError:
        return None
    reviewers = _reviewer_ids(challenge)
    teams = _team_ids(challenge) - reviewers
    days = (challenge.closes_on - today).days if challenge.closes_on else 0
    text = _("“%(title)s” closes in %(days)d days.") % {
        "title": challenge.title,
        "days": days,
    }
    for ids, open_reviews, url in (
        (teams, False, challenge.get_absolute_url()),
        (reviewers, True, reverse("reviews-mine")),
    ):
        if not ids:
            continue
        notify(ids, NotificationKind.CHALLENGE_CLOSING, actor=None, text=text, url=url)
        send_templated_mail(
            "challenges/mail/challenge_closing",
            User.objects.filter(pk__in=ids, is_active=True).values_list(
                "email", flat=True
            ),
            {"challenge": challenge, "open_reviews": open_reviews, "url": url},
        )
    mark.recipients = len(teams) + len(reviewers)
    mark.save(update_fields=["recipients"])
    audit.record(
        "challenges.remind", actor=None, target=challenge, recipients=mark.recipients
    )
    return mark.recipients


def send_reminders(days: int, today: date | None = None) -> Sent:
    """Remind about every challenge closing exactly ``days`` from ``today``."""
    today = today or timezone.localdate()
    sent = Sent()
    for challenge in Challenge.objects.filter(closes_on=today + timedelta(days=days)):
        people = remind(challenge, today)
        if people is None:
            sent.skipped += 1
        else:
            sent.challenges += 1
            sent.people += people
    return sent
