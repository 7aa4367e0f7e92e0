"""Every state-changing POST is refused without a CSRF token, and accepted with one.

The client enforces CSRF checks (the default test client skips them). Each
case logs in as staff, or as the owner (or comment author) where staff cannot
reach the view, and snapshots the rows the POST would change: without a token
the answer is 403 and the snapshot is identical; with a valid token the answer
is not 403 and the change lands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from catalog.models import Dataset
from hub.core.models import Notification, NotificationKind, Role, User
from ideas.models import (
    Comment,
    Idea,
    StageChange,
    TeamMembership,
    TeamRole,
    Visibility,
)
from ideas.stages import Stage

pytestmark = pytest.mark.django_db


@dataclass
class World:
    people: dict[str, User | None]
    idea: Idea  # team-only, proposed: staff can see and screen it
    staff_comment: Comment  # written by staff just now (editable by staff)
    viewer_membership: TeamMembership
    newcomer: User
    bystander: User
    notice: Notification  # the owner's, unread


@pytest.fixture
def world(people, team_idea, make_user) -> World:
    idea = team_idea(stage=Stage.PROPOSED)
    return World(
        people=people,
        idea=idea,
        staff_comment=Comment.objects.create(
            idea=idea, author=people["staff"], body="Staff note"
        ),
        viewer_membership=TeamMembership.objects.get(idea=idea, user=people["viewer"]),
        newcomer=make_user(name="Nina Newcomer"),
        bystander=make_user(name="Bea Bystander"),
        notice=Notification.objects.create(
            recipient=people["owner"],
            kind=NotificationKind.STAGE_CHANGED,
            text="Your idea moved.",
            url=idea.get_absolute_url(),
        ),
    )


def _idea_form(title: str) -> dict[str, str]:
    return {
        "title": title,
        "pitch": "Helps people do a thing.",
        "problem": "A problem.",
        "solution": "A solution.",
        "description": "Text.",
        "visibility": Visibility.TEAM,
        "tags": "",
    }


def _idea_state(w: World) -> Any:
    return (
        Idea.objects.values("title", "stage", "stage_changed_at", "updated_at").get(
            pk=w.idea.pk
        ),
        StageChange.objects.count(),
        Idea.objects.count(),
    )


def _users_state(w: World) -> Any:
    return list(
        User.objects.order_by("pk").values("pk", "display_name", "role", "is_staff")
    )


def _team_state(w: World) -> Any:
    return sorted(TeamMembership.objects.values_list("idea_id", "user_id", "role"))


def _notifications_state(w: World) -> Any:
    return list(Notification.objects.order_by("pk").values_list("pk", "read_at"))


def _comments_state(w: World) -> Any:
    return list(
        Comment.objects.order_by("pk").values("pk", "body", "edited_at", "removed_at")
    )


def _catalog_file() -> SimpleUploadedFile:
    body = b'{"dataset": [{"identifier": "c1", "title": "CSRF data"}]}'
    return SimpleUploadedFile("csrf.json", body, content_type="application/json")


def _catalog_state(w: World) -> Any:
    return sorted(Dataset.objects.values_list("source__name", "identifier"))


def _venture_bits(w: World) -> dict[str, Any]:
    """A venture with one dataset use, a dataset not yet used and a data
    request (made on first use; staff may act on all of them)."""
    from catalog.models import CatalogSource
    from ventures.models import DataRequest, DatasetUse, Venture

    venture, _ = Venture.objects.get_or_create(slug="csrf-co", defaults={"name": "C"})
    source, _ = CatalogSource.objects.get_or_create(name="CSRF uses")
    used, _ = Dataset.objects.get_or_create(source=source, identifier="used")
    unused, _ = Dataset.objects.get_or_create(source=source, identifier="unused")
    use, _ = DatasetUse.objects.get_or_create(venture=venture, dataset=used)
    request, _ = DataRequest.objects.get_or_create(venture=venture, title="Wanted")
    return {
        "slug": venture.slug,
        "venture": venture.pk,
        "use": use.pk,
        "unused": unused.pk,
        "req": request,
    }


def _ventures_state(w: World) -> Any:
    from ventures.models import DataRequest, DatasetUse, Venture

    return (
        list(Venture.objects.order_by("pk").values_list("name", "status")),
        list(DatasetUse.objects.order_by("pk").values_list("dataset_id", "how")),
        list(DataRequest.objects.order_by("pk").values_list("title", "status")),
    )


def _funding_event(w: World) -> int:
    """A reported funding event of the CSRF venture (made on first use)."""
    from ventures.models import FundingEvent

    event, _ = FundingEvent.objects.get_or_create(
        venture_id=_venture_bits(w)["venture"],
        investors="CSRF investors",
        defaults={
            "kind": "grant",
            "amount": 5,
            "currency": "EUR",
            "date": "2024-01-01",
        },
    )
    return event.pk


def _funding_state(w: World) -> Any:
    from ventures.models import ExchangeRate, FundingEvent, ImpactSnapshot

    return (
        list(
            FundingEvent.objects.order_by("pk").values_list("pk", "investors", "status")
        ),
        list(ImpactSnapshot.objects.values_list("pk", flat=True)),
        list(ExchangeRate.objects.values_list("currency", "rate")),
    )


_FUNDING_FORM = {
    "kind": "seed",
    "amount": "10",
    "currency": "EUR",
    "date": "2024-01-01",
    "investors": "CSRF angels",
}


def _venture_form(name: str) -> dict[str, str]:
    return {"name": name, "status": "closed", "launched_on": "2024-01-01"}


@dataclass(frozen=True)
class Case:
    persona: str  # who is logged in
    request: Callable[[World], tuple[str, dict[str, str]]]
    state: Callable[[World], Any]  # snapshot of what the POST would change


CASES: dict[str, Case] = {
    "hub-profile": Case(
        "staff",
        lambda w: (
            reverse("hub-profile"),
            {"display_name": "Renamed Sam", "skills": ""},
        ),
        _users_state,
    ),
    "hub-people-role": Case(
        "staff",
        lambda w: (
            reverse("hub-people-role", args=[w.bystander.pk]),
            {f"p{w.bystander.pk}-role": Role.REVIEWER},
        ),
        _users_state,
    ),
    "ideas-create": Case(
        "staff",
        lambda w: (reverse("ideas-create"), _idea_form("Made by staff")),
        _idea_state,
    ),
    # Staff may not edit ideas: the owner does.
    "ideas-edit": Case(
        "owner",
        lambda w: (
            reverse("ideas-edit", args=[w.idea.pk]),
            _idea_form("Edited by owner"),
        ),
        _idea_state,
    ),
    "ideas-move": Case(
        "staff",
        lambda w: (
            reverse("ideas-move", args=[w.idea.pk]),
            {"to_stage": Stage.SCREENING, "from_stage": Stage.PROPOSED, "note": ""},
        ),
        _idea_state,
    ),
    # Team management is the owner's.
    "ideas-team-add": Case(
        "owner",
        lambda w: (
            reverse("ideas-team-add", args=[w.idea.pk]),
            {"email": w.newcomer.email, "role": TeamRole.EDITOR},
        ),
        _team_state,
    ),
    "ideas-team-remove": Case(
        "owner",
        lambda w: (
            reverse("ideas-team-remove", args=[w.idea.pk, w.viewer_membership.pk]),
            {},
        ),
        _team_state,
    ),
    "ideas-comment-add": Case(
        "staff",
        lambda w: (
            reverse("ideas-comment-add", args=[w.idea.pk]),
            {"body": "Hello team"},
        ),
        _comments_state,
    ),
    "ideas-comment-edit": Case(
        "staff",
        lambda w: (
            reverse("ideas-comment-edit", args=[w.staff_comment.pk]),
            {"body": "Staff note, reworded"},
        ),
        _comments_state,
    ),
    "ideas-comment-remove": Case(
        "staff",
        lambda w: (reverse("ideas-comment-remove", args=[w.staff_comment.pk]), {}),
        _comments_state,
    ),
    "hub-notifications-read-all": Case(
        "owner",
        lambda w: (reverse("hub-notifications-read-all"), {}),
        _notifications_state,
    ),
    "hub-notifications-open": Case(
        "owner",
        lambda w: (reverse("hub-notifications-open", args=[w.notice.pk]), {}),
        _notifications_state,
    ),
    "ventures-create": Case(
        "staff",
        lambda w: (reverse("ventures-create"), _venture_form("CSRF venture")),
        _ventures_state,
    ),
    "ventures-edit": Case(
        "staff",
        lambda w: (
            reverse("ventures-edit", args=[_venture_bits(w)["slug"]]),
            _venture_form("CSRF renamed"),
        ),
        _ventures_state,
    ),
    "ventures-use-add": Case(
        "staff",
        lambda w: (
            reverse("ventures-use-add", args=[_venture_bits(w)["slug"]]),
            {"use-dataset": str(_venture_bits(w)["unused"]), "use-extent": "core"},
        ),
        _ventures_state,
    ),
    "ventures-use-edit": Case(
        "staff",
        lambda w: (
            reverse("ventures-use-edit", args=["csrf-co", _venture_bits(w)["use"]]),
            {"how": "Edited", "extent": "core"},
        ),
        _ventures_state,
    ),
    "ventures-use-remove": Case(
        "staff",
        lambda w: (
            reverse("ventures-use-remove", args=["csrf-co", _venture_bits(w)["use"]]),
            {},
        ),
        _ventures_state,
    ),
    "ventures-data-request-add": Case(
        "staff",
        lambda w: (
            reverse("ventures-data-request-add", args=[_venture_bits(w)["slug"]]),
            {"request-title": "More data"},
        ),
        _ventures_state,
    ),
    "ventures-data-request-status": Case(
        "staff",
        lambda w: (
            reverse("ventures-data-request-status", args=[_venture_bits(w)["req"].pk]),
            {"status": "declined"},
        ),
        _ventures_state,
    ),
    "ventures-funding-add": Case(
        "staff",
        lambda w: (
            reverse("ventures-funding-add", args=[_venture_bits(w)["slug"]]),
            _FUNDING_FORM,
        ),
        _funding_state,
    ),
    "ventures-funding-edit": Case(
        "staff",
        lambda w: (
            reverse("ventures-funding-edit", args=["csrf-co", _funding_event(w)]),
            {**_FUNDING_FORM, "investors": "CSRF edited"},
        ),
        _funding_state,
    ),
    "ventures-funding-delete": Case(
        "staff",
        lambda w: (
            reverse("ventures-funding-delete", args=["csrf-co", _funding_event(w)]),
            {},
        ),
        _funding_state,
    ),
    "ventures-funding-verify": Case(
        "staff",
        lambda w: (
            reverse("ventures-funding-verify", args=["csrf-co", _funding_event(w)]),
            {},
        ),
        _funding_state,
    ),
    "ventures-funding-impact-add": Case(
        "staff",
        lambda w: (
            reverse("ventures-funding-impact-add", args=[_venture_bits(w)["slug"]]),
            {"date": "2024-01-01", "full_time_jobs": "4", "revenue_band": "none"},
        ),
        _funding_state,
    ),
    "funding-rates": Case(
        "staff",
        lambda w: (
            reverse("funding-rates"),
            {"currency": "CHF", "rate": "1.1", "valid_on": "2024-01-01"},
        ),
        _funding_state,
    ),
    "catalog-import": Case(
        "staff",
        lambda w: (
            reverse("catalog-import"),
            {"file": _catalog_file(), "source": "CSRF catalog"},  # type: ignore[dict-item]
        ),
        _catalog_state,
    ),
    "api-token": Case(
        "owner",
        lambda w: (reverse("api-token"), {"action": "create"}),
        lambda w: list(Token.objects.values_list("user_id", "key")),
    ),
}


# --- Programs and invitations -----------------------------------------------------

CSRF_TOKEN = "csrf-invitation-token-0123456789-abcdefghijklmn"


def _program_bits(w: World) -> dict[str, Any]:
    """A program with a cohort, the bystander as member, a pending invitation
    to csrf-invitee@ and one to the outsider (link CSRF_TOKEN), made on first
    use; staff manage it, the outsider may accept her invitation."""
    from datetime import timedelta

    from django.utils import timezone

    from programs.models import Cohort, Invitation, Program, ProgramMembership
    from programs.services import hash_token

    program, created = Program.objects.get_or_create(
        slug="csrf-program", defaults={"name": "CSRF program"}
    )
    cohort, _ = Cohort.objects.get_or_create(program=program, name="CSRF cohort")
    membership, _ = ProgramMembership.objects.get_or_create(
        program=program, user=w.bystander
    )
    expires = timezone.now() + timedelta(days=1)
    invitation, _ = Invitation.objects.get_or_create(
        program=program,
        email="csrf-invitee@example.org",
        defaults={"token_hash": hash_token("csrf-other"), "expires_at": expires},
    )
    Invitation.objects.get_or_create(
        program=program,
        email=w.people["outsider"].email,
        defaults={"token_hash": hash_token(CSRF_TOKEN), "expires_at": expires},
    )
    return {
        "slug": program.slug,
        "cohort": cohort.pk,
        "membership": membership.pk,
        "invitation": invitation.pk,
    }


def _programs_state(w: World) -> Any:
    from programs.models import Cohort, Invitation, Program, ProgramMembership

    return (
        list(Program.objects.order_by("pk").values_list("name", "slug")),
        list(Cohort.objects.order_by("pk").values_list("name", flat=True)),
        list(ProgramMembership.objects.order_by("pk").values_list("user_id", "role")),
        list(
            Invitation.objects.order_by("pk").values_list(
                "email", "status", "token_hash"
            )
        ),
    )


def _pr(w: World, name: str, key: str | None = None) -> str:
    bits = _program_bits(w)
    return reverse(name, args=[bits["slug"], *([bits[key]] if key else [])])


CASES.update(
    {
        "programs-create": Case(
            "staff",
            lambda w: (reverse("programs-create"), {"name": "CSRF new program"}),
            _programs_state,
        ),
        "programs-edit": Case(
            "staff",
            lambda w: (
                _pr(w, "programs-edit"),
                {"name": "CSRF renamed", "slug": "csrf-program"},
            ),
            _programs_state,
        ),
        "programs-cohort-add": Case(
            "staff",
            lambda w: (_pr(w, "programs-cohort-add"), {"name": "CSRF added"}),
            _programs_state,
        ),
        "programs-cohort-edit": Case(
            "staff",
            lambda w: (_pr(w, "programs-cohort-edit", "cohort"), {"name": "Renamed"}),
            _programs_state,
        ),
        "programs-member-change": Case(
            "staff",
            lambda w: (
                _pr(w, "programs-member-change", "membership"),
                {f"m{_program_bits(w)['membership']}-role": "mentor"},
            ),
            _programs_state,
        ),
        "programs-member-remove": Case(
            "staff",
            lambda w: (_pr(w, "programs-member-remove", "membership"), {}),
            _programs_state,
        ),
        "programs-invite": Case(
            "staff",
            lambda w: (
                _pr(w, "programs-invite"),
                {"addresses": "csrf-new@example.org", "role": "resident", "send": "1"},
            ),
            _programs_state,
        ),
        "programs-invitation-resend": Case(
            "staff",
            lambda w: (_pr(w, "programs-invitation-resend", "invitation"), {}),
            _programs_state,
        ),
        "programs-invitation-revoke": Case(
            "staff",
            lambda w: (_pr(w, "programs-invitation-revoke", "invitation"), {}),
            _programs_state,
        ),
        "invitations-open": Case(
            "outsider",
            lambda w: (
                (_program_bits(w), reverse("invitations-open", args=[CSRF_TOKEN]))[1],
                {},
            ),
            _programs_state,
        ),
    }
)


def _scorecard_targets_state(w: World) -> Any:
    from programs.models import ScorecardTarget

    return list(
        ScorecardTarget.objects.order_by("pk").values_list("indicator", "target")
    )


def _scorecard_targets_form() -> dict[str, str]:
    from programs.models import Indicator

    data = {}
    for indicator in Indicator:
        data[f"{indicator.value}-target"] = "12"
        data[f"{indicator.value}-direction"] = "higher"
        data[f"{indicator.value}-amber_band"] = "10"
    return data


CASES["programs-scorecard-targets"] = Case(
    "staff",
    lambda w: (_pr(w, "programs-scorecard-targets"), _scorecard_targets_form()),
    _scorecard_targets_state,
)


# --- Challenges and reviews ----------------------------------------------------------


def _cw(w: World) -> dict[str, Any]:
    from tests.support.challenge_world import challenge_world

    return challenge_world(w.idea)


def _reviews_state(w: World) -> Any:
    from challenges.models import Challenge, ReviewAssignment, Rubric, Score

    return (
        list(Challenge.objects.order_by("pk").values_list("title", "slug")),
        list(Rubric.default().criteria.values_list("name", "weight")),
        list(
            ReviewAssignment.objects.order_by("pk").values_list(
                "reviewer_id", "submitted_at", "conflict_declared_at"
            )
        ),
        list(Score.objects.order_by("pk").values_list("value", "comment")),
    )


def _challenge_cases() -> dict[str, Case]:
    from tests.support import challenge_world as cw

    def extra(w: World) -> dict[str, str]:
        return {"reviewer": str(_cw(w)["extra"].pk)}

    return {
        "challenges-create": Case(
            "staff",
            lambda w: (
                reverse("challenges-create"),
                cw.challenge_post("CSRF challenge", "csrf-challenge"),
            ),
            _reviews_state,
        ),
        "challenges-edit": Case(
            "staff",
            lambda w: (
                reverse("challenges-edit", args=[_cw(w)["slug"]]),
                cw.challenge_post("CSRF edited", cw.WORLD_SLUG, _cw(w)),
            ),
            _reviews_state,
        ),
        "challenges-intake-rubric": Case(
            "staff",
            lambda w: (
                reverse("challenges-intake-rubric"),
                cw.criteria_post([("CSRF criterion", "3")]),
            ),
            _reviews_state,
        ),
        "challenges-assign": Case(
            "staff",
            lambda w: (reverse("challenges-assign", args=[_cw(w)["slug"]]), extra(w)),
            _reviews_state,
        ),
        "reviews-assign": Case(
            "staff",
            lambda w: (reverse("reviews-assign", args=[w.idea.pk]), extra(w)),
            _reviews_state,
        ),
        "reviews-review": Case(
            "reviewer",
            lambda w: (
                _cw(w)["assignment"].get_absolute_url(),
                cw.review_post(_cw(w)),
            ),
            _reviews_state,
        ),
        "reviews-conflict": Case(
            "reviewer",
            lambda w: (
                reverse("reviews-conflict", args=[_cw(w)["assignment"].pk]),
                {"reason": "CSRF conflict"},
            ),
            _reviews_state,
        ),
    }


CASES.update(_challenge_cases())


def _csrf_client(w: World, persona: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(w.people[persona])
    return client


def _is_logged_in(client: Client) -> bool:
    return client.get(reverse("hub-profile")).status_code == 200


def _token(client: Client) -> str:
    assert client.get(reverse("hub-landing")).status_code == 200
    return client.cookies["csrftoken"].value


def test_cases_cover_every_post_url():
    post_urls = {
        "hub-profile", "hub-people-role", "ideas-create", "ideas-edit",
        "ideas-move", "ideas-team-add", "ideas-team-remove", "ideas-comment-add",
        "ideas-comment-edit", "ideas-comment-remove",
        "hub-notifications-read-all", "hub-notifications-open",
        "ventures-create", "ventures-edit", "ventures-use-add", "ventures-use-edit",
        "ventures-use-remove", "ventures-data-request-add",
        "ventures-data-request-status",
        "catalog-import",
        "ventures-funding-add", "ventures-funding-edit", "ventures-funding-delete",
        "ventures-funding-verify", "ventures-funding-impact-add", "funding-rates",
        "api-token",
        "challenges-create", "challenges-edit", "challenges-intake-rubric",
        "challenges-assign", "reviews-assign", "reviews-review", "reviews-conflict",
        "programs-create", "programs-edit", "programs-cohort-add",
        "programs-cohort-edit", "programs-member-change", "programs-member-remove",
        "programs-invite", "programs-invitation-resend", "programs-invitation-revoke",
        "invitations-open", "programs-scorecard-targets",
    }  # fmt: skip
    assert set(CASES) == post_urls


@pytest.mark.parametrize("url_name", list(CASES))
def test_post_without_csrf_token_is_refused_and_changes_nothing(world, url_name):
    case = CASES[url_name]
    client = _csrf_client(world, case.persona)
    path, data = case.request(world)
    before = case.state(world)

    response = client.post(path, data)

    assert response.status_code == 403
    assert case.state(world) == before


@pytest.mark.parametrize("url_name", list(CASES))
def test_post_with_a_wrong_csrf_token_is_refused(world, url_name):
    case = CASES[url_name]
    client = _csrf_client(world, case.persona)
    _token(client)
    path, data = case.request(world)
    before = case.state(world)

    response = client.post(path, {**data, "csrfmiddlewaretoken": "x" * 64})

    assert response.status_code == 403
    assert case.state(world) == before


@pytest.mark.parametrize("url_name", list(CASES))
def test_post_with_a_valid_csrf_token_goes_through(world, url_name):
    case = CASES[url_name]
    client = _csrf_client(world, case.persona)
    token = _token(client)
    path, data = case.request(world)
    before = case.state(world)

    response = client.post(path, {**data, "csrfmiddlewaretoken": token})

    assert response.status_code != 403
    assert response.status_code == 302
    assert case.state(world) != before


def test_header_token_is_accepted_too(world):
    client = _csrf_client(world, "staff")
    token = _token(client)
    path, data = CASES["ideas-move"].request(world)
    response = client.post(path, data, headers={"X-CSRFToken": token})
    assert response.status_code == 302
    assert Idea.objects.get(pk=world.idea.pk).stage == Stage.SCREENING


def test_logout_without_csrf_token_is_refused_and_keeps_the_session(world):
    client = _csrf_client(world, "staff")
    assert _is_logged_in(client)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 403
    assert _is_logged_in(client)


def test_logout_with_a_valid_csrf_token_signs_out(world):
    client = _csrf_client(world, "staff")
    token = _token(client)

    response = client.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})

    assert response.status_code != 403
    assert response.status_code == 302
    assert not _is_logged_in(client)
