"""Who may reach which page: every URL × every persona, as audit-friendly tables.

The spec, in short:

* Public ideas: everyone (anonymous included) may read them.
* Team-only ideas: the owner and team members (viewer, editor); once
  submitted (stage != draft) also reviewers and city staff.
* An idea a person may not see answers 404, never 403.
* Login-required pages redirect anonymous people to /accounts/login/?next=...
* Editing an idea: owner or editor, in draft/proposed/screening/planning/pilot;
  anyone else who can see it gets 403.
* Team management: owner only; a member may remove themself (leave).
* Comments: anyone logged in who can see the idea; the author edits for
  COMMENT_EDIT_WINDOW; only staff remove.
* Pipeline board, people page, role changes: staff only.
* Stage moves: the team submits draft→proposed, only the owner withdraws or
  reopens, staff make every other move. A refused move redirects with an error
  message and changes nothing.

Each matrix below is a dict keyed by ``(url name, method)``; each value maps
every persona to the expected status code. POST rows also say, in a second
table, for which personas the change actually lands in the database.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from hub.core.models import Notification, NotificationKind, Role, User
from ideas.models import (
    Comment,
    Idea,
    StageChange,
    TeamMembership,
    TeamRole,
    Visibility,
)
from ideas.stages import TRANSITIONS, Actor, Stage
from tests.conftest import PERSONAS, PROGRAM_PERSONAS
from ventures.models import (
    CatalogSource,
    DataRequest,
    Dataset,
    DatasetUse,
    ExchangeRate,
    FundingEvent,
    FundingStatus,
    ImpactSnapshot,
    Venture,
    VentureMember,
    VentureRole,
)

pytestmark = pytest.mark.django_db

LOGIN_PATH = "/accounts/login/"

# Sentinel values the POST requests write, so effects are easy to look up.
NEW_DISPLAY_NAME = "Matrix Renamed Person"
NEW_IDEA_TITLE = "Matrix created idea"
EDITED_IDEA_TITLE = "Matrix edited title"
NEW_COMMENT_BODY = "Matrix comment body"
EDITED_COMMENT_BODY = "Matrix edited comment"
MATRIX_CATALOG = "Matrix imported catalog"


def expect(**statuses: int) -> dict[str, int]:
    """One row of a matrix; insists every persona is stated."""
    assert sorted(statuses) == sorted(PERSONAS), f"row must cover {PERSONAS}"
    return statuses


def only(*personas: str) -> frozenset[str]:
    assert set(personas) <= set(PERSONAS)
    return frozenset(personas)


LOGGED_IN = only("outsider", "viewer", "editor", "owner", "reviewer", "staff")
NOBODY = frozenset()


# --------------------------------------------------------------------------------------
# The world each request runs against
# --------------------------------------------------------------------------------------


@dataclass
class Scenario:
    idea: Idea
    comment: Comment  # by the editor, just now (inside the edit window)
    viewer_membership: TeamMembership
    newcomer: User  # a registered person the owner may add to the team
    bystander: User  # a person whose role staff may change
    venture: Venture
    move_from: str
    move_to: str
    notices: dict[str, Notification]  # one unread notification per person


@pytest.fixture
def scenario(people, team_idea, make_user) -> Callable[..., Scenario]:
    def make(*, move_to: str, **idea_fields: Any) -> Scenario:
        idea = team_idea(**idea_fields)
        comment = Comment.objects.create(
            idea=idea, author=people["editor"], body="First!"
        )
        return Scenario(
            idea=idea,
            comment=comment,
            viewer_membership=TeamMembership.objects.get(
                idea=idea, user=people["viewer"]
            ),
            newcomer=make_user(name="Nina Newcomer"),
            bystander=make_user(name="Bea Bystander"),
            venture=Venture.objects.create(name="Harbour Bikes", slug="harbour-bikes"),
            move_from=idea.stage,
            move_to=move_to,
            notices={
                persona: Notification.objects.create(
                    recipient=user,
                    kind=NotificationKind.COMMENT,
                    text=f"Someone commented on “{idea.title}”.",
                    url=idea.get_absolute_url(),
                )
                for persona, user in people.items()
                if user is not None
            },
        )

    return make


def _idea_form(title: str) -> dict[str, str]:
    return {
        "title": title,
        "pitch": "Helps people do a thing.",
        "problem": "A problem.",
        "solution": "A solution.",
        "description": "Text.",
        "visibility": Visibility.TEAM,
        "tags": "mobility, open data",
    }


# (url name, method) -> builds (path, POST data) for a scenario.
REQUESTS: dict[tuple[str, str], Callable[[Scenario], tuple[str, dict[str, str]]]] = {
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
    ("ideas-list", "GET"): lambda s: (reverse("ideas-list"), {}),
    ("ideas-mine", "GET"): lambda s: (reverse("ideas-mine"), {}),
    ("ideas-create", "GET"): lambda s: (reverse("ideas-create"), {}),
    ("ideas-create", "POST"): lambda s: (
        reverse("ideas-create"),
        _idea_form(NEW_IDEA_TITLE),
    ),
    ("ideas-detail", "GET"): lambda s: (reverse("ideas-detail", args=[s.idea.pk]), {}),
    ("ideas-edit", "GET"): lambda s: (reverse("ideas-edit", args=[s.idea.pk]), {}),
    ("ideas-edit", "POST"): lambda s: (
        reverse("ideas-edit", args=[s.idea.pk]),
        _idea_form(EDITED_IDEA_TITLE),
    ),
    ("ideas-move", "POST"): lambda s: (
        reverse("ideas-move", args=[s.idea.pk]),
        {"to_stage": s.move_to, "from_stage": s.move_from, "note": ""},
    ),
    ("ideas-team-add", "POST"): lambda s: (
        reverse("ideas-team-add", args=[s.idea.pk]),
        {"email": s.newcomer.email, "role": TeamRole.VIEWER},
    ),
    ("ideas-team-remove", "POST"): lambda s: (
        reverse("ideas-team-remove", args=[s.idea.pk, s.viewer_membership.pk]),
        {},
    ),
    ("ideas-comment-add", "POST"): lambda s: (
        reverse("ideas-comment-add", args=[s.idea.pk]),
        {"body": NEW_COMMENT_BODY},
    ),
    ("ideas-comment-edit", "GET"): lambda s: (
        reverse("ideas-comment-edit", args=[s.comment.pk]),
        {},
    ),
    ("ideas-comment-edit", "POST"): lambda s: (
        reverse("ideas-comment-edit", args=[s.comment.pk]),
        {"body": EDITED_COMMENT_BODY},
    ),
    ("ideas-comment-remove", "POST"): lambda s: (
        reverse("ideas-comment-remove", args=[s.comment.pk]),
        {},
    ),
    ("ideas-board", "GET"): lambda s: (reverse("ideas-board"), {}),
    ("ventures-list", "GET"): lambda s: (reverse("ventures-list"), {}),
    ("ventures-create", "GET"): lambda s: (reverse("ventures-create"), {}),
    ("ventures-create", "POST"): lambda s: (
        reverse("ventures-create"),
        _venture_form(NEW_VENTURE_NAME),
    ),
    ("ventures-edit", "GET"): lambda s: (
        reverse("ventures-edit", args=[s.venture.slug]),
        {},
    ),
    ("ventures-edit", "POST"): lambda s: (
        reverse("ventures-edit", args=[s.venture.slug]),
        _venture_form(EDITED_VENTURE_NAME),
    ),
    ("ventures-use-add", "POST"): lambda s: (
        reverse("ventures-use-add", args=[s.venture.slug]),
        {"use-dataset": str(_venture_world(s)["unused"].pk), "use-extent": "core"},
    ),
    ("ventures-use-edit", "GET"): lambda s: (
        reverse("ventures-use-edit", args=[s.venture.slug, _venture_world(s)["use"]]),
        {},
    ),
    ("ventures-use-edit", "POST"): lambda s: (
        reverse("ventures-use-edit", args=[s.venture.slug, _venture_world(s)["use"]]),
        {"how": EDITED_USE_HOW, "extent": "supporting", "quality": "3"},
    ),
    ("ventures-use-remove", "POST"): lambda s: (
        reverse("ventures-use-remove", args=[s.venture.slug, _venture_world(s)["use"]]),
        {},
    ),
    ("ventures-data-request-add", "POST"): lambda s: (
        reverse("ventures-data-request-add", args=[_venture_world(s)["slug"]]),
        {"request-title": NEW_DATA_REQUEST, "request-description": ""},
    ),
    ("ventures-data-requests", "GET"): lambda s: (
        reverse("ventures-data-requests"),
        {},
    ),
    ("ventures-data-request-status", "POST"): lambda s: (
        reverse("ventures-data-request-status", args=[_venture_world(s)["request"]]),
        {"status": "planned"},
    ),
    ("ventures-funding-add", "GET"): lambda s: (
        reverse("ventures-funding-add", args=[_venture_world(s)["slug"]]),
        {},
    ),
    ("ventures-funding-add", "POST"): lambda s: (
        reverse("ventures-funding-add", args=[_venture_world(s)["slug"]]),
        _funding_form(NEW_FUNDING_INVESTORS),
    ),
    ("ventures-funding-edit", "GET"): lambda s: (
        reverse("ventures-funding-edit", args=[s.venture.slug, _funding_event(s)]),
        {},
    ),
    ("ventures-funding-edit", "POST"): lambda s: (
        reverse("ventures-funding-edit", args=[s.venture.slug, _funding_event(s)]),
        _funding_form(EDITED_FUNDING_INVESTORS),
    ),
    ("ventures-funding-delete", "POST"): lambda s: (
        reverse("ventures-funding-delete", args=[s.venture.slug, _funding_event(s)]),
        {},
    ),
    ("ventures-funding-verify", "POST"): lambda s: (
        reverse("ventures-funding-verify", args=[s.venture.slug, _funding_event(s)]),
        {},
    ),
    ("ventures-funding-impact-add", "GET"): lambda s: (
        reverse("ventures-funding-impact-add", args=[_venture_world(s)["slug"]]),
        {},
    ),
    ("ventures-funding-impact-add", "POST"): lambda s: (
        reverse("ventures-funding-impact-add", args=[_venture_world(s)["slug"]]),
        {
            "date": "2024-01-01",
            "full_time_jobs": "3",
            "revenue_band": "none",
            "source": MATRIX_IMPACT_SOURCE,
        },
    ),
    ("funding-verify-queue", "GET"): lambda s: (reverse("funding-verify-queue"), {}),
    ("funding-rates", "GET"): lambda s: (reverse("funding-rates"), {}),
    ("funding-rates", "POST"): lambda s: (
        reverse("funding-rates"),
        {"currency": MATRIX_RATE_CURRENCY, "rate": "1.25", "valid_on": "2024-01-01"},
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
    ("ventures-detail", "GET"): lambda s: (
        reverse("ventures-detail", args=[s.venture.slug]),
        {},
    ),
    ("datasets-list", "GET"): lambda s: (reverse("datasets-list"), {}),
    ("datasets-detail", "GET"): lambda s: (
        reverse("datasets-detail", args=[_dataset(s)]),
        {},
    ),
    ("catalog-sources", "GET"): lambda s: (reverse("catalog-sources"), {}),
    ("catalog-import", "GET"): lambda s: (reverse("catalog-import"), {}),
    ("catalog-import", "POST"): lambda s: (
        reverse("catalog-import"),
        {"file": _catalog_upload(), "source": MATRIX_CATALOG},
    ),
    ("catalog-import-status", "GET"): lambda s: (
        reverse("catalog-import-status", args=[_import_job(s)]),
        {},
    ),
    ("report-open-data-return", "GET"): lambda s: (
        reverse("report-open-data-return"),
        {},
    ),
    ("report-open-data-return-csv", "GET"): lambda s: (
        reverse("report-open-data-return-csv"),
        {},
    ),
    ("ideas-plan", "GET"): lambda s: (reverse("ideas-plan", args=[s.idea.pk]), {}),
    ("ideas-plan-preview", "POST"): lambda s: (
        reverse("ideas-plan-preview", args=[s.idea.pk]),
        {"text": "# Preview"},
    ),
    ("ideas-plan-versions", "GET"): lambda s: (
        reverse("ideas-plan-versions", args=[s.idea.pk]),
        {},
    ),
    ("ideas-plan-version", "GET"): lambda s: (
        reverse("ideas-plan-version", args=[s.idea.pk, _first_version(s)]),
        {},
    ),
    ("api-token", "GET"): lambda s: (reverse("api-token"), {}),
    ("api-token", "POST"): lambda s: (reverse("api-token"), {"action": "create"}),
    ("api-docs", "GET"): lambda s: (reverse("api-docs"), {}),
}


def _dataset(s: Scenario) -> int:
    """A catalog dataset (made on first use)."""
    source, _created = CatalogSource.objects.get_or_create(name="Matrix portal")
    dataset, _created = Dataset.objects.get_or_create(
        source=source, identifier="m1", defaults={"title": "Matrix dataset"}
    )
    return dataset.pk


def _import_job(s: Scenario) -> str:
    """A finished catalog import job, as the import page leaves it."""
    cache.set(
        "catalog-import:matrixjob",
        {"state": "done", "processed": 1, "source": "Matrix portal", "line": ""},
    )
    return "matrixjob"


def _catalog_upload() -> Any:
    body = b'{"dataset": [{"identifier": "u1", "title": "Matrix upload"}]}'
    return SimpleUploadedFile("matrix.json", body, content_type="application/json")


NEW_VENTURE_NAME = "Matrix created venture"
EDITED_VENTURE_NAME = "Matrix edited venture"
EDITED_USE_HOW = "Matrix edited use"
NEW_DATA_REQUEST = "Matrix requested dataset"


def _venture_form(name: str) -> dict[str, str]:
    return {"name": name, "status": "operating", "launched_on": "2024-01-01"}


def _venture_world(s: Scenario) -> dict[str, Any]:
    """The scenario's venture with the owner (founder) and editor on its team,
    one recorded dataset use, one dataset not yet used and one data request
    (made on first use)."""
    venture = s.venture
    VentureMember.objects.get_or_create(
        venture=venture, user=s.idea.owner, defaults={"role": VentureRole.FOUNDER}
    )
    VentureMember.objects.get_or_create(
        venture=venture,
        user=s.comment.author,  # the editor
        defaults={"role": VentureRole.MEMBER},
    )
    source, _created = CatalogSource.objects.get_or_create(name="Matrix uses")
    used, _created = Dataset.objects.get_or_create(
        source=source, identifier="used", defaults={"title": "Matrix used dataset"}
    )
    unused, _created = Dataset.objects.get_or_create(
        source=source, identifier="unused", defaults={"title": "Matrix new dataset"}
    )
    use, _created = DatasetUse.objects.get_or_create(venture=venture, dataset=used)
    request, _created = DataRequest.objects.get_or_create(
        venture=venture, title="Matrix first request"
    )
    return {
        "slug": venture.slug,
        "use": use.pk,
        "unused": unused,
        "request": request.pk,
    }


NEW_FUNDING_INVESTORS = "Matrix new investors"
EDITED_FUNDING_INVESTORS = "Matrix edited investors"
MATRIX_FUNDING_INVESTORS = "Matrix first investors"
MATRIX_IMPACT_SOURCE = "Matrix impact survey"
MATRIX_RATE_CURRENCY = "CHF"


def _funding_form(investors: str) -> dict[str, str]:
    return {
        "kind": "grant",
        "amount": "1000",
        "currency": "EUR",
        "date": "2024-01-01",
        "investors": investors,
        "evidence_url": "https://example.org/grant",
        "note": "",
    }


def _funding_event(s: Scenario) -> int:
    """A reported (unverified) funding event of the scenario's venture, whose
    team is set up as in ``_venture_world`` (made on first use)."""
    _venture_world(s)
    event, _created = FundingEvent.objects.get_or_create(
        venture=s.venture,
        investors=MATRIX_FUNDING_INVESTORS,
        defaults={
            "kind": "grant",
            "amount": 500,
            "currency": "EUR",
            "date": "2024-01-01",
            "recorded_by": s.idea.owner,
        },
    )
    return event.pk


def _first_version(s: Scenario) -> int:
    """A frozen plan version of the scenario's idea (made on first use)."""
    from ideas.models import PlanVersion
    from ideas.plans import get_or_create_plan

    plan = get_or_create_plan(s.idea)
    version, _created = PlanVersion.objects.get_or_create(
        plan=plan, number=1, defaults={"text": plan.text}
    )
    return version.number


def _move_landed(s: Scenario) -> bool:
    stage = Idea.objects.values_list("stage", flat=True).get(pk=s.idea.pk)
    rows = StageChange.objects.filter(idea=s.idea).count()
    if stage == s.move_from:
        assert rows == 0, "a refused move must not write a StageChange row"
        return False
    assert stage == s.move_to
    assert rows == 1
    return True


# url name -> did the POST's change land in the database?
EFFECTS: dict[str, Callable[[Scenario], bool]] = {
    "hub-profile": lambda s: User.objects.filter(
        display_name=NEW_DISPLAY_NAME
    ).exists(),
    "hub-people-role": lambda s: (
        User.objects.get(pk=s.bystander.pk).role == Role.REVIEWER
    ),
    "ideas-create": lambda s: Idea.objects.filter(title=NEW_IDEA_TITLE).exists(),
    "ideas-edit": lambda s: Idea.objects.get(pk=s.idea.pk).title == EDITED_IDEA_TITLE,
    "ideas-move": _move_landed,
    "ideas-team-add": lambda s: TeamMembership.objects.filter(
        idea=s.idea, user=s.newcomer
    ).exists(),
    "ideas-team-remove": lambda s: (
        not TeamMembership.objects.filter(pk=s.viewer_membership.pk).exists()
    ),
    "ideas-comment-add": lambda s: Comment.objects.filter(
        body=NEW_COMMENT_BODY
    ).exists(),
    "ideas-comment-edit": lambda s: (
        Comment.objects.get(pk=s.comment.pk).body == EDITED_COMMENT_BODY
    ),
    "ideas-comment-remove": lambda s: (
        Comment.objects.get(pk=s.comment.pk).removed_at is not None
    ),
    "hub-notifications-read-all": lambda s: Notification.objects.filter(
        read_at__isnull=False
    ).exists(),
    "hub-notifications-open": lambda s: (
        Notification.objects.get(pk=s.notices["owner"].pk).read_at is not None
    ),
    "ideas-plan-preview": lambda s: False,  # renders, stores nothing
    "ventures-create": lambda s: Venture.objects.filter(name=NEW_VENTURE_NAME).exists(),
    "ventures-edit": lambda s: (
        Venture.objects.get(pk=s.venture.pk).name == EDITED_VENTURE_NAME
    ),
    "ventures-use-add": lambda s: DatasetUse.objects.filter(
        venture=s.venture, dataset__identifier="unused"
    ).exists(),
    "ventures-use-edit": lambda s: DatasetUse.objects.filter(
        how=EDITED_USE_HOW
    ).exists(),
    "ventures-use-remove": lambda s: (
        not DatasetUse.objects.filter(dataset__identifier="used").exists()
    ),
    "ventures-data-request-add": lambda s: DataRequest.objects.filter(
        title=NEW_DATA_REQUEST
    ).exists(),
    "ventures-data-request-status": lambda s: DataRequest.objects.filter(
        status="planned"
    ).exists(),
    "catalog-import": lambda s: Dataset.objects.filter(
        source__name=MATRIX_CATALOG
    ).exists(),
    "ventures-funding-add": lambda s: FundingEvent.objects.filter(
        investors=NEW_FUNDING_INVESTORS
    ).exists(),
    "ventures-funding-edit": lambda s: FundingEvent.objects.filter(
        investors=EDITED_FUNDING_INVESTORS
    ).exists(),
    "ventures-funding-delete": lambda s: (
        not FundingEvent.objects.filter(investors=MATRIX_FUNDING_INVESTORS).exists()
    ),
    "ventures-funding-verify": lambda s: FundingEvent.objects.filter(
        status=FundingStatus.VERIFIED
    ).exists(),
    "ventures-funding-impact-add": lambda s: ImpactSnapshot.objects.filter(
        source=MATRIX_IMPACT_SOURCE
    ).exists(),
    "funding-rates": lambda s: ExchangeRate.objects.filter(
        currency=MATRIX_RATE_CURRENCY
    ).exists(),
    # Each case runs alone: any token means this persona's was created.
    "api-token": lambda s: Token.objects.exists(),
}


def _assert_login_redirect(response: Any, path: str) -> None:
    location = urlsplit(response["Location"])
    assert location.path == LOGIN_PATH, response["Location"]
    assert parse_qs(location.query)["next"] == [path]


def run_matrix_case(
    client_for: Callable[..., Any],
    s: Scenario,
    persona: str,
    key: tuple[str, str],
    status: int,
    changers: frozenset[str] | None,
) -> None:
    url_name, method = key
    path, data = REQUESTS[key](s)
    client = client_for(persona)
    response = client.get(path) if method == "GET" else client.post(path, data)
    assert response.status_code == status, (
        f"{method} {url_name} as {persona}: "
        f"expected {status}, got {response.status_code}"
    )
    if status == 302:
        if persona == "anonymous":
            _assert_login_redirect(response, path)
        else:
            assert urlsplit(response["Location"]).path != LOGIN_PATH
    if method == "POST":
        assert changers is not None, f"no effect row for POST {url_name}"
        landed = EFFECTS[url_name](s)
        assert landed == (persona in changers), (
            f"POST {url_name} as {persona}: change landed={landed}, "
            f"expected {persona in changers}"
        )


def matrix_params(
    matrix: dict[tuple[str, str], dict[str, int]],
) -> list[Any]:
    return [
        pytest.param(key, persona, row[persona], id=f"{key[0]}-{key[1]}-{persona}")
        for key, row in matrix.items()
        for persona in PERSONAS
    ]


# --------------------------------------------------------------------------------------
# Main matrix: a team-only idea in "proposed" (submitted, so reviewers/staff see it)
# --------------------------------------------------------------------------------------

# fmt: off
MAIN_MATRIX: dict[tuple[str, str], dict[str, int]] = {
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
    ("ideas-list", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("ideas-mine", "GET"): expect(
        anonymous=302, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("ideas-create", "GET"): expect(
        anonymous=302, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("ideas-create", "POST"): expect(
        anonymous=302, outsider=302, viewer=302,
        editor=302, owner=302, reviewer=302, staff=302,
    ),
    ("ideas-detail", "GET"): expect(
        anonymous=404, outsider=404, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("ideas-edit", "GET"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=200, owner=200, reviewer=403, staff=403,
    ),
    ("ideas-edit", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=302, owner=302, reviewer=403, staff=403,
    ),
    # proposed -> screening: a staff move.
    ("ideas-move", "POST"): expect(
        anonymous=302, outsider=404, viewer=302,
        editor=302, owner=302, reviewer=302, staff=302,
    ),
    ("ideas-team-add", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=403, owner=302, reviewer=403, staff=403,
    ),
    # Removes the viewer's membership: the owner may, the viewer may (leaving).
    ("ideas-team-remove", "POST"): expect(
        anonymous=302, outsider=404, viewer=302,
        editor=403, owner=302, reviewer=403, staff=403,
    ),
    ("ideas-comment-add", "POST"): expect(
        anonymous=302, outsider=404, viewer=302,
        editor=302, owner=302, reviewer=302, staff=302,
    ),
    # The comment is the editor's.
    ("ideas-comment-edit", "GET"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=200, owner=403, reviewer=403, staff=403,
    ),
    ("ideas-comment-edit", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=302, owner=403, reviewer=403, staff=403,
    ),
    ("ideas-comment-remove", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=403, owner=403, reviewer=403, staff=302,
    ),
    ("ideas-board", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("ventures-list", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("ventures-detail", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    # Ventures: staff enter and edit them; the venture's team (owner as founder,
    # editor as member; not the idea's viewer) and staff record dataset uses
    # and ask for data; staff triage the requests.
    ("ventures-create", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("ventures-create", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=302,
    ),
    ("ventures-edit", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("ventures-edit", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=302,
    ),
    ("ventures-use-add", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=302, owner=302, reviewer=403, staff=302,
    ),
    ("ventures-use-edit", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=200, owner=200, reviewer=403, staff=200,
    ),
    ("ventures-use-edit", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=302, owner=302, reviewer=403, staff=302,
    ),
    ("ventures-use-remove", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=302, owner=302, reviewer=403, staff=302,
    ),
    ("ventures-data-request-add", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=302, owner=302, reviewer=403, staff=302,
    ),
    ("ventures-data-requests", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("ventures-data-request-status", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=302,
    ),
    # Investment outcomes: the venture's team (owner as founder, editor as
    # member) and staff record funding and impact; a reported event is hidden
    # (404) from everyone else; only staff verify, see the queue, set rates.
    ("ventures-funding-add", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=200, owner=200, reviewer=403, staff=200,
    ),
    ("ventures-funding-add", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=302, owner=302, reviewer=403, staff=302,
    ),
    ("ventures-funding-edit", "GET"): expect(
        anonymous=302, outsider=404, viewer=404,
        editor=200, owner=200, reviewer=404, staff=200,
    ),
    ("ventures-funding-edit", "POST"): expect(
        anonymous=302, outsider=404, viewer=404,
        editor=302, owner=302, reviewer=404, staff=302,
    ),
    ("ventures-funding-delete", "POST"): expect(
        anonymous=302, outsider=404, viewer=404,
        editor=302, owner=302, reviewer=404, staff=302,
    ),
    ("ventures-funding-verify", "POST"): expect(
        anonymous=302, outsider=404, viewer=404,
        editor=403, owner=403, reviewer=404, staff=302,
    ),
    ("ventures-funding-impact-add", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=200, owner=200, reviewer=403, staff=200,
    ),
    ("ventures-funding-impact-add", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=302, owner=302, reviewer=403, staff=302,
    ),
    ("funding-verify-queue", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("funding-rates", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("funding-rates", "POST"): expect(
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
    # The open-data catalog: datasets are public; sources and imports are staff's.
    ("datasets-list", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("datasets-detail", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("catalog-sources", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("catalog-import", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("catalog-import", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=302,
    ),
    ("catalog-import-status", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    # The open-data return report shows aggregates only: public, like the catalog.
    ("report-open-data-return", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("report-open-data-return-csv", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    # The plan: the team and staff read it; reviewers only once assigned.
    ("ideas-plan", "GET"): expect(
        anonymous=404, outsider=404, viewer=200,
        editor=200, owner=200, reviewer=404, staff=200,
    ),
    ("ideas-plan-preview", "POST"): expect(
        anonymous=404, outsider=404, viewer=200,
        editor=200, owner=200, reviewer=404, staff=200,
    ),
    ("ideas-plan-versions", "GET"): expect(
        anonymous=404, outsider=404, viewer=200,
        editor=200, owner=200, reviewer=404, staff=200,
    ),
    ("ideas-plan-version", "GET"): expect(
        anonymous=404, outsider=404, viewer=200,
        editor=200, owner=200, reviewer=404, staff=200,
    ),
    # The API token page: everyone signed in manages their own token.
    ("api-token", "GET"): expect(
        anonymous=302, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("api-token", "POST"): expect(
        anonymous=302, outsider=302, viewer=302,
        editor=302, owner=302, reviewer=302, staff=302,
    ),
    ("api-docs", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
}
# fmt: on

MAIN_CHANGES: dict[str, frozenset[str]] = {
    "hub-profile": LOGGED_IN,
    "hub-people-role": only("staff"),
    "ideas-create": LOGGED_IN,
    "ideas-edit": only("editor", "owner"),
    "ideas-move": only("staff"),
    "ideas-team-add": only("owner"),
    "ideas-team-remove": only("owner", "viewer"),
    "ideas-comment-add": only("viewer", "editor", "owner", "reviewer", "staff"),
    "ideas-comment-edit": only("editor"),
    "ideas-comment-remove": only("staff"),
    "ideas-plan-preview": NOBODY,
    "hub-notifications-read-all": LOGGED_IN,
    "hub-notifications-open": only("owner"),
    "ventures-create": only("staff"),
    "ventures-edit": only("staff"),
    "ventures-use-add": only("editor", "owner", "staff"),
    "ventures-use-edit": only("editor", "owner", "staff"),
    "ventures-use-remove": only("editor", "owner", "staff"),
    "ventures-data-request-add": only("editor", "owner", "staff"),
    "ventures-data-request-status": only("staff"),
    "catalog-import": only("staff"),
    "ventures-funding-add": only("editor", "owner", "staff"),
    "ventures-funding-edit": only("editor", "owner", "staff"),
    "ventures-funding-delete": only("editor", "owner", "staff"),
    "ventures-funding-verify": only("staff"),
    "ventures-funding-impact-add": only("editor", "owner", "staff"),
    "funding-rates": only("staff"),
    "api-token": LOGGED_IN,
}

ALL_URL_NAMES = {
    "hub-landing", "hub-health", "hub-profile", "hub-people", "hub-people-role",
    "hub-export",
    "ideas-list", "ideas-mine", "ideas-create", "ideas-detail", "ideas-edit",
    "ideas-move", "ideas-team-add", "ideas-team-remove", "ideas-comment-add",
    "ideas-comment-edit", "ideas-comment-remove", "ideas-board",
    "ventures-list", "ventures-detail", "ventures-create", "ventures-edit",
    "ventures-use-add", "ventures-use-edit", "ventures-use-remove",
    "ventures-data-request-add", "ventures-data-requests",
    "ventures-data-request-status",
    "hub-notifications", "hub-notifications-badge", "hub-notifications-read-all",
    "hub-notifications-open",
    "ideas-plan", "ideas-plan-preview", "ideas-plan-versions", "ideas-plan-version",
    "datasets-list", "datasets-detail", "catalog-sources", "catalog-import",
    "catalog-import-status",
    "report-open-data-return", "report-open-data-return-csv",
    "ventures-funding-add", "ventures-funding-edit", "ventures-funding-delete",
    "ventures-funding-verify", "ventures-funding-impact-add",
    "funding-verify-queue", "funding-rates",
    "api-token", "api-docs",
}  # fmt: skip


# --------------------------------------------------------------------------------------
# Programs and invitations (programs/). None of the seven personas is in the
# matrix program, so they are all non-members: 404 on every program page, except
# city staff, who manage every program. The invitation link is for an address
# no persona has: signed out it shows the invitation (200), signed in it is
# "sent to another address" (403), and nobody can accept it. The program
# member's own rows are in PROGRAM_MEMBER_MATRIX below.
# --------------------------------------------------------------------------------------

MATRIX_PROGRAM = "matrix-program"
MATRIX_TOKEN = "matrix-invitation-token-0123456789-abcdefghijk"
NEW_PROGRAM_NAME = "Matrix created program"
EDITED_PROGRAM_NAME = "Matrix edited program"
NEW_COHORT_NAME = "Matrix new cohort"
EDITED_COHORT_NAME = "Matrix edited cohort"
MATRIX_INVITEE = "matrix-invitee@example.org"
MATRIX_NEW_INVITEE = "matrix-new-invitee@example.org"


def _program_world(s: Scenario) -> dict[str, Any]:
    """The matrix program (made on first use): a cohort; the program member
    (conftest's "Pia Programme") as resident and the bystander as mentor; a
    pending invitation to the newcomer (link MATRIX_TOKEN) and one to
    MATRIX_INVITEE (to resend and revoke)."""
    from programs.models import Cohort, Invitation, Program, ProgramMembership
    from programs.services import hash_token

    program, created = Program.objects.get_or_create(
        slug=MATRIX_PROGRAM, defaults={"name": "Matrix program"}
    )
    cohort, _created = Cohort.objects.get_or_create(program=program, name="Cohort A")
    if created:
        member = User.objects.get(display_name="Pia Programme")
        ProgramMembership.objects.create(program=program, user=member)
        ProgramMembership.objects.create(
            program=program, user=s.bystander, role="mentor"
        )
        expires = timezone.now() + timedelta(days=14)
        Invitation.objects.create(
            program=program,
            email=s.newcomer.email,
            token_hash=hash_token(MATRIX_TOKEN),
            expires_at=expires,
        )
        Invitation.objects.create(
            program=program,
            email=MATRIX_INVITEE,
            token_hash=hash_token("matrix-other-token"),
            expires_at=expires,
        )
    return {
        "slug": program.slug,
        "program": program,
        "cohort": cohort.pk,
        "membership": ProgramMembership.objects.get(
            program=program, user=s.bystander
        ).pk,
        "invitation": Invitation.objects.get(program=program, email=MATRIX_INVITEE).pk,
    }


def _program_form(name: str) -> dict[str, str]:
    return {"name": name, "slug": "", "description": "", "starts_on": "", "ends_on": ""}


def _p(s: Scenario, name: str, *extra: Any) -> str:
    return reverse(name, args=[_program_world(s)["slug"], *extra])


def _pw(s: Scenario, key: str) -> Any:
    return _program_world(s)[key]


PROGRAM_REQUESTS: dict[
    tuple[str, str], Callable[[Scenario], tuple[str, dict[str, Any]]]
] = {
    ("programs-list", "GET"): lambda s: (reverse("programs-list"), {}),
    ("programs-create", "GET"): lambda s: (reverse("programs-create"), {}),
    ("programs-create", "POST"): lambda s: (
        reverse("programs-create"),
        _program_form(NEW_PROGRAM_NAME),
    ),
    ("programs-detail", "GET"): lambda s: (_p(s, "programs-detail"), {}),
    ("programs-edit", "GET"): lambda s: (_p(s, "programs-edit"), {}),
    ("programs-edit", "POST"): lambda s: (
        _p(s, "programs-edit"),
        {**_program_form(EDITED_PROGRAM_NAME), "slug": MATRIX_PROGRAM},
    ),
    ("programs-cohort-add", "GET"): lambda s: (_p(s, "programs-cohort-add"), {}),
    ("programs-cohort-add", "POST"): lambda s: (
        _p(s, "programs-cohort-add"),
        {"name": NEW_COHORT_NAME},
    ),
    ("programs-cohort-edit", "GET"): lambda s: (
        _p(s, "programs-cohort-edit", _pw(s, "cohort")),
        {},
    ),
    ("programs-cohort-edit", "POST"): lambda s: (
        _p(s, "programs-cohort-edit", _pw(s, "cohort")),
        {"name": EDITED_COHORT_NAME},
    ),
    ("programs-members", "GET"): lambda s: (_p(s, "programs-members"), {}),
    ("programs-member-change", "POST"): lambda s: (
        _p(s, "programs-member-change", _pw(s, "membership")),
        {f"m{_pw(s, 'membership')}-role": "reviewer"},
    ),
    ("programs-member-remove", "POST"): lambda s: (
        _p(s, "programs-member-remove", _pw(s, "membership")),
        {},
    ),
    ("programs-invitations", "GET"): lambda s: (_p(s, "programs-invitations"), {}),
    ("programs-invite", "GET"): lambda s: (_p(s, "programs-invite"), {}),
    ("programs-invite", "POST"): lambda s: (
        _p(s, "programs-invite"),
        {"addresses": MATRIX_NEW_INVITEE, "role": "resident", "send": "1"},
    ),
    ("programs-invitation-resend", "POST"): lambda s: (
        _p(s, "programs-invitation-resend", _pw(s, "invitation")),
        {},
    ),
    ("programs-invitation-revoke", "POST"): lambda s: (
        _p(s, "programs-invitation-revoke", _pw(s, "invitation")),
        {},
    ),
    ("invitations-open", "GET"): lambda s: (
        (_program_world(s), reverse("invitations-open", args=[MATRIX_TOKEN]))[1],
        {},
    ),
    ("invitations-open", "POST"): lambda s: (
        (_program_world(s), reverse("invitations-open", args=[MATRIX_TOKEN]))[1],
        {},
    ),
}


def _program_effects() -> dict[str, Callable[[Scenario], bool]]:
    from programs.models import Cohort, Invitation, Program, ProgramMembership
    from programs.services import hash_token

    return {
        "programs-create": lambda s: Program.objects.filter(
            name=NEW_PROGRAM_NAME
        ).exists(),
        "programs-edit": lambda s: Program.objects.filter(
            name=EDITED_PROGRAM_NAME
        ).exists(),
        "programs-cohort-add": lambda s: Cohort.objects.filter(
            name=NEW_COHORT_NAME
        ).exists(),
        "programs-cohort-edit": lambda s: Cohort.objects.filter(
            name=EDITED_COHORT_NAME
        ).exists(),
        "programs-member-change": lambda s: ProgramMembership.objects.filter(
            user=s.bystander, role="reviewer"
        ).exists(),
        "programs-member-remove": lambda s: (
            not ProgramMembership.objects.filter(user=s.bystander).exists()
        ),
        "programs-invite": lambda s: Invitation.objects.filter(
            email=MATRIX_NEW_INVITEE
        ).exists(),
        "programs-invitation-resend": lambda s: (
            not Invitation.objects.filter(
                token_hash=hash_token("matrix-other-token")
            ).exists()
        ),
        "programs-invitation-revoke": lambda s: Invitation.objects.filter(
            email=MATRIX_INVITEE, status="revoked"
        ).exists(),
        # Accepting: a new membership for whoever posted (nobody may).
        "invitations-open": lambda s: Invitation.objects.filter(
            status="accepted"
        ).exists(),
    }


def _staff_only(get: int = 200, post: int | None = None) -> dict[str, int]:
    """Program management: anonymous to login, non-members 404, staff allowed."""
    status = get if post is None else post
    return expect(
        anonymous=302, outsider=404, viewer=404,
        editor=404, owner=404, reviewer=404, staff=status,
    )  # fmt: skip


# fmt: off
PROGRAM_MAIN_ROWS: dict[tuple[str, str], dict[str, int]] = {
    ("programs-list", "GET"): expect(
        anonymous=302, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("programs-create", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("programs-create", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=302,
    ),
    ("programs-detail", "GET"): _staff_only(200),
    ("programs-edit", "GET"): _staff_only(200),
    ("programs-edit", "POST"): _staff_only(post=302),
    ("programs-cohort-add", "GET"): _staff_only(200),
    ("programs-cohort-add", "POST"): _staff_only(post=302),
    ("programs-cohort-edit", "GET"): _staff_only(200),
    ("programs-cohort-edit", "POST"): _staff_only(post=302),
    ("programs-members", "GET"): _staff_only(200),
    ("programs-member-change", "POST"): _staff_only(post=302),
    ("programs-member-remove", "POST"): _staff_only(post=302),
    ("programs-invitations", "GET"): _staff_only(200),
    ("programs-invite", "GET"): _staff_only(200),
    ("programs-invite", "POST"): _staff_only(post=302),
    ("programs-invitation-resend", "POST"): _staff_only(post=302),
    ("programs-invitation-revoke", "POST"): _staff_only(post=302),
    ("invitations-open", "GET"): expect(
        anonymous=200, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=403,
    ),
    ("invitations-open", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=403,
    ),
}
# fmt: on

PROGRAM_CHANGES: dict[str, frozenset[str]] = {
    "programs-create": only("staff"),
    "programs-edit": only("staff"),
    "programs-cohort-add": only("staff"),
    "programs-cohort-edit": only("staff"),
    "programs-member-change": only("staff"),
    "programs-member-remove": only("staff"),
    "programs-invite": only("staff"),
    "programs-invitation-resend": only("staff"),
    "programs-invitation-revoke": only("staff"),
    "invitations-open": NOBODY,
}

REQUESTS.update(PROGRAM_REQUESTS)
EFFECTS.update(_program_effects())
MAIN_MATRIX.update(PROGRAM_MAIN_ROWS)
MAIN_CHANGES.update(PROGRAM_CHANGES)
ALL_URL_NAMES |= {name for name, _method in PROGRAM_MAIN_ROWS}

# The program member (conftest's "program_member", a resident of the matrix
# program) on every program URL: she reads the list and the space; every
# management page is 403; the invitation link is not hers (403).
# fmt: off
PROGRAM_MEMBER_MATRIX: dict[tuple[str, str], int] = {
    ("programs-list", "GET"): 200,
    ("programs-create", "GET"): 403, ("programs-create", "POST"): 403,
    ("programs-detail", "GET"): 200,
    ("programs-edit", "GET"): 403, ("programs-edit", "POST"): 403,
    ("programs-cohort-add", "GET"): 403, ("programs-cohort-add", "POST"): 403,
    ("programs-cohort-edit", "GET"): 403, ("programs-cohort-edit", "POST"): 403,
    ("programs-members", "GET"): 403,
    ("programs-member-change", "POST"): 403,
    ("programs-member-remove", "POST"): 403,
    ("programs-invitations", "GET"): 403,
    ("programs-invite", "GET"): 403, ("programs-invite", "POST"): 403,
    ("programs-invitation-resend", "POST"): 403,
    ("programs-invitation-revoke", "POST"): 403,
    ("invitations-open", "GET"): 403, ("invitations-open", "POST"): 403,
}
# fmt: on

# Program scorecards (programs/scorecard_views.py): the all-programs page is for
# staff (and program managers, who see their own programs; no persona manages
# one here), 403 for anyone else signed in. A program's scorecard and its
# targets form are for staff and the program's managers; everyone else,
# members included, gets 404.


def _scorecard_targets_form(value: str) -> dict[str, str]:
    from programs.models import Indicator

    data = {}
    for indicator in Indicator:
        data[f"{indicator.value}-target"] = ""
        data[f"{indicator.value}-direction"] = "higher"
        data[f"{indicator.value}-amber_band"] = "10"
    data["ideas_submitted-target"] = value
    return data


MATRIX_TARGET = "7"
SCORECARD_REQUESTS: dict[
    tuple[str, str], Callable[[Scenario], tuple[str, dict[str, Any]]]
] = {
    ("programs-scorecards", "GET"): lambda s: (reverse("programs-scorecards"), {}),
    ("programs-scorecard", "GET"): lambda s: (_p(s, "programs-scorecard"), {}),
    ("programs-scorecard-targets", "GET"): lambda s: (
        _p(s, "programs-scorecard-targets"),
        {},
    ),
    ("programs-scorecard-targets", "POST"): lambda s: (
        _p(s, "programs-scorecard-targets"),
        _scorecard_targets_form(MATRIX_TARGET),
    ),
}
# fmt: off
SCORECARD_MAIN_ROWS: dict[tuple[str, str], dict[str, int]] = {
    ("programs-scorecards", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    ),
    ("programs-scorecard", "GET"): _staff_only(200),
    ("programs-scorecard-targets", "GET"): _staff_only(200),
    ("programs-scorecard-targets", "POST"): _staff_only(post=302),
}
# fmt: on


def _scorecard_target_saved(s: Scenario) -> bool:
    from programs.models import ScorecardTarget

    return ScorecardTarget.objects.filter(
        indicator="ideas_submitted", target=MATRIX_TARGET
    ).exists()


PROGRAM_REQUESTS.update(SCORECARD_REQUESTS)
REQUESTS.update(SCORECARD_REQUESTS)
EFFECTS["programs-scorecard-targets"] = _scorecard_target_saved
MAIN_MATRIX.update(SCORECARD_MAIN_ROWS)
MAIN_CHANGES["programs-scorecard-targets"] = only("staff")
ALL_URL_NAMES |= {name for name, _method in SCORECARD_MAIN_ROWS}
PROGRAM_MEMBER_MATRIX.update(
    {
        ("programs-scorecards", "GET"): 403,
        ("programs-scorecard", "GET"): 404,
        ("programs-scorecard-targets", "GET"): 404,
        ("programs-scorecard-targets", "POST"): 404,
    }
)


# The pipeline dashboard (dashboards/views.py) and its CSVs: staff only, like
# the pipeline board (anonymous to login, everyone else 403).
PIPELINE_DASHBOARD_REQUESTS: dict[
    tuple[str, str], Callable[[Scenario], tuple[str, dict[str, Any]]]
] = {
    ("dashboards-pipeline", "GET"): lambda s: (reverse("dashboards-pipeline"), {}),
    ("dashboards-pipeline-csv", "GET"): lambda s: (
        reverse("dashboards-pipeline-csv", args=["stages"]),
        {},
    ),
}
# fmt: off
PIPELINE_DASHBOARD_ROWS: dict[tuple[str, str], dict[str, int]] = {
    key: expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    )
    for key in PIPELINE_DASHBOARD_REQUESTS
}
# fmt: on
REQUESTS.update(PIPELINE_DASHBOARD_REQUESTS)
MAIN_MATRIX.update(PIPELINE_DASHBOARD_ROWS)
ALL_URL_NAMES |= {name for name, _method in PIPELINE_DASHBOARD_ROWS}


# The outcomes dashboard (dashboards/outcomes_views.py) and its CSVs: staff
# only, like the pipeline dashboard (anonymous to login, everyone else 403).
OUTCOMES_DASHBOARD_REQUESTS: dict[
    tuple[str, str], Callable[[Scenario], tuple[str, dict[str, Any]]]
] = {
    ("dashboards-outcomes", "GET"): lambda s: (reverse("dashboards-outcomes"), {}),
    ("dashboards-outcomes-csv", "GET"): lambda s: (
        reverse("dashboards-outcomes-csv", args=["investment-verified"]),
        {},
    ),
}
# fmt: off
OUTCOMES_DASHBOARD_ROWS: dict[tuple[str, str], dict[str, int]] = {
    key: expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=200,
    )
    for key in OUTCOMES_DASHBOARD_REQUESTS
}
# fmt: on
REQUESTS.update(OUTCOMES_DASHBOARD_REQUESTS)
MAIN_MATRIX.update(OUTCOMES_DASHBOARD_ROWS)
ALL_URL_NAMES |= {name for name, _method in OUTCOMES_DASHBOARD_ROWS}


def test_program_member_matrix_covers_every_program_url():
    assert set(PROGRAM_MEMBER_MATRIX) == set(PROGRAM_REQUESTS)


@pytest.mark.parametrize(
    ("key", "status"),
    [pytest.param(k, v, id=f"{k[0]}-{k[1]}") for k, v in PROGRAM_MEMBER_MATRIX.items()],
)
def test_program_member_access(scenario, client_for, key, status):
    s = scenario(stage=Stage.PROPOSED, move_to=Stage.SCREENING)
    changers = NOBODY if key[1] == "POST" else None
    run_matrix_case(client_for, s, "program_member", key, status, changers)


# --------------------------------------------------------------------------------------
# Challenges and reviews (challenges/). The scenario's idea answers a public
# challenge and the reviewer persona is assigned to it (made on first use by
# tests/challenges/world.py). Staff run challenges, rankings and assignments;
# only the assigned reviewer reaches their review (404 for everyone else, staff
# included: staff read reviews on the summary); outsiders get 404 for the
# hidden idea's summary, the team and other roles 403.
# --------------------------------------------------------------------------------------


def _cw(s: Scenario) -> dict[str, Any]:
    from tests.challenges.world import challenge_world

    return challenge_world(s.idea)


def _challenge_requests() -> dict[
    tuple[str, str], Callable[[Scenario], tuple[str, dict[str, Any]]]
]:
    from tests.challenges import world as cw

    def slug_url(name: str) -> Callable[[Scenario], str]:
        return lambda s: reverse(name, args=[_cw(s)["slug"]])

    return {
        ("challenges-list", "GET"): lambda s: (reverse("challenges-list"), {}),
        ("challenges-create", "GET"): lambda s: (reverse("challenges-create"), {}),
        ("challenges-create", "POST"): lambda s: (
            reverse("challenges-create"),
            cw.challenge_post(cw.NEW_CHALLENGE_TITLE, "matrix-new"),
        ),
        ("challenges-intake-rubric", "GET"): lambda s: (
            reverse("challenges-intake-rubric"),
            {},
        ),
        ("challenges-intake-rubric", "POST"): lambda s: (
            reverse("challenges-intake-rubric"),
            cw.criteria_post([("Matrix criterion", "2")]),
        ),
        ("challenges-detail", "GET"): lambda s: (slug_url("challenges-detail")(s), {}),
        ("challenges-edit", "GET"): lambda s: (slug_url("challenges-edit")(s), {}),
        ("challenges-edit", "POST"): lambda s: (
            slug_url("challenges-edit")(s),
            cw.challenge_post(cw.EDITED_CHALLENGE_TITLE, cw.WORLD_SLUG, _cw(s)),
        ),
        ("challenges-ranking", "GET"): lambda s: (
            slug_url("challenges-ranking")(s),
            {},
        ),
        ("challenges-assign", "POST"): lambda s: (
            slug_url("challenges-assign")(s),
            {"reviewer": str(_cw(s)["extra"].pk)},
        ),
        ("reviews-idea", "GET"): lambda s: (
            reverse("reviews-idea", args=[_cw(s)["assignment"].idea_id]),
            {},
        ),
        ("reviews-assign", "POST"): lambda s: (
            reverse("reviews-assign", args=[_cw(s)["assignment"].idea_id]),
            {"reviewer": str(_cw(s)["extra"].pk)},
        ),
        ("reviews-mine", "GET"): lambda s: (reverse("reviews-mine"), {}),
        ("reviews-review", "GET"): lambda s: (
            _cw(s)["assignment"].get_absolute_url(),
            {},
        ),
        ("reviews-review", "POST"): lambda s: (
            _cw(s)["assignment"].get_absolute_url(),
            cw.review_post(_cw(s)),
        ),
        ("reviews-conflict", "POST"): lambda s: (
            reverse("reviews-conflict", args=[_cw(s)["assignment"].pk]),
            {"reason": "Matrix conflict"},
        ),
    }


def _challenge_effects() -> dict[str, Callable[[Scenario], bool]]:
    from challenges.models import Challenge, ReviewAssignment, Rubric
    from tests.challenges import world as cw

    def extra_assigned(s: Scenario) -> bool:
        return ReviewAssignment.objects.filter(
            reviewer__email=cw.EXTRA_REVIEWER
        ).exists()

    return {
        "challenges-create": lambda s: Challenge.objects.filter(
            title=cw.NEW_CHALLENGE_TITLE
        ).exists(),
        "challenges-intake-rubric": lambda s: (
            Rubric.default().criteria.filter(name="Matrix criterion").exists()
        ),
        "challenges-edit": lambda s: Challenge.objects.filter(
            title=cw.EDITED_CHALLENGE_TITLE
        ).exists(),
        "challenges-assign": extra_assigned,
        "reviews-assign": extra_assigned,
        "reviews-review": lambda s: ReviewAssignment.objects.filter(
            submitted_at__isnull=False
        ).exists(),
        "reviews-conflict": lambda s: ReviewAssignment.objects.filter(
            conflict_declared_at__isnull=False
        ).exists(),
    }


def _staff_page(ok: int, outsider: int = 403, team: int = 403) -> dict[str, int]:
    return expect(
        anonymous=302, outsider=outsider, viewer=team,
        editor=team, owner=team, reviewer=403, staff=ok,
    )  # fmt: skip


def _reviewer_only(ok: int) -> dict[str, int]:
    return expect(
        anonymous=302, outsider=404, viewer=404,
        editor=404, owner=404, reviewer=ok, staff=404,
    )  # fmt: skip


# fmt: off
CHALLENGE_MAIN_ROWS: dict[tuple[str, str], dict[str, int]] = {
    ("challenges-list", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("challenges-detail", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("challenges-create", "GET"): _staff_page(200),
    ("challenges-create", "POST"): _staff_page(302),
    ("challenges-intake-rubric", "GET"): _staff_page(200),
    ("challenges-intake-rubric", "POST"): _staff_page(302),
    ("challenges-edit", "GET"): _staff_page(200),
    ("challenges-edit", "POST"): _staff_page(302),
    ("challenges-ranking", "GET"): _staff_page(200),
    ("challenges-assign", "POST"): _staff_page(302),
    ("reviews-idea", "GET"): _staff_page(200, outsider=404),
    ("reviews-assign", "POST"): _staff_page(302, outsider=404),
    ("reviews-mine", "GET"): expect(
        anonymous=302, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("reviews-review", "GET"): _reviewer_only(200),
    ("reviews-review", "POST"): _reviewer_only(302),
    ("reviews-conflict", "POST"): _reviewer_only(302),
}
# fmt: on

CHALLENGE_CHANGES: dict[str, frozenset[str]] = {
    "challenges-create": only("staff"),
    "challenges-intake-rubric": only("staff"),
    "challenges-edit": only("staff"),
    "challenges-assign": only("staff"),
    "reviews-assign": only("staff"),
    "reviews-review": only("reviewer"),
    "reviews-conflict": only("reviewer"),
}

REQUESTS.update(_challenge_requests())
EFFECTS.update(_challenge_effects())
MAIN_MATRIX.update(CHALLENGE_MAIN_ROWS)
MAIN_CHANGES.update(CHALLENGE_CHANGES)
ALL_URL_NAMES |= {name for name, _method in CHALLENGE_MAIN_ROWS}

# The plan once the reviewer persona is assigned to the idea: they read it
# (and preview, and its versions); nobody else's access changes.
# fmt: off
ASSIGNED_PLAN_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    key: expect(
        anonymous=404, outsider=404, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    )
    for key in [
        ("ideas-plan", "GET"), ("ideas-plan-preview", "POST"),
        ("ideas-plan-versions", "GET"), ("ideas-plan-version", "GET"),
    ]
}
# fmt: on


@pytest.mark.parametrize(
    ("key", "persona", "status"), matrix_params(ASSIGNED_PLAN_MATRIX)
)
def test_assigned_reviewer_plan_access(scenario, client_for, key, persona, status):
    s = scenario(stage=Stage.SCREENING, move_to=Stage.PLANNING)
    _cw(s)  # assigns the reviewer persona
    run_matrix_case(client_for, s, persona, key, status, NOBODY)


def test_main_matrix_covers_every_url_of_the_app():
    from django.urls import get_resolver

    def names(patterns: list[Any]) -> set[str]:
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
                found |= names(p.url_patterns)
            elif p.name:
                found.add(p.name)
        return found

    assert names(get_resolver().url_patterns) == ALL_URL_NAMES
    assert {name for name, _method in MAIN_MATRIX} == ALL_URL_NAMES
    assert set(MAIN_CHANGES) == {
        name for name, method in MAIN_MATRIX if method == "POST"
    }


@pytest.mark.parametrize(("key", "persona", "status"), matrix_params(MAIN_MATRIX))
def test_team_only_proposed_idea_access(scenario, client_for, key, persona, status):
    s = scenario(stage=Stage.PROPOSED, move_to=Stage.SCREENING)
    run_matrix_case(client_for, s, persona, key, status, MAIN_CHANGES.get(key[0]))


# --------------------------------------------------------------------------------------
# A team-only DRAFT: hidden from everyone but the team, reviewers and staff included
# --------------------------------------------------------------------------------------

# fmt: off
DRAFT_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("ideas-detail", "GET"): expect(
        anonymous=404, outsider=404, viewer=200,
        editor=200, owner=200, reviewer=404, staff=404,
    ),
    ("ideas-edit", "GET"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=200, owner=200, reviewer=404, staff=404,
    ),
    ("ideas-edit", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=302, owner=302, reviewer=404, staff=404,
    ),
    # draft -> proposed: the team submits.
    ("ideas-move", "POST"): expect(
        anonymous=302, outsider=404, viewer=302,
        editor=302, owner=302, reviewer=404, staff=404,
    ),
    ("ideas-team-add", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=403, owner=302, reviewer=404, staff=404,
    ),
    ("ideas-team-remove", "POST"): expect(
        anonymous=302, outsider=404, viewer=302,
        editor=403, owner=302, reviewer=404, staff=404,
    ),
    ("ideas-comment-add", "POST"): expect(
        anonymous=302, outsider=404, viewer=302,
        editor=302, owner=302, reviewer=404, staff=404,
    ),
    ("ideas-comment-edit", "GET"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=200, owner=403, reviewer=404, staff=404,
    ),
    ("ideas-comment-edit", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=302, owner=403, reviewer=404, staff=404,
    ),
    ("ideas-comment-remove", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=403, owner=403, reviewer=404, staff=404,
    ),
}
# fmt: on

DRAFT_CHANGES: dict[str, frozenset[str]] = {
    "ideas-edit": only("editor", "owner"),
    "ideas-move": only("editor", "owner"),
    "ideas-team-add": only("owner"),
    "ideas-team-remove": only("owner", "viewer"),
    "ideas-comment-add": only("viewer", "editor", "owner"),
    "ideas-comment-edit": only("editor"),
    "ideas-comment-remove": NOBODY,
}


@pytest.mark.parametrize(("key", "persona", "status"), matrix_params(DRAFT_MATRIX))
def test_team_only_draft_idea_access(scenario, client_for, key, persona, status):
    s = scenario(stage=Stage.DRAFT, move_to=Stage.PROPOSED)
    run_matrix_case(client_for, s, persona, key, status, DRAFT_CHANGES.get(key[0]))


# --------------------------------------------------------------------------------------
# A PUBLIC idea (proposed): everyone reads it; rights to change it are unchanged
# --------------------------------------------------------------------------------------

# fmt: off
PUBLIC_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("ideas-detail", "GET"): expect(
        anonymous=200, outsider=200, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("ideas-edit", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=200, owner=200, reviewer=403, staff=403,
    ),
    ("ideas-edit", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=302, owner=302, reviewer=403, staff=403,
    ),
    # proposed -> screening: a staff move.
    ("ideas-move", "POST"): expect(
        anonymous=302, outsider=302, viewer=302,
        editor=302, owner=302, reviewer=302, staff=302,
    ),
    ("ideas-team-add", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=302, reviewer=403, staff=403,
    ),
    ("ideas-team-remove", "POST"): expect(
        anonymous=302, outsider=403, viewer=302,
        editor=403, owner=302, reviewer=403, staff=403,
    ),
    ("ideas-comment-add", "POST"): expect(
        anonymous=302, outsider=302, viewer=302,
        editor=302, owner=302, reviewer=302, staff=302,
    ),
    ("ideas-comment-edit", "GET"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=200, owner=403, reviewer=403, staff=403,
    ),
    ("ideas-comment-edit", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=302, owner=403, reviewer=403, staff=403,
    ),
    ("ideas-comment-remove", "POST"): expect(
        anonymous=302, outsider=403, viewer=403,
        editor=403, owner=403, reviewer=403, staff=302,
    ),
}
# fmt: on

PUBLIC_CHANGES: dict[str, frozenset[str]] = {
    "ideas-edit": only("editor", "owner"),
    "ideas-move": only("staff"),
    "ideas-team-add": only("owner"),
    "ideas-team-remove": only("owner", "viewer"),
    "ideas-comment-add": LOGGED_IN,
    "ideas-comment-edit": only("editor"),
    "ideas-comment-remove": only("staff"),
}


@pytest.mark.parametrize(("key", "persona", "status"), matrix_params(PUBLIC_MATRIX))
def test_public_idea_access(scenario, client_for, key, persona, status):
    s = scenario(
        stage=Stage.PROPOSED, visibility=Visibility.PUBLIC, move_to=Stage.SCREENING
    )
    run_matrix_case(client_for, s, persona, key, status, PUBLIC_CHANGES.get(key[0]))


# --------------------------------------------------------------------------------------
# A LAUNCHED team-only idea: closed for editing, even for its owner
# --------------------------------------------------------------------------------------

# fmt: off
LAUNCHED_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("ideas-detail", "GET"): expect(
        anonymous=404, outsider=404, viewer=200,
        editor=200, owner=200, reviewer=200, staff=200,
    ),
    ("ideas-edit", "GET"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=403, owner=403, reviewer=403, staff=403,
    ),
    ("ideas-edit", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=403, owner=403, reviewer=403, staff=403,
    ),
    # launched -> pilot does not exist: refused for everyone.
    ("ideas-move", "POST"): expect(
        anonymous=302, outsider=404, viewer=302,
        editor=302, owner=302, reviewer=302, staff=302,
    ),
    ("ideas-team-add", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=403, owner=302, reviewer=403, staff=403,
    ),
    ("ideas-comment-add", "POST"): expect(
        anonymous=302, outsider=404, viewer=302,
        editor=302, owner=302, reviewer=302, staff=302,
    ),
    ("ideas-comment-remove", "POST"): expect(
        anonymous=302, outsider=404, viewer=403,
        editor=403, owner=403, reviewer=403, staff=302,
    ),
}
# fmt: on

LAUNCHED_CHANGES: dict[str, frozenset[str]] = {
    "ideas-edit": NOBODY,
    "ideas-move": NOBODY,
    "ideas-team-add": only("owner"),
    "ideas-comment-add": only("viewer", "editor", "owner", "reviewer", "staff"),
    "ideas-comment-remove": only("staff"),
}


@pytest.mark.parametrize(("key", "persona", "status"), matrix_params(LAUNCHED_MATRIX))
def test_launched_idea_access(scenario, client_for, key, persona, status):
    s = scenario(stage=Stage.LAUNCHED, move_to=Stage.PILOT)
    run_matrix_case(client_for, s, persona, key, status, LAUNCHED_CHANGES.get(key[0]))


def test_post_only_urls_refuse_get_without_changing_anything(scenario, client_for):
    s = scenario(stage=Stage.PROPOSED, move_to=Stage.SCREENING)
    client = client_for("staff")
    for key in REQUESTS:
        url_name, method = key
        if method != "POST" or (url_name, "GET") in REQUESTS:
            continue
        path, _data = REQUESTS[key](s)
        assert client.get(path).status_code == 405, url_name
        assert not EFFECTS[url_name](s), url_name


# --------------------------------------------------------------------------------------
# Stage moves: every transition × every persona
# --------------------------------------------------------------------------------------

MOVERS: dict[Actor, frozenset[str]] = {
    Actor.TEAM: only("owner", "editor"),
    Actor.OWNER: only("owner"),
    Actor.STAFF: only("staff"),
}


def _can_see_team_only(persona: str, stage: str) -> bool:
    if persona in ("viewer", "editor", "owner"):
        return True
    return persona in ("reviewer", "staff") and stage != Stage.DRAFT


def _error_messages(response: Any) -> list[str]:
    return [
        str(m)
        for m in get_messages(response.wsgi_request)
        if m.level == message_levels.ERROR
    ]


@pytest.mark.parametrize(
    ("source", "target", "persona"),
    [
        pytest.param(s, t, p, id=f"{s}-to-{t}-by-{p}")
        for (s, t) in TRANSITIONS
        for p in PERSONAS
    ],
)
def test_each_stage_move_is_made_only_by_its_actor(
    team_idea, client_for, source, target, persona
):
    idea = team_idea(stage=source)
    step = TRANSITIONS[(source, target)]
    path = reverse("ideas-move", args=[idea.pk])
    response = client_for(persona).post(
        path, {"to_stage": target, "from_stage": source, "note": "Because of reasons."}
    )

    may_see = _can_see_team_only(persona, source)
    should_move = may_see and persona in MOVERS[step.actor]
    idea.refresh_from_db()
    if persona == "anonymous":
        assert response.status_code == 302
        _assert_login_redirect(response, path)
    elif not may_see:
        assert response.status_code == 404
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse("ideas-detail", args=[idea.pk])
        assert bool(_error_messages(response)) == (not should_move)
    if should_move:
        assert idea.stage == target
        change = StageChange.objects.get(idea=idea)
        assert (change.from_stage, change.to_stage) == (source, target)
        assert change.actor_id == response.wsgi_request.user.pk
    else:
        assert idea.stage == source
        assert not StageChange.objects.filter(idea=idea).exists()
    assert Venture.objects.filter(idea=idea).exists() == (
        should_move and target == Stage.LAUNCHED
    )


@pytest.mark.parametrize(
    ("stage", "data", "persona"),
    [
        # Not in the table at all.
        pytest.param(
            Stage.PROPOSED,
            {"to_stage": Stage.LAUNCHED, "from_stage": Stage.PROPOSED},
            "staff",
            id="skip-ahead-by-staff",
        ),
        pytest.param(
            Stage.PROPOSED,
            {"to_stage": Stage.DRAFT, "from_stage": Stage.PROPOSED},
            "owner",
            id="back-to-draft-by-owner",
        ),
        # Not a stage.
        pytest.param(
            Stage.PROPOSED,
            {"to_stage": "bogus", "from_stage": Stage.PROPOSED},
            "staff",
            id="unknown-stage",
        ),
        # Declining needs a note.
        pytest.param(
            Stage.PROPOSED,
            {"to_stage": Stage.DECLINED, "from_stage": Stage.PROPOSED},
            "staff",
            id="decline-without-note",
        ),
        # The staff member saw an older stage: the move is stale.
        pytest.param(
            Stage.SCREENING,
            {"to_stage": Stage.SCREENING, "from_stage": Stage.PROPOSED},
            "staff",
            id="stale-from-stage",
        ),
        # Submitting on someone's behalf.
        pytest.param(
            Stage.DRAFT,
            {"to_stage": Stage.PROPOSED, "from_stage": Stage.DRAFT},
            "viewer",
            id="viewer-submits",
        ),
        # Only the owner withdraws.
        pytest.param(
            Stage.SCREENING,
            {"to_stage": Stage.WITHDRAWN, "from_stage": Stage.SCREENING},
            "editor",
            id="editor-withdraws",
        ),
        pytest.param(
            Stage.SCREENING,
            {"to_stage": Stage.WITHDRAWN, "from_stage": Stage.SCREENING},
            "staff",
            id="staff-withdraws",
        ),
        pytest.param(
            Stage.PROPOSED,
            {"to_stage": Stage.SCREENING, "from_stage": Stage.PROPOSED},
            "reviewer",
            id="reviewer-screens",
        ),
    ],
)
def test_refused_move_redirects_with_an_error_and_changes_nothing(
    team_idea, client_for, stage, data, persona
):
    idea = team_idea(stage=stage)
    before = Idea.objects.values("stage", "stage_changed_at", "updated_at").get(
        pk=idea.pk
    )
    response = client_for(persona).post(
        reverse("ideas-move", args=[idea.pk]), {"note": "", **data}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("ideas-detail", args=[idea.pk])
    assert _error_messages(response)
    assert (
        Idea.objects.values("stage", "stage_changed_at", "updated_at").get(pk=idea.pk)
        == before
    )
    assert not StageChange.objects.filter(idea=idea).exists()


def test_author_cannot_edit_a_comment_after_the_edit_window(
    team_idea, people, client_for
):
    idea = team_idea(stage=Stage.PROPOSED)
    comment = Comment.objects.create(
        idea=idea,
        author=people["editor"],
        body="Old words",
        created_at=timezone.now() - settings.COMMENT_EDIT_WINDOW - timedelta(seconds=5),
    )
    client = client_for("editor")
    path = reverse("ideas-comment-edit", args=[comment.pk])
    assert client.get(path).status_code == 403
    assert client.post(path, {"body": "New words"}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Old words"
    assert comment.edited_at is None


def test_team_remove_cannot_reach_a_membership_of_another_idea(
    team_idea, people, make_idea, client_for
):
    mine = team_idea(stage=Stage.PROPOSED)
    theirs = make_idea(people["outsider"], stage=Stage.PROPOSED)
    foreign = TeamMembership.objects.create(
        idea=theirs, user=people["reviewer"], role=TeamRole.EDITOR
    )
    response = client_for("owner").post(
        reverse("ideas-team-remove", args=[mine.pk, foreign.pk])
    )
    assert response.status_code == 404
    assert TeamMembership.objects.filter(pk=foreign.pk).exists()


# --------------------------------------------------------------------------------------
# Listings, search and page bodies never reveal a hidden idea
# --------------------------------------------------------------------------------------

SECRET_DRAFT = "Zephyrquill secret draft"
SECRET_PROPOSAL = "Quokkamatic team proposal"
SECRET_LAUNCH = "Borealiscope launched idea"
PUBLIC_TITLE = "Openharbour public idea"


@pytest.fixture
def secrets(team_idea, make_idea, people) -> dict[str, Idea]:
    draft = team_idea(title=SECRET_DRAFT, pitch="zephyr pitch", tags=["zephyrtag"])
    proposal = team_idea(
        title=SECRET_PROPOSAL, stage=Stage.PROPOSED, tags=["quokkatag"]
    )
    launched = team_idea(title=SECRET_LAUNCH, stage=Stage.LAUNCHED)
    Venture.objects.create(
        name="Northern Lights Co", slug="northern-lights", idea=launched
    )
    public = make_idea(
        people["outsider"], title=PUBLIC_TITLE, visibility=Visibility.PUBLIC
    )
    for idea in (draft, proposal, launched):
        Comment.objects.create(idea=idea, author=people["editor"], body="Team talk")
    return {
        "draft": draft,
        "proposal": proposal,
        "launched": launched,
        "public": public,
    }


HIDDEN_FROM: dict[str, frozenset[str]] = {
    "draft": only("anonymous", "outsider", "reviewer", "staff"),
    "proposal": only("anonymous", "outsider"),
    "launched": only("anonymous", "outsider"),
}

LIST_QUERIES = [
    "",
    "?q=zephyr",
    "?q=Zephyrquill",
    "?q=zephyrtag",
    "?tag=zephyrtag",
    "?stage=draft",
    "?mine=on",
    "?q=secret&stage=draft&tag=zephyrtag&mine=on",
    "?page=2",
]


@pytest.mark.parametrize("persona", ["outsider", "reviewer", "staff", "anonymous"])
@pytest.mark.parametrize("query", LIST_QUERIES)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_team_only_draft_never_listed_or_found(
    secrets, client_for, persona, query, htmx
):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client_for(persona).get(reverse("ideas-list") + query, headers=headers)
    assert response.status_code == 200
    listed = {idea.pk for idea in response.context["page"].object_list}
    assert secrets["draft"].pk not in listed
    assert SECRET_DRAFT.encode() not in response.content


def test_team_sees_its_draft_in_search(secrets, client_for):
    """Control for the test above: the search does find the draft for its team."""
    for persona in ("owner", "editor", "viewer"):
        response = client_for(persona).get(reverse("ideas-list") + "?q=zephyrtag")
        assert SECRET_DRAFT.encode() in response.content, persona


def _pages_to_probe(secrets: dict[str, Idea]) -> list[str]:
    pages = [reverse(name) for name in (
        "hub-landing", "hub-profile", "hub-people", "ideas-list", "ideas-mine",
        "ideas-create", "ideas-board", "ventures-list", "hub-notifications",
        "hub-notifications-badge",
    )]  # fmt: skip
    pages += [
        reverse("ideas-list") + q
        for q in LIST_QUERIES + ["?q=quokka", "?q=borealiscope"]
    ]
    pages += [reverse("hub-people") + "?q=Owen", reverse("ideas-mine") + "?page=2"]
    pages += [reverse("ventures-detail", args=[v.slug]) for v in Venture.objects.all()]
    for idea in Idea.objects.all():
        pages += [
            reverse("ideas-detail", args=[idea.pk]),
            reverse("ideas-edit", args=[idea.pk]),
        ]
    for comment in Comment.objects.all():
        pages.append(reverse("ideas-comment-edit", args=[comment.pk]))
    return pages


@pytest.mark.parametrize("persona", PERSONAS)
def test_hidden_idea_title_never_appears_in_any_page(secrets, client_for, persona):
    titles = {key: secrets[key].title.encode() for key in HIDDEN_FROM}
    hidden = [key for key, personas in HIDDEN_FROM.items() if persona in personas]
    visible = [key for key in HIDDEN_FROM if key not in hidden]
    client = client_for(persona)
    seen_anywhere: set[str] = set()
    for path in _pages_to_probe(secrets):
        body = client.get(path, follow=True).content
        for key in hidden:
            assert titles[key] not in body, f"{persona} sees {key!r} title on {path}"
        seen_anywhere |= {key for key in visible if titles[key] in body}
    # Control: the ideas this persona may see do show up somewhere.
    assert seen_anywhere == set(visible)


# --------------------------------------------------------------------------------------
# The queryset and the rules predicate agree
# --------------------------------------------------------------------------------------


@pytest.fixture
def every_kind_of_idea(team_idea, program) -> list[Idea]:
    """Every visibility × stage, outside any program and inside conftest's
    ``program`` (whose only member persona is "program_member")."""
    return [
        team_idea(visibility=visibility, stage=stage, program=in_program)
        for visibility, stage, in_program in itertools.product(
            Visibility.values, Stage.values, [None, program]
        )
    ]


def _user(people: dict[str, User | None], persona: str) -> Any:
    return people[persona] or AnonymousUser()


def _expected_readable(persona: str, idea: Idea) -> bool:
    if idea.visibility == Visibility.PUBLIC:
        return True
    if persona in ("owner", "editor", "viewer"):
        return True
    # "Program members": the program's members and staff, at every stage; an
    # idea marked so without a program (the form refuses it) stays with the team.
    in_program = idea.visibility == Visibility.PROGRAM and idea.program_id
    if in_program and persona in ("program_member", "staff"):
        return True
    return persona in ("reviewer", "staff") and idea.stage != Stage.DRAFT


@pytest.mark.parametrize("persona", PROGRAM_PERSONAS)
def test_visible_to_agrees_with_read_rule(people, every_kind_of_idea, persona):
    user = _user(people, persona)
    by_queryset = set(Idea.objects.visible_to(user).values_list("pk", flat=True))
    for idea in Idea.objects.all():
        by_rule = user.has_perm("ideas.read_idea", idea)
        assert (idea.pk in by_queryset) == by_rule, (
            f"{persona} on {idea.visibility}/{idea.stage}: "
            f"queryset={idea.pk in by_queryset}, rule={by_rule}"
        )
        assert by_rule == _expected_readable(persona, idea), (
            f"{persona} on {idea.visibility}/{idea.stage}"
        )


@pytest.mark.parametrize(
    "persona",
    ["outsider", "viewer", "editor", "owner", "reviewer", "staff", "program_member"],
)
def test_visible_to_agrees_with_read_rule_for_a_deactivated_account(
    people, every_kind_of_idea, persona
):
    """A deactivated account reads public ideas only, by both definitions.

    ``visible_to`` narrows inactive users to public ideas, but the ``rules``
    predicates (``team_role``) ignore ``is_active``, so a deactivated team
    member still "has" ideas.read_idea (and edit/manage) on the team's ideas.
    """
    user = people[persona]
    user.is_active = False
    user.save(update_fields=["is_active"])
    user = User.objects.get(pk=user.pk)
    by_queryset = set(Idea.objects.visible_to(user).values_list("pk", flat=True))
    disagreements = [
        f"{idea.visibility}/{idea.stage}"
        for idea in Idea.objects.all()
        if (idea.pk in by_queryset) != user.has_perm("ideas.read_idea", idea)
    ]
    assert disagreements == []


# --------------------------------------------------------------------------------------
# Mass assignment: forms ignore fields they do not declare
# --------------------------------------------------------------------------------------

SMUGGLED = {
    "id": "4242",
    "pk": "4242",
    "role": Role.STAFF,
    "is_staff": "on",
    "is_superuser": "on",
}


def test_create_form_ignores_owner_stage_and_id(people, client_for):
    poster = people["outsider"]
    data = {
        **_idea_form("Smuggling idea"),
        **SMUGGLED,
        "owner": str(people["staff"].pk),
        "stage": Stage.LAUNCHED,
        "stage_changed_at": "2000-01-01 00:00",
        "created_at": "2000-01-01 00:00",
    }
    response = client_for("outsider").post(reverse("ideas-create"), data)
    assert response.status_code == 302
    idea = Idea.objects.get(title="Smuggling idea")
    assert idea.owner_id == poster.pk
    assert idea.stage == Stage.DRAFT
    assert idea.pk != 4242 and not Idea.objects.filter(pk=4242).exists()
    assert idea.created_at.year != 2000 and idea.stage_changed_at.year != 2000
    assert not StageChange.objects.filter(idea=idea).exists()
    assert not Venture.objects.exists()
    poster.refresh_from_db()
    assert (poster.role, poster.is_staff, poster.is_superuser) == (
        Role.ENTREPRENEUR,
        False,
        False,
    )


@pytest.mark.parametrize("persona", ["owner", "editor"])
def test_edit_form_ignores_owner_stage_and_id(team_idea, people, client_for, persona):
    idea = team_idea(stage=Stage.PROPOSED)
    before = Idea.objects.values(
        "owner_id", "stage", "stage_changed_at", "created_at"
    ).get(pk=idea.pk)
    data = {
        **_idea_form("Edited by smuggler"),
        **SMUGGLED,
        "owner": str(people[persona].pk if persona != "owner" else people["staff"].pk),
        "stage": Stage.LAUNCHED,
        "stage_changed_at": "2000-01-01 00:00",
        "created_at": "2000-01-01 00:00",
    }
    response = client_for(persona).post(reverse("ideas-edit", args=[idea.pk]), data)
    assert response.status_code == 302
    assert (
        Idea.objects.get(pk=idea.pk).title == "Edited by smuggler"
    )  # the form did save
    after = Idea.objects.values(
        "owner_id", "stage", "stage_changed_at", "created_at"
    ).get(pk=idea.pk)
    assert after == before
    assert not Idea.objects.filter(pk=4242).exists()
    assert Idea.objects.count() == 1
    assert not StageChange.objects.exists()
    user = User.objects.get(pk=people[persona].pk)
    assert (user.role, user.is_staff, user.is_superuser) == (
        Role.ENTREPRENEUR,
        False,
        False,
    )


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
