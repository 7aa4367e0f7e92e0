"""A small pipeline with hand-picked timestamps, so every figure is known.

Stays (days) per stage, ended by the next stage change:
  Draft:     A 2, B 4, C 1, D 8            median 3,  p90 6.8
  Proposed:  A 1, B 3, C 5, D 25           median 4,  p90 19
  Screening: A 10, B 24                    median 17, p90 22.6
Now: E draft, C screening, A planning, B and D declined (B with a note).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from challenges.models import Challenge
from ideas.models import Idea, StageChange, Visibility
from ideas.stages import Stage
from programs.models import Program

UTC = dt.UTC


def day(month: int, d: int) -> dt.datetime:
    return dt.datetime(2026, month, d, 9, 0, tzinfo=UTC)


def build_pipeline(make_idea, owner) -> dict[str, Any]:
    program = Program.objects.create(name="Smart Streets", slug="smart-streets")
    mobility = Challenge.objects.create(title="=cmd|' /C calc'!A0", slug="mobility")
    plan = {
        "A": (day(1, 10), [("draft", "proposed", day(1, 12), ""),
                           ("proposed", "screening", day(1, 13), ""),
                           ("screening", "planning", day(1, 23), "")]),
        "B": (day(1, 10), [("draft", "proposed", day(1, 14), ""),
                           ("proposed", "screening", day(1, 17), ""),
                           ("screening", "declined", day(2, 10), "Not a fit yet.")]),
        "C": (day(2, 10), [("draft", "proposed", day(2, 11), ""),
                           ("proposed", "screening", day(2, 16), "")]),
        "D": (day(2, 10), [("draft", "proposed", day(2, 18), ""),
                           ("proposed", "declined", day(3, 15), "")]),
        "E": (day(3, 10), []),
    }  # fmt: skip
    extra = {
        "A": {"challenge": mobility, "tags": ["mobility", "data"]},
        "B": {"challenge": mobility, "tags": ["mobility"]},
        "C": {"program": program, "tags": ["=SUM(1+1)"]},
        "D": {},
        "E": {},
    }
    ideas = {}
    for name, (created, moves) in plan.items():
        stage = moves[-1][1] if moves else Stage.DRAFT
        since = moves[-1][2] if moves else created
        idea = make_idea(
            owner,
            title=f"Idea {name}",
            visibility=Visibility.PUBLIC,
            stage=stage,
            stage_changed_at=since,
            created_at=created,
            **extra[name],
        )
        StageChange.objects.bulk_create(
            StageChange(idea=idea, from_stage=a, to_stage=b, at=at, note=note)
            for a, b, at, note in moves
        )
        ideas[name] = idea
    return {"ideas": ideas, "program": program, "challenge": mobility}


def many_ideas(make_idea, owner, count: int) -> list[Idea]:
    """``count`` ideas, each submitted and screened (two stage changes)."""
    ideas = []
    for n in range(count):
        idea = make_idea(
            owner,
            visibility=Visibility.PUBLIC,
            stage=Stage.SCREENING,
            created_at=day(1, 1 + n % 28),
            tags=[f"tag{n % 12}"],
        )
        StageChange.objects.bulk_create(
            [
                StageChange(idea=idea, from_stage="draft", to_stage="proposed",
                            at=day(2, 1 + n % 28)),
                StageChange(idea=idea, from_stage="proposed", to_stage="screening",
                            at=day(3, 1 + n % 28)),
            ]
        )  # fmt: skip
        ideas.append(idea)
    return ideas
