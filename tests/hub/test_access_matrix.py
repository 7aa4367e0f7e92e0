"""The access matrix of the hub's own pages (landing, health, profile, people,
roles, the full export, notifications), and the checks that span every app's
matrix: together they cover every URL name of the project, and every POST-only
URL refuses GET. The spec and the machinery: ``tests/support/access_matrix.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import get_resolver, reverse

from hub.core.models import Notification, Role, User
from ideas.stages import Stage
from tests.support.access_matrix import (
    LOGGED_IN,
    SMUGGLED,
    AppMatrix,
    app_matrices,
    expect,
    matrix_params,
    only,
    run_matrix_case,
)

pytestmark = pytest.mark.django_db

# Sentinel values the POST requests write, so effects are easy to look up.
NEW_DISPLAY_NAME = "Matrix Renamed Person"

# fmt: off
MATRIX = AppMatrix(
    url_names=frozenset({
        "hub-landing", "hub-health", "hub-profile", "hub-people", "hub-people-role",
        "hub-export",
        "hub-notifications", "hub-notifications-badge", "hub-notifications-read-all",
        "hub-notifications-open",
    }),
    requests={
        ("hub-landing", "GET"): lambda s: (reverse("hub-landing"), {}),
        ("hub-health", "GET"): lambda s: (reverse("hub-health"), {}),
        ("hub-profile", "GET"): lambda s: (reverse("hub-profile"), {}),
        ("hub-profile", "POST"): lambda s: (
            reverse("hub-profile"),
            {
                "display_name": NEW_DISPLAY_NAME,
                "organisation": "Org",
                "bio": "Bio",
                "skills": "x",
            },
        ),
        ("hub-people", "GET"): lambda s: (reverse("hub-people"), {}),
        ("hub-export", "GET"): lambda s: (reverse("hub-export"), {}),
        ("hub-people-role", "POST"): lambda s: (
            reverse("hub-people-role", args=[s.bystander.pk]),
            {f"p{s.bystander.pk}-role": Role.REVIEWER},
        ),
        ("hub-notifications", "GET"): lambda s: (reverse("hub-notifications"), {}),
        ("hub-notifications-badge", "GET"): lambda s: (
            reverse("hub-notifications-badge"),
            {},
        ),
        ("hub-notifications-read-all", "POST"): lambda s: (
            reverse("hub-notifications-read-all"),
            {},
        ),
        # Always the owner's notification: nobody else may open it.
        ("hub-notifications-open", "POST"): lambda s: (
            reverse("hub-notifications-open", args=[s.notices["owner"].pk]),
            {},
        ),
    },
    effects={
        "hub-profile": lambda s: User.objects.filter(
            display_name=NEW_DISPLAY_NAME
        ).exists(),
        "hub-people-role": lambda s: (
            User.objects.get(pk=s.bystander.pk).role == Role.REVIEWER
        ),
        "hub-notifications-read-all": lambda s: Notification.objects.filter(
            read_at__isnull=False
        ).exists(),
        "hub-notifications-open": lambda s: (
            Notification.objects.get(pk=s.notices["owner"].pk).read_at is not None
        ),
    },
    proposed={
        ("hub-landing", "GET"): expect(
            anonymous=200, outsider=200, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
        ("hub-health", "GET"): expect(
            anonymous=200, outsider=200, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
        ("hub-profile", "GET"): expect(
            anonymous=302, outsider=200, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
        ("hub-profile", "POST"): expect(
            anonymous=302, outsider=302, viewer=302,
            editor=302, owner=302, reviewer=302, staff=302,
        ),
        ("hub-people", "GET"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=200,
        ),
        # The full export's page; ?download=1 (same rule) is in
        # tests/hub/test_export_import.py.
        ("hub-export", "GET"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=200,
        ),
        ("hub-people-role", "POST"): expect(
            anonymous=302, outsider=403, viewer=403,
            editor=403, owner=403, reviewer=403, staff=302,
        ),
        # Notifications: everyone signed in has their own; nobody reaches another's.
        ("hub-notifications", "GET"): expect(
            anonymous=302, outsider=200, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
        ("hub-notifications-badge", "GET"): expect(
            anonymous=302, outsider=200, viewer=200,
            editor=200, owner=200, reviewer=200, staff=200,
        ),
        ("hub-notifications-read-all", "POST"): expect(
            anonymous=302, outsider=302, viewer=302,
            editor=302, owner=302, reviewer=302, staff=302,
        ),
        # The owner's notification.
        ("hub-notifications-open", "POST"): expect(
            anonymous=302, outsider=404, viewer=404,
            editor=404, owner=302, reviewer=404, staff=404,
        ),
    },
    changes={
        "hub-profile": LOGGED_IN,
        "hub-people-role": only("staff"),
        "hub-notifications-read-all": LOGGED_IN,
        "hub-notifications-open": only("owner"),
    },
)
# fmt: on


def _project_url_names(patterns: list[Any]) -> set[str]:
    found: set[str] = set()
    for p in patterns:
        if hasattr(p, "url_patterns"):
            if getattr(p, "app_name", None) == "admin":
                continue
            module = getattr(p.urlconf_module, "__name__", "")
            if module.startswith("allauth"):
                continue
            # The REST API's routes (/api/v1/...) answer JSON with their
            # own rules (401 for anonymous writes, 404 for hidden objects):
            # tests/api covers every one per persona.
            if module == "api.v1_urls":
                continue
            found |= _project_url_names(p.url_patterns)
        elif p.name:
            found.add(p.name)
    return found


def test_main_matrix_covers_every_url_of_the_app():
    """Every URL name of the project is in exactly one app's matrix, with a
    row for each of its requests and an effect row for each POST."""
    matrices = app_matrices().values()
    all_url_names: set[str] = set()
    for matrix in matrices:
        assert not all_url_names & matrix.url_names, "a URL name in two matrices"
        all_url_names |= matrix.url_names
    assert _project_url_names(get_resolver().url_patterns) == all_url_names
    main = {key for matrix in matrices for key in matrix.proposed}
    assert {name for name, _method in main} == all_url_names
    for matrix in matrices:
        assert {name for name, _method in matrix.proposed} == matrix.url_names
        assert set(matrix.requests) == set(matrix.proposed)
        assert set(matrix.changes) == {
            name for name, method in matrix.proposed if method == "POST"
        }


@pytest.mark.parametrize(("key", "persona", "status"), matrix_params(MATRIX.proposed))
def test_team_only_proposed_idea_access(scenario, client_for, key, persona, status):
    s = scenario(stage=Stage.PROPOSED, move_to=Stage.SCREENING)
    run_matrix_case(
        MATRIX, client_for, s, persona, key, status, MATRIX.changes.get(key[0])
    )


def test_post_only_urls_refuse_get_without_changing_anything(scenario, client_for):
    s = scenario(stage=Stage.PROPOSED, move_to=Stage.SCREENING)
    client = client_for("staff")
    for matrix in app_matrices().values():
        for key in matrix.requests:
            url_name, method = key
            if method != "POST" or (url_name, "GET") in matrix.requests:
                continue
            path, _data = matrix.requests[key](s)
            assert client.get(path).status_code == 405, url_name
            assert not matrix.effects[url_name](s), url_name


# --------------------------------------------------------------------------------------
# Mass assignment: the profile form ignores fields it does not declare
# --------------------------------------------------------------------------------------


def test_profile_form_ignores_role_staff_flags_email_and_id(people, client_for):
    person = people["outsider"]
    other = people["viewer"]
    before = User.objects.values(
        "pk", "email", "role", "is_staff", "is_superuser", "is_active", "password"
    ).get(pk=person.pk)
    data = {
        "display_name": "Renamed Olga",
        "organisation": "Olga Org",
        "bio": "Hi",
        "skills": "retail",
        **SMUGGLED,
        "id": str(other.pk),
        "email": "hijack@example.org",
        "is_active": "",
        "password": "x",
        "groups": "1",
        "user_permissions": "1",
    }
    response = client_for("outsider").post(reverse("hub-profile"), data)
    assert response.status_code == 302
    person = User.objects.get(pk=person.pk)
    assert person.display_name == "Renamed Olga"  # the form did save
    after = User.objects.values(
        "pk", "email", "role", "is_staff", "is_superuser", "is_active", "password"
    ).get(pk=person.pk)
    assert after == before
    assert not person.groups.exists() and not person.user_permissions.exists()
    other.refresh_from_db()
    assert other.display_name == "Vera Viewer"
    assert not User.objects.filter(email="hijack@example.org").exists()
