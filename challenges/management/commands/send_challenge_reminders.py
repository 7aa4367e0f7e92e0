"""Remind teams and pending reviewers that a challenge closes soon.

Meant for a daily cron job; running it twice on one day sends nothing more.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from challenges.reminders import send_reminders


class Command(BaseCommand):
    help = "Notify teams and reviewers of challenges closing in N days (daily cron)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=3,
            help="Remind about challenges closing this many days from today (3).",
        )

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        sent = send_reminders(days)
        self.stdout.write(
            f"Reminded {sent.people} people about {sent.challenges} challenges "
            f"closing in {days} days ({sent.skipped} already reminded today)."
        )
