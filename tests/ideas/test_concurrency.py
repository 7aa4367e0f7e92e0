"""Two staff moving the same idea at once: exactly one move happens.

Row-level behaviour needs a real concurrent database, so this runs on
PostgreSQL (CI's second pass sets DATABASE_URL); SQLite serialises writers
per database and cannot show the race.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from ideas import services
from ideas.models import Idea, StageChange
from ideas.stages import Stage

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-lock race needs PostgreSQL: run with DATABASE_URL=postgres://...",
    ),
]

ROUNDS = 8


def _race(idea_pk: int, moves: list[tuple[str, str]], actor) -> list[object]:
    barrier = threading.Barrier(len(moves))
    results: list[object] = [None] * len(moves)

    def worker(i: int, target: str, note: str) -> None:
        try:
            idea = Idea.objects.get(pk=idea_pk)
            barrier.wait(timeout=10)
            results[i] = services.move_idea(
                idea, target, actor=actor, note=note, expected_stage=Stage.PROPOSED
            )
        except services.ServiceError as error:
            results[i] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(i, target, note))
        for i, (target, note) in enumerate(moves)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "moves",
    [
        [(Stage.SCREENING, ""), (Stage.DECLINED, "Not for us, sorry.")],
        [(Stage.SCREENING, ""), (Stage.SCREENING, "")],
        [(Stage.SCREENING, ""), (Stage.DECLINED, "No."), (Stage.DECLINED, "Also no.")],
    ],
    ids=["screen-vs-decline", "screen-vs-screen", "three-way"],
)
def test_exactly_one_of_simultaneous_moves_happens(people, team_idea, moves):
    for _round in range(ROUNDS):
        idea = team_idea(stage=Stage.PROPOSED)
        results = _race(idea.pk, moves, people["staff"])
        winners = [r for r in results if isinstance(r, StageChange)]
        losers = [r for r in results if isinstance(r, services.StageConflict)]
        assert len(winners) == 1, results
        assert len(losers) == len(moves) - 1, results
        assert all("moved meanwhile" in str(loser) for loser in losers)
        idea.refresh_from_db()
        assert idea.stage == winners[0].to_stage
        assert StageChange.objects.filter(idea=idea).count() == 1
