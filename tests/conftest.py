"""Personas and builders shared by the whole suite.

Personas: anonymous, outsider, team viewer, team editor, owner, reviewer,
staff. ``client_for(persona)`` returns a logged-in test client (or an anonymous
one for "anonymous").

Programs add one more person, ``people["program_member"]`` (also usable as
``client_for("program_member")``). She is in no idea team and has no role; the
``program`` fixture makes her a resident of a program that "staff" manages.
Without that fixture she is just another outsider. She is not in ``PERSONAS``
(every matrix row would have to name her); ``PROGRAM_PERSONAS`` adds her for
the program tables (both lists are in ``tests/support/personas.py``).

Helpers that are not fixtures live in ``tests/support/``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client

from hub.core.models import Role, User
from ideas.models import Idea, TeamMembership, TeamRole, Visibility
from ideas.stages import Stage
from programs.models import Cohort, MemberRole, Program, ProgramMembership
from tests.support.access_matrix import Scenario, scenario_factory
from tests.support.personas import PASSWORD

_counter = itertools.count(1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last: Playwright's sync API keeps an event loop
    running in the main thread, which async tests cannot share."""
    items.sort(key=lambda item: "e2e" in item.path.parts)


_figures_keys = itertools.count(1)


@pytest.fixture(autouse=True)
def _figures_cache(request: pytest.FixtureRequest, settings: Any) -> None:
    """The figures cache (``reports/figures.py``) starts empty for each test. On
    PostgreSQL the data version moves when a transaction commits, and a
    test's transaction never does: there it moves at each statement instead."""
    settings.FIGURES_CACHE_PREFIX = f"test-{os.getpid()}-{next(_figures_keys)}"
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("_django_db_helper")
    elif "db" in request.fixturenames:
        request.getfixturevalue("db")
    else:  # no database, or one whose every statement commits
        return
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS hub_data_changed IMMEDIATE")


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def make(
        email: str | None = None,
        *,
        role: str = Role.ENTREPRENEUR,
        name: str | None = None,
    ) -> User:
        n = next(_counter)
        email = email or f"person{n}@example.org"
        user = User.objects.create_user(
            email=email,
            password=PASSWORD,
            display_name=name or f"Person {n}",
            role=role,
        )
        if role == Role.STAFF:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    return make


@pytest.fixture
def make_idea(db) -> Callable[..., Idea]:
    def make(owner: User, **fields: Any) -> Idea:
        n = next(_counter)
        defaults: dict[str, Any] = {
            "title": f"Idea {n}",
            "pitch": f"Pitch {n}",
            "problem": "A problem.",
            "solution": "A solution.",
            "description": "Some **Markdown**.",
            "visibility": Visibility.TEAM,
            "stage": Stage.DRAFT,
        }
        defaults.update(fields)
        tags = defaults.pop("tags", [])
        idea = Idea.objects.create(owner=owner, **defaults)
        if tags:
            idea.tags.set(tags)
        return idea

    return make


@pytest.fixture
def people(make_user) -> dict[str, User | None]:
    """One user per persona (None for anonymous)."""
    return {
        "anonymous": None,
        "outsider": make_user(name="Olga Outsider"),
        "viewer": make_user(name="Vera Viewer"),
        "editor": make_user(name="Ed Editor"),
        "owner": make_user(name="Owen Owner"),
        "reviewer": make_user(role=Role.REVIEWER, name="Rita Reviewer"),
        "staff": make_user(role=Role.STAFF, name="Sam Staff"),
        "program_member": make_user(name="Pia Programme"),
    }


@pytest.fixture
def program(people) -> Program:
    """A program managed by "staff", with one cohort and "program_member" in it
    as a resident. Nobody else (of the personas) is a member."""
    program = Program.objects.create(
        name="Startup in Residence 2027",
        slug="sir-2027",
        description="Twelve weeks with the city.",
    )
    program.managers.add(people["staff"])
    cohort = Cohort.objects.create(program=program, name="Spring")
    ProgramMembership.objects.create(
        program=program,
        user=people["program_member"],
        role=MemberRole.RESIDENT,
        cohort=cohort,
    )
    return program


@pytest.fixture
def team_idea(people, make_idea) -> Callable[..., Idea]:
    """Build an idea owned by "owner" with "editor" and "viewer" on its team."""

    def make(**fields: Any) -> Idea:
        idea = make_idea(people["owner"], **fields)
        TeamMembership.objects.create(
            idea=idea, user=people["editor"], role=TeamRole.EDITOR
        )
        TeamMembership.objects.create(
            idea=idea, user=people["viewer"], role=TeamRole.VIEWER
        )
        return idea

    return make


@pytest.fixture
def client_for(people) -> Callable[..., Client]:
    def make(persona: str, **kwargs: Any) -> Client:
        client = Client(**kwargs)
        user = people[persona]
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def scenario(people, team_idea, make_user) -> Callable[..., Scenario]:
    """``scenario(move_to=..., **idea_fields)``: the world one access-matrix
    request runs against (``tests/support/access_matrix.py``)."""
    return scenario_factory(people, team_idea, make_user)
