"""Scorecard pages: who sees which cards, the targets form and its service,
and constant queries at two data sizes."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from challenges.models import ReviewAssignment
from hub.core.models import AuditEvent, Role
from ideas.models import StageChange
from ideas.stages import Stage
from programs import services
from programs.models import Indicator, Program, ProgramMembership, ScorecardTarget
from ventures.models import FundingEvent, FundingStatus, ImpactSnapshot, Venture

pytestmark = pytest.mark.django_db


def _form(**overrides: str) -> dict[str, str]:
    data = {}
    for indicator in Indicator:
        data[f"{indicator.value}-target"] = ""
        data[f"{indicator.value}-direction"] = "higher"
        data[f"{indicator.value}-amber_band"] = "10"
    data.update(overrides)
    return data


def test_staff_set_targets_through_the_form_and_the_audit_log(
    program, client_for, people
):
    url = reverse("programs-scorecard-targets", args=[program.slug])
    response = client_for("staff").post(
        url,
        _form(**{
            "ideas_submitted-target": "12",
            "advancing-target": "40.5",
            "advancing-amber_band": "20",
            "jobs-target": "3",
            "jobs-direction": "lower",
        }),
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == reverse("programs-scorecard", args=[program.slug])
    saved = {
        t.indicator: (t.target, t.direction, t.amber_band)
        for t in ScorecardTarget.objects.filter(program=program)
    }
    assert saved == {
        "ideas_submitted": (Decimal("12"), "higher", Decimal("10")),
        "advancing": (Decimal("40.5"), "higher", Decimal("20")),
        "jobs": (Decimal("3"), "lower", Decimal("10")),
    }
    event = AuditEvent.objects.get(action="programs.scorecard_targets")
    assert event.actor == people["staff"]
    assert set(event.data["targets"]) == {"ideas_submitted", "advancing", "jobs"}

    # Clearing a target removes it; an unchanged form writes no audit row.
    client_for("staff").post(url, _form(**{"ideas_submitted-target": "12"}))
    assert list(
        ScorecardTarget.objects.filter(program=program).values_list(
            "indicator", flat=True
        )
    ) == ["ideas_submitted"]
    client_for("staff").post(url, _form(**{"ideas_submitted-target": "12"}))
    assert AuditEvent.objects.filter(action="programs.scorecard_targets").count() == 2


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ideas_submitted-target": "-1"}, "ideas_submitted-target", "greater than or equal to 0"),
        ({"advancing-target": "120"}, "advancing-target", "less than or equal to 100"),
        ({"jobs-target": "lots"}, "jobs-target", "Enter a number."),
        ({"jobs-target": "5", "jobs-amber_band": "150"}, "jobs-amber_band", "less than or equal to 100"),
        ({"jobs-target": "5", "jobs-direction": "sideways"}, "jobs-direction", "Select a valid choice."),
        ({"jobs-target": "1.234"}, "jobs-target", "no more than 2 decimal places"),
    ],
)  # fmt: skip
def test_bad_targets_get_clear_errors_and_nothing_is_saved(
    program, client_for, overrides, field, message
):
    data = _form(**{"ideas_submitted-target": "9", **overrides})
    response = client_for("staff").post(
        reverse("programs-scorecard-targets", args=[program.slug]), data
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert not ScorecardTarget.objects.exists()
    # What was typed is kept.
    assert f'value="{overrides.get(field, "")}"' in response.content.decode() or (
        field.endswith("direction")
    )


def test_the_service_refuses_a_plain_member(program, people):
    with pytest.raises(services.NotAllowed):
        services.set_scorecard_targets(
            program,
            actor=people["program_member"],
            specs={"jobs": services.TargetSpec(Decimal(1), "higher", Decimal(10))},
        )
    assert not ScorecardTarget.objects.exists()


@pytest.mark.parametrize(
    "spec",
    [
        services.TargetSpec(Decimal(-1), "higher", Decimal(10)),
        services.TargetSpec(Decimal(101), "higher", Decimal(10)),  # a share
        services.TargetSpec(Decimal(5), "sideways", Decimal(10)),
        services.TargetSpec(Decimal(5), "higher", Decimal(101)),
    ],
)
def test_the_service_refuses_bad_targets_without_the_form(program, people, spec):
    with pytest.raises(services.ServiceError):
        services.set_scorecard_targets(
            program, actor=people["staff"], specs={"advancing": spec}
        )
    assert not ScorecardTarget.objects.exists()


def test_a_custom_period_is_at_most_ten_years(program, client_for):
    response = client_for("staff").get(
        "/programs/sir-2027/scorecard/?period=custom&start=1900-01-01&end=2026-01-01"
    )
    assert response.status_code == 200
    assert "at most ten years" in response.content.decode()


def test_a_manager_sees_only_the_programs_they_manage(make_user, client):
    manager = make_user(role=Role.STAFF, name="Manager")
    manager.is_staff = False
    manager.role = Role.ENTREPRENEUR  # a non-staff manager
    manager.save(update_fields=["is_staff", "role"])
    mine = Program.objects.create(name="Mine", slug="mine")
    Program.objects.create(name="Theirs", slug="theirs")
    mine.managers.add(manager)
    client.force_login(manager)
    response = client.get(reverse("programs-scorecards"))
    assert response.status_code == 200
    assert [c.program.slug for c in response.context["cards"]] == ["mine"]
    assert client.get("/programs/mine/scorecard/").status_code == 200
    assert client.get("/programs/theirs/scorecard/").status_code == 404


# ---------------------------------------------------------------------------------
# Query budgets
# ---------------------------------------------------------------------------------


def _populate(n_programs: int, make_user, make_idea) -> None:
    """n programs, each with ideas moved through stages, a review, a venture
    with funding and a snapshot, members and their activity, and a target."""
    now = timezone.now()
    owner = make_user(name="Owner")
    reviewer = make_user(role=Role.REVIEWER)
    for n in range(n_programs):
        program = Program.objects.create(name=f"Program {n}", slug=f"program-{n}")
        ScorecardTarget.objects.create(
            program=program, indicator=Indicator.IDEAS_SUBMITTED, target=3
        )
        for k in range(3):
            idea = make_idea(owner, program=program, stage=Stage.PLANNING)
            for source, target in (
                (Stage.DRAFT, Stage.PROPOSED),
                (Stage.PROPOSED, Stage.SCREENING),
                (Stage.SCREENING, Stage.PLANNING),
            ):
                StageChange.objects.create(
                    idea=idea, from_stage=source, to_stage=target,
                    at=now - datetime.timedelta(days=10 + k),
                )  # fmt: skip
            ReviewAssignment.objects.create(
                idea=idea,
                reviewer=reviewer,
                assigned_at=now - datetime.timedelta(days=9),
                submitted_at=now - datetime.timedelta(days=2),
            )
        venture = Venture.objects.create(
            name=f"Venture {n}", slug=f"venture-{n}", idea=idea
        )
        FundingEvent.objects.create(
            venture=venture, kind="grant", amount=1000, currency="USD",
            date=timezone.localdate(), status=FundingStatus.VERIFIED,
        )  # fmt: skip
        ImpactSnapshot.objects.create(
            venture=venture, date=timezone.localdate(), full_time_jobs=4
        )
        member = make_user()
        ProgramMembership.objects.create(program=program, user=member)


# The cards (reports.scorecards.scorecards): the programs (1); ideas
# submitted, advanced and screened from stage changes (1); ideas reviewed and
# reviewed on time (1); ventures launched (1); verified investment and events
# without a rate (1); jobs at the end of each period (2); members and active
# members (1); the targets (1) = 9.
CARD_QUERIES = 9
# Staff overview: session, user (login), the data version the cards are
# cached under (reports/figures.py), the cards (9), base.html's
# unread-notification count (1) = 13.
OVERVIEW_QUERIES = 3 + CARD_QUERIES + 1
# One program: session, user, the program lookup (get_program_for_user), the
# data version, the cards (9), the notification count (1) = 14. Staff need no
# manager query.
PROGRAM_QUERIES = 4 + CARD_QUERIES + 1


@pytest.mark.parametrize("size", [1, 6])
def test_overview_runs_constant_queries(
    size, make_user, make_idea, client_for, people, django_assert_num_queries
):
    _populate(size, make_user, make_idea)
    client = client_for("staff")
    with django_assert_num_queries(OVERVIEW_QUERIES):
        response = client.get(reverse("programs-scorecards"))
    assert response.status_code == 200
    assert len(response.context["cards"]) == size
    # Until the data changes, the cards come from the cache.
    with django_assert_num_queries(OVERVIEW_QUERIES - CARD_QUERIES):
        again = client.get(reverse("programs-scorecards"))
    assert len(again.context["cards"]) == size
    card = response.context["cards"][0]
    values = {row.indicator: row.value for row in card.rows}
    assert values[Indicator.IDEAS_SUBMITTED] == 3
    assert values[Indicator.REVIEWED_ON_TIME] == 100
    assert values[Indicator.INVESTMENT] == 1000
    assert values[Indicator.JOBS] == 4


@pytest.mark.parametrize("size", [1, 6])
def test_program_scorecard_runs_constant_queries(
    size, make_user, make_idea, client_for, django_assert_num_queries
):
    _populate(size, make_user, make_idea)
    client = client_for("staff")
    with django_assert_num_queries(PROGRAM_QUERIES):
        response = client.get(reverse("programs-scorecard", args=["program-0"]))
    assert response.status_code == 200
    assert len(response.context["cards"]) == 1


def test_cached_cards_follow_new_funding_on_the_next_request(
    make_user, make_idea, client_for
):
    """The cards are cached (reports/figures.py) but a new verified event shows at
    once, and so does a bulk update that sends no signal."""
    _populate(1, make_user, make_idea)
    client = client_for("staff")

    def investment() -> object:
        card = client.get(reverse("programs-scorecard", args=["program-0"]))
        rows = {row.indicator: row for row in card.context["cards"][0].rows}
        row = rows[Indicator.INVESTMENT]
        # The cached HTML shows the same figure as the cached cards.
        assert f"{row.value_text} USD" in card.content.decode()
        return row.value

    assert investment() == 1000
    assert investment() == 1000  # from the cache
    venture = Venture.objects.get(slug="venture-0")
    FundingEvent.objects.create(
        venture=venture, kind="grant", amount=500, currency="USD",
        date=timezone.localdate(), status=FundingStatus.VERIFIED,
    )  # fmt: skip
    assert investment() == 1500
    FundingEvent.objects.filter(venture=venture).update(amount=100)
    assert investment() == 200
