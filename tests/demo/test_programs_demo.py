"""seed_demo's program: built once, with cohorts and invitations in each state."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from demo.programs import SLUG
from ideas.models import Idea, Visibility
from programs.models import Invitation, Program, ProgramMembership

pytestmark = pytest.mark.django_db


def test_the_demo_program_has_cohorts_members_and_invitations(capsys):
    call_command("seed_demo")
    program = Program.objects.get(slug=SLUG)
    assert list(program.cohorts.values_list("name", flat=True)) == [
        "Spring 2027",
        "Autumn 2027",
    ]
    assert list(program.managers.values_list("email", flat=True)) == [
        "staff@demo.clusterhub.test"
    ]
    states = sorted(i.state for i in Invitation.objects.filter(program=program))
    assert states == ["accepted"] * 4 + ["pending"] * 2
    assert ProgramMembership.objects.filter(program=program).count() == 4
    assert Idea.objects.filter(program=program, visibility=Visibility.PROGRAM).exists()
    call_command("seed_demo")
    assert Program.objects.count() == 1
    assert Invitation.objects.count() == 6
