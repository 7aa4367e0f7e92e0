"""``send_challenge_reminders``: teams and pending reviewers hear that a
challenge closes soon, once per challenge and day."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from challenges.models import ReminderSent
from hub.core.models import Notification, NotificationKind
from ideas.stages import Stage
from tests.support.challenge_world import review

pytestmark = pytest.mark.django_db(transaction=True)


def _run(*args: str) -> str:
    out = StringIO()
    call_command("send_challenge_reminders", *args, stdout=out)
    return out.getvalue()


def test_reminders_reach_teams_and_pending_reviewers_once_a_day(
    make_challenge, team_idea, people, make_reviewer, make_idea
):
    closes = timezone.localdate() + timedelta(days=3)
    challenge = make_challenge(closes_on=closes)
    idea = team_idea(challenge=challenge, stage=Stage.SCREENING)
    draft = make_idea(people["outsider"], challenge=challenge)  # still a draft
    done = make_reviewer(name="Done Already")
    review(idea, people["reviewer"], people["staff"])  # assigned, not submitted
    review(idea, done, people["staff"], 3, 3)  # submitted: nothing to remind
    other = make_challenge(closes_on=closes + timedelta(days=1))  # not yet
    team_idea(challenge=other, stage=Stage.SCREENING)
    Notification.objects.all().delete()
    mail.outbox.clear()

    assert "Reminded 5 people about 1 challenges" in _run()
    reminded = set(
        Notification.objects.filter(
            kind=NotificationKind.CHALLENGE_CLOSING
        ).values_list("recipient_id", flat=True)
    )
    expected = {people[p].pk for p in ("owner", "editor", "viewer", "reviewer")}
    assert reminded == expected | {draft.owner_id}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [people[p].email for p in ("owner", "editor", "viewer", "reviewer")]
        + [draft.owner.email]
    )
    reviewer_mail = next(m for m in mail.outbox if m.to == [people["reviewer"].email])
    assert "reviews to submit" in reviewer_mail.body
    assert challenge.title in reviewer_mail.subject

    # Cron runs again the same day: nothing more is sent.
    assert "Reminded 0 people about 0 challenges" in _run()
    assert "1 already reminded today" in _run()
    assert Notification.objects.count() == 5
    assert len(mail.outbox) == 5
    assert ReminderSent.objects.get(challenge=challenge).recipients == 5


def test_days_chooses_the_challenges(make_challenge, team_idea):
    challenge = make_challenge(closes_on=timezone.localdate() + timedelta(days=7))
    team_idea(challenge=challenge, stage=Stage.SCREENING)
    assert "about 0 challenges" in _run()
    assert "Reminded 3 people about 1 challenges closing in 7 days" in _run(
        "--days", "7"
    )


def test_a_negative_day_count_is_refused():
    with pytest.raises(CommandError):
        _run("--days", "-1")
