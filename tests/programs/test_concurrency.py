"""Simultaneous use of one invitation, and simultaneous sends by one manager.

Row locks need a real concurrent database, so this runs on PostgreSQL (CI's
second pass sets DATABASE_URL); SQLite serialises writers per database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from programs import services
from programs.models import Invitation, MemberRole, ProgramMembership

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-lock race needs PostgreSQL: run with DATABASE_URL=postgres://...",
    ),
]


def _race(jobs: list[Callable[[], object]]) -> list[object]:
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = jobs[i]()
        except services.ServiceError as error:
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_one_invitation_accepted_four_times_at_once_makes_one_member(
    program, people, make_user
):
    nora = make_user("nora@example.org")
    invitation = services.send_invitations(
        program,
        actor=people["staff"],
        text="nora@example.org",
        role=MemberRole.MENTOR,
        cohort=None,
        link_base="http://testserver/",
    )[0]
    results = _race(
        [lambda: services.accept_invitation(invitation, user=nora) for _ in range(4)]
    )
    members = [r for r in results if isinstance(r, ProgramMembership)]
    refused = [r for r in results if isinstance(r, services.InvitationUnusable)]
    assert (len(members), len(refused)) == (1, 3), results
    assert all(r.reason == "used" for r in refused)
    assert ProgramMembership.objects.filter(program=program, user=nora).count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_batches_cannot_pass_the_rate_limit_together(
    program, people, settings
):
    settings.INVITATION_RATE_LIMIT = 5
    batches = [" ".join(f"b{n}-{i}@example.org" for i in range(3)) for n in range(3)]
    results = _race(
        [
            lambda text=text: services.send_invitations(
                program,
                actor=people["staff"],
                text=text,
                role=MemberRole.RESIDENT,
                cohort=None,
                link_base="http://testserver/",
            )
            for text in batches
        ]
    )
    sent = [r for r in results if isinstance(r, list)]
    limited = [r for r in results if isinstance(r, services.RateLimited)]
    assert (len(sent), len(limited)) == (1, 2), results
    assert Invitation.objects.count() == 3
