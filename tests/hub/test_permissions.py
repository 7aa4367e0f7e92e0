"""The permission kit (hub.core.permissions): one staff predicate, one refusal
family, and the one place each surface (pages, API, sockets) answers it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rules
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from api.errors import exception_handler
from challenges import services as challenge_services
from hub.asgi import application
from hub.core.models import Role
from hub.core.permissions import (
    STAFF_ONLY,
    Forbidden,
    Hidden,
    Refused,
    is_city_staff,
    require,
    require_staff,
)
from ideas import services as idea_services
from ideas.models import Visibility
from programs import services as program_services
from realtime.refusals import CLOSE_BAD_MESSAGE, CLOSE_FORBIDDEN, close_code
from ventures import services as venture_services

ROOT = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------------------
# The staff predicate
# --------------------------------------------------------------------------------------


@pytest.fixture
def personas(make_user) -> dict[str, object]:
    inactive = make_user(role=Role.STAFF)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    superuser = make_user()
    superuser.is_superuser = superuser.is_staff = True
    superuser.save(update_fields=["is_superuser", "is_staff"])
    staff_superuser = make_user(role=Role.STAFF)
    staff_superuser.is_superuser = True
    staff_superuser.save(update_fields=["is_superuser"])
    return {
        "anonymous": AnonymousUser(),
        "nobody": None,
        "inactive staff": inactive,
        "entrepreneur": make_user(),
        "reviewer": make_user(role=Role.REVIEWER),
        "staff": make_user(role=Role.STAFF),
        "superuser, entrepreneur role": superuser,
        "superuser, staff role": staff_superuser,
    }


TRUTH = {
    "anonymous": False,
    "nobody": False,
    "inactive staff": False,
    "entrepreneur": False,
    "reviewer": False,
    "staff": True,
    "superuser, entrepreneur role": False,  # the role decides, not the flag
    "superuser, staff role": True,
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", TRUTH)
def test_the_staff_predicate_truth_table(personas, persona):
    user = personas[persona]
    assert is_city_staff(user) is TRUTH[persona]
    assert is_city_staff.test(user) is TRUTH[persona]
    # Every staff-only rule of every app is this same predicate.
    for perm in (
        "challenges.manage",
        "ideas.run_pipeline",
        "programs.create_program",
        "ventures.manage_venture",
        "hub.export_data",
    ):
        assert rules.has_perm(perm, user) is TRUTH[persona], perm
    if TRUTH[persona]:
        require_staff(user)
    else:
        with pytest.raises(Forbidden) as refusal:
            require_staff(user)
        assert str(refusal.value) == str(STAFF_ONLY)


def test_every_app_uses_the_one_predicate():
    from challenges import rules as challenge_rules
    from hub.core import rules as hub_rules
    from ideas import rules as idea_rules
    from programs import rules as program_rules
    from ventures import rules as venture_rules

    for module in (
        challenge_rules,
        hub_rules,
        idea_rules,
        program_rules,
        venture_rules,
    ):
        assert module.is_city_staff is is_city_staff, module.__name__


SOURCE_DIRS = [
    p
    for p in ROOT.iterdir()
    if p.is_dir() and (p / "__init__.py").exists() and p.name not in {"tests", "bench"}
]
KIT = ROOT / "hub" / "core" / "permissions.py"
#: A new staff predicate, staff check or refusal class written outside the kit.
COPIES = re.compile(
    r"^\s*def (is_city_staff|_?require_staff|_can_manage|_require)\s*\((?!self\b)"
    r"|^\s*class (ServiceError|NotAllowed|ReviewError|Refused|Forbidden|Hidden)\b"
    r"|^\s*raise PermissionDenied\b",
    re.M,
)


def test_no_copy_of_the_kit_appears_outside_it():
    """Staff checks and refusals come from hub.core.permissions; the apps keep
    their old exception names only as aliases (``ServiceError = Refused``).
    (The API may raise DRF's own PermissionDenied; it is not scanned.)"""
    found = []
    for folder in SOURCE_DIRS:
        if folder.name == "api":
            continue
        for path_ in folder.rglob("*.py"):
            if path_ == KIT or "migrations" in path_.parts:
                continue
            for match in COPIES.finditer(path_.read_text()):
                line = path_.read_text()[: match.start()].count("\n") + 1
                found.append(
                    f"{path_.relative_to(ROOT)}:{line}: {match.group().strip()}"
                )
    assert not found, "\n".join(found)


# --------------------------------------------------------------------------------------
# The family
# --------------------------------------------------------------------------------------


def test_the_family_and_the_apps_names_for_it():
    assert issubclass(Forbidden, Refused) and issubclass(Forbidden, PermissionDenied)
    assert issubclass(Hidden, Refused) and issubclass(Hidden, Http404)
    for services in (idea_services, program_services, venture_services):
        assert services.ServiceError is Refused
        assert services.NotAllowed is Forbidden
    assert challenge_services.ReviewError is Refused
    for refusal in (
        idea_services.IllegalMove,
        idea_services.StageConflict,
        program_services.RateLimited,
        program_services.InvitationUnusable,
    ):
        assert issubclass(refusal, Refused) and not issubclass(refusal, Forbidden)
    assert issubclass(idea_services.MoveNotAllowed, Forbidden)


@pytest.mark.django_db
def test_require_raises_forbidden_or_hidden(make_user):
    entrepreneur = make_user()
    with pytest.raises(Forbidden) as refusal:
        require(entrepreneur, "ventures.manage_venture", None, "Only staff.")
    assert str(refusal.value) == "Only staff."
    with pytest.raises(Hidden):
        require(entrepreneur, "ventures.manage_venture", None, hide=True)
    with pytest.raises(Forbidden):
        require(None, "ventures.manage_venture")
    require(make_user(role=Role.STAFF), "ventures.manage_venture")


# --------------------------------------------------------------------------------------
# Pages: hub.core.middleware.RefusalMiddleware
# --------------------------------------------------------------------------------------


def test_the_middleware_is_installed_last():
    assert settings.MIDDLEWARE[-1] == "hub.core.middleware.RefusalMiddleware"


@pytest.mark.django_db
@pytest.mark.urls("tests.hub.refusal_urls")
@pytest.mark.parametrize(
    ("kind", "status", "shows", "hides"),
    [
        ("hidden", 404, "Page not found", "A secret name"),
        ("forbidden", 403, "Only the owner can do this.", None),
        ("forbidden-bare", 403, "Your role does not allow this action.", None),
        ("refused", 400, "That date is in the past.", None),
    ],
)
def test_a_page_answers_each_refusal(client, kind, status, shows, hides):
    response = client.get(f"/refused/{kind}/")
    assert response.status_code == status
    body = response.content.decode()
    assert shows in body
    if hides:
        assert hides not in body


@pytest.mark.django_db
def test_a_staff_page_refuses_others_with_the_kits_message(client_for):
    response = client_for("outsider").get(reverse("hub-people"))
    assert response.status_code == 403
    assert "This page is for the city&#x27;s staff." in response.content.decode()
    assert client_for("staff").get(reverse("hub-people")).status_code == 200


@pytest.mark.django_db
def test_a_hidden_plan_is_a_404_like_a_missing_one(client_for, make_idea, people):
    """A public idea's plan stays with its team: an outsider may read the idea,
    and its plan answers Hidden, which is the same page as a missing id."""
    idea = make_idea(people["owner"], visibility=Visibility.PUBLIC)
    outsider = client_for("outsider")
    assert outsider.get(reverse("ideas-detail", args=[idea.pk])).status_code == 200
    hidden = outsider.get(reverse("ideas-plan", args=[idea.pk]))
    missing = outsider.get(reverse("ideas-plan", args=[idea.pk + 1000]))
    assert hidden.status_code == missing.status_code == 404

    def page(response):  # without the per-response CSP nonce and CSRF token
        body = response.content.decode()
        return re.sub(r'(nonce|content|value)="[A-Za-z0-9+/=_-]{20,}"', "", body)

    assert page(hidden) == page(missing)


# --------------------------------------------------------------------------------------
# The API: api.errors.exception_handler
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("refusal", "status", "body"),
    [
        (Hidden(), 404, {"detail": "Not found."}),
        (
            Forbidden("Only staff add ventures."),
            403,
            {"detail": "Only staff add ventures."},
        ),
        (
            Forbidden(),
            403,
            {"detail": "You do not have permission to perform this action."},
        ),
        (
            venture_services.NotAllowed("Only staff edit ventures."),
            403,
            {"detail": "Only staff edit ventures."},
        ),
        (Refused("Pick a dataset."), 400, {"non_field_errors": ["Pick a dataset."]}),
        (
            venture_services.ServiceError("Already recorded."),
            400,
            {"non_field_errors": ["Already recorded."]},
        ),
        (PermissionDenied("No."), 403, {"detail": "No."}),
        (Http404(), 404, {"detail": "Not found."}),
    ],
)
def test_the_api_answers_each_refusal(refusal, status, body):
    response = exception_handler(refusal, {})
    assert response is not None
    assert response.status_code == status
    assert response.data == body


# --------------------------------------------------------------------------------------
# Sockets: realtime.refusals.close_code
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("refusal", "code"),
    [
        (Hidden(), CLOSE_FORBIDDEN),
        (Forbidden(), CLOSE_FORBIDDEN),
        (Http404(), CLOSE_FORBIDDEN),
        (PermissionDenied(), CLOSE_FORBIDDEN),
        (Refused("bad"), CLOSE_BAD_MESSAGE),
        (idea_services.StageConflict("moved"), CLOSE_BAD_MESSAGE),
    ],
)
def test_a_socket_closes_with_the_code_for_each_refusal(refusal, code):
    assert (CLOSE_FORBIDDEN, CLOSE_BAD_MESSAGE) == (4403, 4400)
    assert close_code(refusal) == code


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "url",
    [
        "/ws/docs/1/",  # a plan: Hidden for anonymous
        "/ws/pipeline/",  # the board: Forbidden for anonymous
        "/ws/notifications/",  # the bell: Forbidden for anonymous
    ],
)
async def test_a_refused_socket_is_accepted_then_closed_with_4403(url):
    communicator = WebsocketCommunicator(
        application,
        url,
        headers=[(b"host", b"testserver"), (b"origin", b"http://testserver")],
    )
    connected, _ = await communicator.connect()
    assert connected
    if url.startswith("/ws/docs/"):  # y-websocket is told first: permission denied
        assert await communicator.receive_output() == {
            "type": "websocket.send",
            "bytes": b"\x02\x00\x1ayou may not open this plan",
        }
    assert await communicator.receive_output() == {
        "type": "websocket.close",
        "code": 4403,
    }
    await communicator.disconnect()
