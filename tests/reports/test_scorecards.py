"""Program scorecard figures, worked out by hand on a small fixture.

The period is 1–30 July 2026 (30 days); the previous period is 1–30 June.
Program "Alpha" has ideas moving through the stages, reviews on time and late,
a venture with verified funding and impact snapshots, and members some of whom
acted. Program "Beta" has one submitted idea and one active member.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from django.utils import timezone

from challenges.models import Challenge, ReviewAssignment
from hub.core.models import AuditEvent, Role
from ideas.models import Idea, StageChange
from ideas.stages import Stage
from programs.models import (
    Direction,
    Indicator,
    Program,
    ProgramMembership,
    ScorecardTarget,
)
from reports.scorecards import Period, Status, scorecards, status
from ventures.models import (
    ExchangeRate,
    FundingEvent,
    FundingStatus,
    ImpactSnapshot,
    Venture,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("usd_base")]

JULY = Period(datetime.date(2026, 7, 1), datetime.date(2026, 7, 30))


@pytest.fixture
def usd_base():
    with override_settings(BASE_CURRENCY="USD"):
        yield


def at(month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(
        2026, month, day, hour, tzinfo=timezone.get_current_timezone()
    )


def d(month: int, day: int) -> datetime.date:
    return datetime.date(2026, month, day)


def moves(idea: Idea, *steps: tuple[str, str, datetime.datetime]) -> None:
    for source, target, when in steps:
        StageChange.objects.create(
            idea=idea, from_stage=source, to_stage=target, at=when
        )


def review(idea, reviewer, assigned, submitted=None, conflict=False):
    return ReviewAssignment.objects.create(
        idea=idea,
        reviewer=reviewer,
        assigned_at=assigned,
        submitted_at=submitted,
        conflict_declared_at=assigned if conflict else None,
    )


def acted(user, action: str, idea: Idea, when: datetime.datetime) -> None:
    event = AuditEvent.objects.create(
        actor=user,
        action=action,
        target_type=ContentType.objects.get_for_model(Idea),
        target_id=str(idea.pk),
    )
    AuditEvent.objects.filter(pk=event.pk).update(at=when)


@pytest.fixture
def world(make_user, make_idea):
    owner = make_user(name="Owner")
    rv1 = make_user(role=Role.REVIEWER, name="Reviewer One")
    rv2 = make_user(role=Role.REVIEWER, name="Reviewer Two")
    alpha = Program.objects.create(name="Alpha", slug="alpha")
    beta = Program.objects.create(name="Beta", slug="beta")
    challenge = Challenge.objects.create(
        title="Alpha challenge",
        slug="alpha-challenge",
        program=alpha,
        opens_on=d(5, 1),
        closes_on=d(7, 25),
        required_reviews=2,
    )

    def idea(program, **fields):
        return make_idea(owner, program=program, **fields)

    a1 = idea(alpha, challenge=challenge, stage=Stage.PLANNING)
    a2 = idea(alpha, stage=Stage.DECLINED)
    a3 = idea(alpha, stage=Stage.LAUNCHED)
    a4 = idea(alpha, stage=Stage.WITHDRAWN)
    a5 = idea(alpha, challenge=challenge, stage=Stage.SCREENING)
    b1 = idea(beta, stage=Stage.PROPOSED)
    draft, proposed, screening = Stage.DRAFT, Stage.PROPOSED, Stage.SCREENING
    moves(a1, (draft, proposed, at(7, 2)), (proposed, screening, at(7, 3)),
          (screening, Stage.PLANNING, at(7, 20)))  # fmt: skip
    moves(a2, (draft, proposed, at(7, 5)), (proposed, screening, at(7, 6)),
          (screening, Stage.DECLINED, at(7, 25)))  # fmt: skip
    moves(a3, (draft, proposed, at(6, 10)), (proposed, screening, at(6, 11)),
          (screening, Stage.PLANNING, at(6, 20)))  # fmt: skip
    moves(a4, (draft, Stage.WITHDRAWN, at(7, 8)))  # leaving Draft, not submitting
    moves(b1, (draft, proposed, at(7, 15)))

    # a1 needs 2 on-time reviews: 19 days but before the close date (on time),
    # 24 days and after the close date (late) -> not reviewed on time.
    review(a1, rv1, at(7, 1), at(7, 20))
    review(a1, rv2, at(7, 4), at(7, 28))
    # a2 has no challenge, needs 1: 9 days -> on time.
    review(a2, rv1, at(7, 6), at(7, 15))
    # a3: a declared conflict only -> not counted at all.
    review(a3, rv1, at(7, 7), conflict=True)
    # a5 needs 2: 20 days but before the close (on time), 10 days (on time).
    review(a5, rv1, at(7, 2), at(7, 22))
    review(a5, rv2, at(7, 10), at(7, 20))

    venture = Venture.objects.create(
        name="Alpha venture", slug="alpha-venture", idea=a1, launched_on=d(7, 22)
    )
    older = Venture.objects.create(
        name="Older venture", slug="older-venture", idea=a3, launched_on=d(6, 25)
    )
    ExchangeRate.objects.create(
        currency="EUR", base_currency="USD", rate=Decimal("1.10"), valid_on=d(7, 1)
    )

    def fund(v, amount, currency, day, status=FundingStatus.VERIFIED):
        FundingEvent.objects.create(
            venture=v, kind="seed", amount=amount, currency=currency, date=day,
            status=status,
        )  # fmt: skip

    fund(venture, Decimal("1000"), "EUR", d(7, 23))  # 1100 USD
    fund(venture, Decimal("500"), "USD", d(7, 24))
    fund(venture, Decimal("9999"), "USD", d(7, 24), FundingStatus.REPORTED)
    fund(venture, Decimal("100"), "GBP", d(7, 25))  # no rate: left out, counted
    fund(older, Decimal("300"), "USD", d(6, 15))  # previous period
    for day, jobs in ((d(6, 15), 3), (d(7, 20), 5), (d(7, 29), None), (d(8, 5), 9)):
        ImpactSnapshot.objects.create(venture=venture, date=day, full_time_jobs=jobs)

    members = [make_user(name=f"Member {n}") for n in range(4)]
    for user in members[:3]:
        ProgramMembership.objects.create(program=alpha, user=user, joined_at=at(5, 1))
    ProgramMembership.objects.create(program=alpha, user=members[3], joined_at=at(8, 1))
    ProgramMembership.objects.create(program=beta, user=members[1], joined_at=at(5, 1))
    acted(members[0], "ideas.comment", a1, at(7, 10))  # active in Alpha
    acted(members[1], "ideas.update", b1, at(7, 10))  # active in Beta, not Alpha
    acted(members[2], "programs.update", a1, at(7, 10))  # not an activity
    acted(members[2], "ideas.create", a2, at(6, 15))  # active in June
    acted(members[3], "ideas.comment", a1, at(7, 11))  # joined after the period
    return {"alpha": alpha, "beta": beta}


def _rows(card):
    return {row.indicator: row for row in card.rows}


def test_indicator_figures_match_the_hand_count(world):
    cards = scorecards(Program.objects.all(), JULY)
    assert [c.program.name for c in cards] == ["Alpha", "Beta"]
    alpha, beta = _rows(cards[0]), _rows(cards[1])
    now = {key: row.value for key, row in alpha.items()}
    before = {key: row.previous for key, row in alpha.items()}
    assert now == {
        Indicator.IDEAS_SUBMITTED: 2,  # a1, a2 (a4 was withdrawn, a3 in June)
        Indicator.REVIEWED_ON_TIME: Decimal("66.7"),  # a2, a5 of a1, a2, a5
        Indicator.ADVANCING: Decimal("50.0"),  # a1 of a1, a2
        Indicator.VENTURES_LAUNCHED: 1,
        Indicator.INVESTMENT: Decimal("1600.00"),  # 1000 EUR × 1.10 + 500 USD
        Indicator.JOBS: 5,  # snapshot of 20 July (29 July states none)
        Indicator.MEMBER_ACTIVITY: Decimal("33.3"),  # 1 of 3 members
    }
    assert before == {
        Indicator.IDEAS_SUBMITTED: 1,
        Indicator.REVIEWED_ON_TIME: None,
        Indicator.ADVANCING: Decimal("100.0"),
        Indicator.VENTURES_LAUNCHED: 1,
        Indicator.INVESTMENT: Decimal("300.00"),
        Indicator.JOBS: 3,
        Indicator.MEMBER_ACTIVITY: Decimal("33.3"),
    }
    assert cards[0].unconverted == 1  # the GBP event
    assert {key: row.value for key, row in beta.items()} == {
        Indicator.IDEAS_SUBMITTED: 1,
        Indicator.REVIEWED_ON_TIME: None,
        Indicator.ADVANCING: None,
        Indicator.VENTURES_LAUNCHED: 0,
        Indicator.INVESTMENT: Decimal("0.00"),
        Indicator.JOBS: 0,
        Indicator.MEMBER_ACTIVITY: Decimal("100.0"),
    }


def test_trend_compares_with_the_previous_period(world):
    alpha = _rows(scorecards(Program.objects.filter(slug="alpha"), JULY)[0])
    assert JULY.previous() == Period(d(6, 1), d(6, 30))
    assert (
        alpha[Indicator.IDEAS_SUBMITTED].trend,
        alpha[Indicator.IDEAS_SUBMITTED].delta,
    ) == ("up", 1)
    assert alpha[Indicator.ADVANCING].trend == "down"
    assert alpha[Indicator.ADVANCING].delta == Decimal("-50.0")
    assert alpha[Indicator.INVESTMENT].delta == Decimal("1300.00")
    assert alpha[Indicator.JOBS].delta == 2
    assert alpha[Indicator.VENTURES_LAUNCHED].trend == "flat"
    assert alpha[Indicator.REVIEWED_ON_TIME].trend == ""  # nothing in June


def test_status_against_targets_with_the_amber_band(world):
    alpha, beta = world["alpha"], world["beta"]

    def target(program, indicator, value, direction=Direction.HIGHER, band=10):
        ScorecardTarget.objects.create(
            program=program, indicator=indicator, target=Decimal(value),
            direction=direction, amber_band=Decimal(band),
        )  # fmt: skip

    target(alpha, Indicator.IDEAS_SUBMITTED, "2")  # 2 ≥ 2: green
    target(alpha, Indicator.ADVANCING, "55")  # 50 ≥ 55 − 5.5: amber
    target(alpha, Indicator.REVIEWED_ON_TIME, "90")  # 66.7 < 81: red
    target(alpha, Indicator.JOBS, "4", Direction.LOWER, 50)  # 5 ≤ 4 + 2: amber
    target(alpha, Indicator.MEMBER_ACTIVITY, "40", Direction.LOWER)  # 33.3 ≤ 40
    target(beta, Indicator.REVIEWED_ON_TIME, "80")  # nothing reviewed: no data
    cards = scorecards(Program.objects.all(), JULY)
    alpha_rows, beta_rows = _rows(cards[0]), _rows(cards[1])
    assert {k: r.status for k, r in alpha_rows.items()} == {
        Indicator.IDEAS_SUBMITTED: Status.GREEN,
        Indicator.REVIEWED_ON_TIME: Status.RED,
        Indicator.ADVANCING: Status.AMBER,
        Indicator.VENTURES_LAUNCHED: Status.NO_TARGET,
        Indicator.INVESTMENT: Status.NO_TARGET,
        Indicator.JOBS: Status.AMBER,
        Indicator.MEMBER_ACTIVITY: Status.GREEN,
    }
    assert beta_rows[Indicator.REVIEWED_ON_TIME].status == Status.NO_DATA
    assert alpha_rows[Indicator.ADVANCING].status_text == "Near target"


@pytest.mark.parametrize(
    ("value", "direction", "expected"),
    [
        ("100", Direction.HIGHER, Status.GREEN),
        ("90", Direction.HIGHER, Status.AMBER),  # exactly on the band's edge
        ("89.99", Direction.HIGHER, Status.RED),
        ("100", Direction.LOWER, Status.GREEN),
        ("110", Direction.LOWER, Status.AMBER),
        ("110.01", Direction.LOWER, Status.RED),
    ],
)
def test_status_band_edges(value, direction, expected):
    target = ScorecardTarget(target=Decimal("100"), direction=direction, amber_band=10)
    assert status(Decimal(value), target) == expected
    assert status(Decimal(value), None) == Status.NO_TARGET
    assert status(None, target) == Status.NO_DATA


def test_the_program_page_shows_status_as_text_and_trend_for_screen_readers(
    world, client_for, people
):
    ScorecardTarget.objects.create(
        program=world["alpha"], indicator=Indicator.ADVANCING, target=55
    )
    response = client_for("staff").get(
        "/programs/alpha/scorecard/?period=custom&start=2026-07-01&end=2026-07-30"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "status-amber" in html and "Near target" in html
    assert "Down 50 from 100 in the previous period" in html
    assert "Up 1 from 1 in the previous period" in html
    assert "1 funding event had no exchange rate" in html
    assert "1,600 USD" in html


def test_bad_custom_dates_get_errors_and_the_default_period(world, client_for):
    response = client_for("staff").get(
        "/staff/scorecards/?period=custom&start=2026-07-30&end=2026-07-01"
    )
    assert response.status_code == 200
    assert "The last day is before the first day." in response.content.decode()
    assert response.context["period"].days == 90
