"""Demo data for programs (called by ``seed_demo``; a second run changes nothing).

"Startup in Residence 2027", managed by Dana (staff), with two cohorts. Amara
and Chen (residents), Priya (reviewer) and Tomás (mentor) joined through
invitations they accepted. Lucía (who has an account) and a newcomer without
one are invited and pending: ``make run`` prints their invitation e-mails,
whose links work. Seven of Amara's and Chen's ideas are in the program (two
drafts, one of them visible to program members only, and five already
submitted), and the program has scorecard targets.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from hub.core.models import User
from ideas import services as idea_services
from ideas.models import Idea, Visibility
from programs import services
from programs.models import Direction, Indicator, Invitation, MemberRole, Program

SLUG = "startup-in-residence-2027"
MANAGER = "staff@demo.clusterhub.test"
LINK_BASE = "http://127.0.0.1:8000/"
ACCEPTED = [
    # e-mail, role, cohort
    ("amara@demo.clusterhub.test", MemberRole.RESIDENT, "Spring 2027"),
    ("chen@demo.clusterhub.test", MemberRole.RESIDENT, "Spring 2027"),
    ("reviewer@demo.clusterhub.test", MemberRole.REVIEWER, None),
    ("reviewer2@demo.clusterhub.test", MemberRole.MENTOR, None),
]
PENDING = [
    ("lucia@demo.clusterhub.test", MemberRole.RESIDENT, "Autumn 2027"),
    ("newcomer@demo.clusterhub.test", MemberRole.RESIDENT, "Autumn 2027"),
]
#: The demo program's scorecard targets: indicator, target, direction.
SCORECARD_TARGETS = [
    (Indicator.IDEAS_SUBMITTED, "2", Direction.HIGHER),
    (Indicator.REVIEWED_ON_TIME, "55", Direction.HIGHER),
    (Indicator.ADVANCING, "50", Direction.HIGHER),
    (Indicator.VENTURES_LAUNCHED, "1", Direction.HIGHER),
    (Indicator.INVESTMENT, "250000", Direction.HIGHER),
    (Indicator.JOBS, "10", Direction.HIGHER),
    (Indicator.MEMBER_ACTIVITY, "60", Direction.HIGHER),
]
PROGRAM_IDEAS = [
    # title, visibility
    ("Curbside delivery windows", Visibility.PROGRAM),
    ("Rooftop greenhouse network", None),  # keeps its own visibility
    # Submitted ideas of the residents, so the program's scorecard has figures.
    ("Local-first food boxes", None),
    ("Parking sensor data exchange", None),
    ("Solar on parking canopies", None),
    ("Repair café franchise kit", None),
    ("Apprenticeship matchmaker", None),
]


@transaction.atomic
def seed_programs() -> int:
    """Create the demo program (once); returns how many programs were created."""
    manager = User.objects.filter(email=MANAGER).first()
    if manager is None or Program.objects.filter(slug=SLUG).exists():
        return 0
    program = services.create_program(
        actor=manager,
        fields={
            "name": "Startup in Residence 2027",
            "slug": SLUG,
            "description": (
                "Sixteen weeks inside City Hall: residents build and pilot their "
                "product with the department that has the problem.\n\n"
                "- Weekly mentor hours\n- A pilot agreement at demo day\n"
            ),
            "starts_on": date(2027, 3, 1),
            "ends_on": date(2027, 11, 30),
        },
        managers=[manager],
    )
    cohorts = {
        name: services.add_cohort(
            program, actor=manager, fields={"name": name, "starts_on": starts}
        )
        for name, starts in [
            ("Spring 2027", date(2027, 3, 1)),
            ("Autumn 2027", date(2027, 9, 1)),
        ]
    }
    for email, role, cohort in ACCEPTED + PENDING:
        services.send_invitations(
            program,
            actor=manager,
            text=email,
            role=role,
            cohort=cohorts.get(cohort or ""),
            link_base=LINK_BASE,
        )
    for email, _role, _cohort in ACCEPTED:
        person = User.objects.get(email=email)
        invitation = Invitation.objects.get(program=program, email=email)
        services.accept_invitation(invitation, user=person)
    members = [e for e, _r, _c in ACCEPTED]
    for title, visibility in PROGRAM_IDEAS:
        idea = Idea.objects.filter(title=title, owner__email__in=members).first()
        if idea is None or not idea.owner.has_perm("ideas.edit_idea", idea):
            continue
        fields = {"program": program, "visibility": visibility or idea.visibility}
        idea_services.update_idea(idea, actor=idea.owner, fields=fields)
    services.set_scorecard_targets(
        program,
        actor=manager,
        specs={
            indicator: services.TargetSpec(Decimal(target), direction, Decimal(10))
            for indicator, target, direction in SCORECARD_TARGETS
        },
    )
    return 1
