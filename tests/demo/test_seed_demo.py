"""seed_demo builds the demo cluster once; a second run changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from demo.management.commands.seed_demo import DEMO_PASSWORD, PEOPLE
from hub.core.models import Role, User
from ideas.models import Comment, Idea, StageChange
from ideas.stages import Stage
from ventures.models import Venture

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_it_builds_a_believable_cluster_and_prints_the_logins():
    output = _seed()
    assert User.objects.count() == 12
    assert User.objects.filter(role=Role.STAFF).count() == 2
    assert User.objects.filter(role=Role.REVIEWER).count() == 2
    assert Idea.objects.count() == 40
    assert set(Idea.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert Comment.objects.count() >= 40
    # Launched from ideas; demo/ventures.py adds two staff-entered ones.
    assert (
        Venture.objects.filter(idea__isnull=False).count()
        == Idea.objects.filter(stage=Stage.LAUNCHED).count()
        == 4
    )
    # Histories are consistent: each idea's last change lands on its stage.
    for idea in Idea.objects.exclude(stage=Stage.DRAFT):
        last = idea.stage_changes.order_by("at", "pk").last()
        assert last.to_stage == idea.stage
    assert (
        StageChange.objects.filter(to_stage=Stage.DECLINED).exclude(note="").count()
        == 4
    )
    for email, *_ in PEOPLE:
        assert email in output
    assert DEMO_PASSWORD in output


def test_a_second_run_changes_nothing():
    _seed()
    before = _row_counts()
    output = _seed()
    assert _row_counts() == before
    assert "0 people and 0 ideas created" in output


def test_the_demo_logins_work():
    _seed()
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": PEOPLE[0][0], "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/pipeline/").status_code == 200


def test_ideas_in_planning_and_later_have_a_started_plan():
    from ideas import documents as store
    from ideas.models import BusinessPlan

    _seed()
    later = Idea.objects.filter(stage__in=[Stage.PLANNING, Stage.PILOT, Stage.LAUNCHED])
    plans = BusinessPlan.objects.filter(idea__in=later)
    assert plans.count() == later.count() == 15
    for plan in plans:
        text = store.load_text(plan.pk)
        assert text == plan.text
        assert plan.idea.pitch in text
        assert text.count("## Unique value proposition") == 1
