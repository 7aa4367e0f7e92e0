"""``seed_scale``: the counts it promises, the invariants the pages rely on,
and the same data from the same seed."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F

from catalog.models import Dataset
from challenges.models import ReviewAssignment, Score, rubric_for
from demo import scale
from ideas.models import Idea, StageChange
from ideas.stages import TRANSITIONS, Stage
from programs.models import Cohort, Program, ProgramMembership
from ventures.models import DatasetUse, FundingEvent, Venture

pytestmark = pytest.mark.django_db

SCALE = 0.002
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _fingerprint() -> dict[str, list]:
    """What the data set is, by natural keys (primary keys differ between
    runs on PostgreSQL, whose sequences a rollback does not rewind)."""
    return {
        "ideas": sorted(
            Idea.objects.values_list(
                "title", "stage", "stage_changed_at", "created_at", "owner__email"
            )
        ),
        "changes": sorted(
            StageChange.objects.values_list(
                "idea__title", "from_stage", "to_stage", "at"
            )
        ),
        "funding": sorted(
            FundingEvent.objects.values_list(
                "venture__slug", "kind", "amount", "currency", "status", "date"
            ),
            key=str,  # a note has no amount
        ),
        "uses": sorted(
            DatasetUse.objects.values_list("venture__slug", "dataset__identifier")
        ),
        "scores": sorted(
            Score.objects.values_list(
                "assignment__idea__title",
                "assignment__reviewer__email",
                "criterion__name",
                "value",
            )
        ),  # fmt: skip
    }


def _run(seed: int = 7) -> dict[str, int]:
    return scale.generate(scale=SCALE, seed=seed, now=NOW)


def test_it_writes_the_promised_counts():
    target = scale.counts_for(SCALE)
    written = _run()
    for table in (
        "ideas", "stage_changes", "datasets", "dataset_uses", "funding_events",
        "programs", "challenges", "reviews",
    ):  # fmt: skip
        assert written[table] == target[table], table
    assert Idea.objects.count() == target["ideas"]
    assert StageChange.objects.count() == target["stage_changes"]
    assert Venture.objects.count() >= target["ventures"]
    assert Dataset.objects.count() == target["datasets"]
    assert ReviewAssignment.objects.count() == target["reviews"]
    assert Cohort.objects.count() >= Program.objects.count()
    assert ProgramMembership.objects.exists()
    # Full scale is the figures.
    full = scale.counts_for(1.0)
    assert (full["ideas"], full["stage_changes"], full["reviews"]) == (
        20_000, 100_000, 40_000,
    )  # fmt: skip
    # A mix: drafts and launched ideas, both funding statuses, a second currency.
    stages = set(Idea.objects.values_list("stage", flat=True))
    assert {Stage.DRAFT, Stage.LAUNCHED} <= stages
    assert set(FundingEvent.objects.values_list("status", flat=True)) == {
        "reported", "verified",
    }  # fmt: skip
    assert FundingEvent.objects.values("currency").distinct().count() == 2


def test_every_stage_history_is_a_legal_path_ending_at_the_idea():
    _run()
    history: dict[int, list[StageChange]] = {}
    for change in StageChange.objects.order_by("idea_id", "at", "id"):
        history.setdefault(change.idea_id, []).append(change)
    for idea in Idea.objects.all():
        moves = history.get(idea.pk, [])
        if not moves:
            assert idea.stage == Stage.DRAFT
            assert idea.stage_changed_at == idea.created_at
            continue
        assert moves[0].from_stage == Stage.DRAFT
        assert moves[0].at > idea.created_at
        for before, after in zip(moves, moves[1:], strict=False):
            assert before.to_stage == after.from_stage
            assert before.at < after.at
        for move in moves:
            transition = TRANSITIONS[(Stage(move.from_stage), Stage(move.to_stage))]
            assert bool(move.note) == transition.needs_note
        assert idea.stage == moves[-1].to_stage
        assert idea.stage_changed_at == moves[-1].at
        assert moves[-1].at <= NOW


def test_launched_ideas_have_ventures_and_uses_are_unique():
    _run()
    launched = Idea.objects.filter(stage=Stage.LAUNCHED)
    assert launched.exists()
    assert Venture.objects.filter(idea__in=launched).count() == launched.count()
    assert Venture.objects.filter(idea__isnull=True).exists()  # staff-entered
    pairs = DatasetUse.objects.values("venture", "dataset").annotate(n=Count("pk"))
    assert not pairs.filter(n__gt=1).exists()


def test_scores_are_within_the_rubric_of_the_idea():
    _run()
    assert Score.objects.exists()
    assert not Score.objects.filter(
        value__lt=F("criterion__rubric__scale_min")
    ).exists()
    assert not Score.objects.filter(
        value__gt=F("criterion__rubric__scale_max")
    ).exists()
    assert not Score.objects.exclude(
        scale_min=F("criterion__rubric__scale_min"),
        scale_max=F("criterion__rubric__scale_max"),
    ).exists()
    for assignment in ReviewAssignment.objects.select_related(
        "idea__challenge__rubric"
    ):
        rubric = rubric_for(assignment.idea)
        assert not assignment.scores.exclude(criterion__rubric=rubric).exists()
        if assignment.conflict_declared_at:
            assert not assignment.scores.exists()
    # Submitted reviews and drafts, and no review of a draft idea.
    assert ReviewAssignment.objects.filter(submitted_at__isnull=False).exists()
    assert ReviewAssignment.objects.filter(submitted_at__isnull=True).exists()
    assert not ReviewAssignment.objects.filter(idea__stage=Stage.DRAFT).exists()


def test_the_same_seed_gives_the_same_data():
    prints = []
    for seed in (7, 7, 8):
        with transaction.atomic():
            _run(seed)
            prints.append(_fingerprint())
            transaction.set_rollback(True)
    assert prints[0] == prints[1]
    assert prints[0]["ideas"]
    assert prints[0] != prints[2]


def test_the_command_prints_counts_and_refuses_a_database_with_ideas(make_idea):
    out = StringIO()
    call_command("seed_scale", "--scale", str(SCALE), "--seed", "3", stdout=out)
    assert "stage_changes" in out.getvalue() and "Scale data written" in out.getvalue()
    with pytest.raises(CommandError, match="already holds ideas"):
        call_command("seed_scale", "--scale", str(SCALE), "--seed", "4")
    with pytest.raises(CommandError, match="another --seed"):
        call_command("seed_scale", "--scale", str(SCALE), "--seed", "3", "--force")
    before = Idea.objects.count()
    call_command(
        "seed_scale", "--scale", str(SCALE), "--seed", "4", "--force", stdout=StringIO()
    )
    assert Idea.objects.count() == before + scale.counts_for(SCALE)["ideas"]
    with pytest.raises(CommandError, match="positive"):
        call_command("seed_scale", "--scale", "0", "--force")
