"""Build a believable demo cluster; running it again changes nothing."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from pycrdt import Text

from demo.challenges import seed_challenges
from demo.programs import seed_programs
from demo.ventures import seed_ventures_data
from hub.core.models import Role, User
from hub.core.services import staff_group
from ideas import documents as store
from ideas import plans
from ideas.models import (
    Comment,
    Idea,
    StageChange,
    TeamMembership,
    TeamRole,
    Visibility,
)
from ideas.plans import get_or_create_plan
from ideas.stages import PIPELINE, Stage
from ventures.services import create_venture_from_idea

DEMO_PASSWORD = "clusterhub-demo"

PEOPLE = [
    # email, display name, organisation, role, skills
    ("staff@demo.clusterhub.test", "Dana Okafor", "City Economic Development", Role.STAFF, ["economic development", "procurement"]),
    ("staff2@demo.clusterhub.test", "Marc Lefèvre", "City Economic Development", Role.STAFF, ["open data", "grants"]),
    ("reviewer@demo.clusterhub.test", "Priya Raman", "University Venture Lab", Role.REVIEWER, ["finance", "due diligence"]),
    ("reviewer2@demo.clusterhub.test", "Tomás Herrera", "Chamber of Commerce", Role.REVIEWER, ["retail", "logistics"]),
    ("amara@demo.clusterhub.test", "Amara Diallo", "Curbside Labs", Role.ENTREPRENEUR, ["mobility", "python"]),
    ("ben@demo.clusterhub.test", "Ben Whitfield", "", Role.ENTREPRENEUR, ["hardware", "energy"]),
    ("chen@demo.clusterhub.test", "Chen Wei", "GreenRoof Co-op", Role.ENTREPRENEUR, ["urban farming", "design"]),
    ("elif@demo.clusterhub.test", "Elif Yilmaz", "", Role.ENTREPRENEUR, ["machine learning", "health"]),
    ("jonas@demo.clusterhub.test", "Jonas Berg", "Harbourside Studio", Role.ENTREPRENEUR, ["civic tech", "ux"]),
    ("lucia@demo.clusterhub.test", "Lucía Navarro", "", Role.ENTREPRENEUR, ["education", "community"]),
    ("kofi@demo.clusterhub.test", "Kofi Mensah", "Night Market Collective", Role.ENTREPRENEUR, ["food", "events"]),
    ("sara@demo.clusterhub.test", "Sara Lindqvist", "", Role.ENTREPRENEUR, ["water", "sensors"]),
]  # fmt: skip

IDEAS = [
    # title, pitch, tags
    ("Curbside delivery windows", "Let couriers book 15-minute curb slots so double parking ends on main streets.", ["mobility", "logistics"]),
    ("Storefront vacancy map", "A live map of empty storefronts with landlord contacts for pop-up tenants.", ["retail", "open data"]),
    ("Rooftop greenhouse network", "Turn flat public roofs into leased greenhouses run by growers' co-ops.", ["urban farming", "climate"]),
    ("Pothole photo triage", "Citizens photograph potholes; a model ranks them by severity for crews.", ["machine learning", "roads"]),
    ("Night market permits in a day", "One online form for night-market vendors instead of five offices.", ["permits", "food"]),
    ("Tool library lockers", "Smart lockers at libraries lending drills, ladders and sewing machines.", ["circular economy", "community"]),
    ("School bus route optimiser", "Re-plan school bus routes weekly from enrolment data to cut miles.", ["education", "mobility"]),
    ("Heat-risk street trees", "Plant trees where heat maps and bus-stop waits overlap.", ["climate", "open data"]),
    ("Translation on call for clinics", "Book a medical interpreter by video in under two minutes.", ["health", "language"]),
    ("Flood sensor kit for basements", "Cheap sensors that text owners and the city when basements flood.", ["water", "sensors"]),
    ("Apprenticeship matchmaker", "Match small trades businesses with apprentices from city programs.", ["jobs", "education"]),
    ("Open procurement calendar", "Every upcoming city tender in one calendar, with plain-language summaries.", ["procurement", "open data"]),
    ("Bike-lane snow clearing tracker", "Show which bike lanes are cleared after snowfall, street by street.", ["mobility", "winter"]),
    ("Kitchen incubator booking", "Hourly booking for certified commercial kitchens in community centres.", ["food", "small business"]),
    ("Noise complaints to quiet hours", "Use complaint data to set event quiet hours street by street.", ["open data", "nightlife"]),
    ("Accessible entrance survey", "Volunteers map step-free entrances to shops; owners get grants to fix.", ["accessibility", "retail"]),
    ("Solar on parking canopies", "Lease city parking lots for solar canopies that shade cars.", ["energy", "climate"]),
    ("Senior ride share", "Neighbours drive seniors to appointments, with city-backed insurance.", ["mobility", "health"]),
    ("Repair café franchise kit", "A kit to open a monthly repair café in any neighbourhood.", ["circular economy", "community"]),
    ("Street vendor payments", "Contactless payments and daily payouts for licensed street vendors.", ["fintech", "small business"]),
    ("Childcare vacancy finder", "Real-time open childcare spots from licensed providers.", ["childcare", "open data"]),
    ("Construction noise forecast", "Tell residents a week ahead when nearby construction gets loud.", ["construction", "open data"]),
    ("Water main leak listening", "Acoustic sensors on hydrants to hear leaks before they burst.", ["water", "sensors"]),
    ("Makerspace for teens", "After-school makerspace with mentors from local manufacturers.", ["education", "hardware"]),
    ("Local-first food boxes", "Weekly boxes from farms within 100 km, delivered by cargo bike.", ["food", "logistics"]),
    ("Public Wi-Fi heat map", "Map public Wi-Fi quality so the city fixes dead zones first.", ["connectivity", "open data"]),
    ("Parking sensor data exchange", "Sell anonymised parking occupancy to navigation apps.", ["mobility", "open data"]),
    ("Small landlord energy retrofits", "Bundle retrofits for small landlords to get bulk prices.", ["energy", "housing"]),
    ("Library co-working desks", "Bookable co-working desks in branch libraries for freelancers.", ["work", "community"]),
    ("Graffiti removal marketplace", "Owners post graffiti jobs; vetted crews bid and get paid by the city.", ["marketplace", "public space"]),
    ("Air quality at school gates", "Low-cost sensors and a school-run traffic plan where air is worst.", ["health", "sensors"]),
    ("Community solar subscriptions", "Renters subscribe to a share of a neighbourhood solar array.", ["energy", "housing"]),
    ("Tourist crowd nowcast", "Tell visitors which sights are crowded right now.", ["tourism", "open data"]),
    ("Refill station network", "Water refill stations in shops, mapped and rated.", ["water", "retail"]),
    ("Permit status texts", "Text applicants when their building permit moves a step.", ["permits", "civic tech"]),
    ("Micro-grants for block parties", "Apply in five minutes for a 300-euro block party grant.", ["community", "grants"]),
    ("Wheelchair route planner", "Routes that avoid kerbs, steep slopes and broken lifts.", ["accessibility", "mobility"]),
    ("Second-hand building materials", "A yard and web shop for salvaged doors, bricks and timber.", ["circular economy", "construction"]),
    ("Language café for newcomers", "Weekly conversation tables pairing newcomers with local volunteers.", ["language", "community"]),
    ("Freight consolidation hub", "One edge-of-town depot so trucks stop crossing the old town.", ["logistics", "climate"]),
]  # fmt: skip

# How many of the 40 ideas end in each stage.
STAGE_PLAN = (
    [Stage.DRAFT] * 5 + [Stage.PROPOSED] * 7 + [Stage.SCREENING] * 7 + [Stage.PLANNING] * 6
    + [Stage.PILOT] * 5 + [Stage.LAUNCHED] * 4 + [Stage.DECLINED] * 4 + [Stage.WITHDRAWN] * 2
)  # fmt: skip

COMMENTS = [
    "Have you talked to the **transport department**? They ran a similar trial in 2023.",
    "Love this. Which neighbourhood would you pilot in first?",
    "The open data portal has a dataset that could help: see the *catalog* page.",
    "What does it cost per user per year? A rough number is fine.",
    "We could help with design and user testing, ping me.",
    "Please add the expected number of jobs to the description.",
]


class Command(BaseCommand):
    help = "Load demo people, ideas, histories, comments and ventures (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            people, new_people = self._people()
            new_ideas = self._ideas(people)
            seed_programs()  # before the challenges: one of them is the program's
            new_challenges = seed_challenges()
            seed_ventures_data()  # catalog, data uses, funding, impact
        self.stdout.write(
            f"Demo data: {new_people} people and {new_ideas} ideas created "
            f"({len(PEOPLE)} people and {len(IDEAS)} ideas in the demo)."
        )
        self.stdout.write(f"Demo challenges created: {new_challenges}.")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, name, _org, role, _skills in PEOPLE:
            self.stdout.write(f"  {email:<34} {name:<16} {Role(role).label}")

    def _people(self) -> tuple[dict[str, User], int]:
        people: dict[str, User] = {}
        created = 0
        group = None
        for email, name, org, role, skills in PEOPLE:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User(email=email, display_name=name, organisation=org, role=role)
                user.is_staff = role == Role.STAFF
                user.set_password(DEMO_PASSWORD)
                user.save()
                user.skills.set(skills)
                if role == Role.STAFF:
                    group = group or staff_group()
                    user.groups.add(group)
                created += 1
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            people[email] = user
        return people, created

    def _ideas(self, people: dict[str, User]) -> int:
        rng = random.Random(2026)  # noqa: S311 - demo data, not security
        entrepreneurs = [p for p in people.values() if p.role == Role.ENTREPRENEUR]
        staff = [p for p in people.values() if p.role == Role.STAFF]
        commenters = list(people.values())
        now = timezone.now().replace(microsecond=0)
        created = 0
        for index, ((title, pitch, tags), final) in enumerate(
            zip(IDEAS, STAGE_PLAN, strict=True)
        ):
            owner = entrepreneurs[index % len(entrepreneurs)]
            if Idea.objects.filter(title=title, owner=owner).exists():
                continue
            start = now - timedelta(days=300 - index * 4)
            idea = Idea.objects.create(
                title=title,
                pitch=pitch,
                problem=(
                    "Nobody in the city offers this today, so residents and local "
                    "businesses lose time and money working around it."
                ),
                solution=pitch,
                description=(
                    f"## Why now\n\n{pitch}\n\n## Who benefits\n\n- residents\n- local businesses\n\n"
                    "| Milestone | When |\n|---|---|\n| Prototype | month 1 |\n| Pilot | month 4 |\n"
                ),
                owner=owner,
                visibility=Visibility.PUBLIC if index % 3 else Visibility.TEAM,
                created_at=start,
            )
            idea.tags.set(tags)
            teammate = entrepreneurs[(index + 1) % len(entrepreneurs)]
            TeamMembership.objects.create(
                idea=idea,
                user=teammate,
                role=TeamRole.EDITOR if index % 2 else TeamRole.VIEWER,
                added_by=owner,
                added_at=start,
            )
            self._history(idea, final, start, owner, staff, rng)
            for n in range(index % 4):
                Comment.objects.create(
                    idea=idea,
                    author=commenters[(index + n * 5) % len(commenters)],
                    body=COMMENTS[(index + n) % len(COMMENTS)],
                    created_at=start + timedelta(days=3 + n * 2),
                )
            if final in (Stage.PLANNING, Stage.PILOT, Stage.LAUNCHED):
                self._plan(idea, pitch)
            if final == Stage.LAUNCHED:
                create_venture_from_idea(idea, actor=staff[0])
            created += 1
        return created

    @staticmethod
    def _plan(idea: Idea, pitch: str) -> None:
        """A started business plan: the template with the first answers typed
        in, written as a Yjs edit like the browser would make."""
        plan = get_or_create_plan(idea)
        doc = store.load_doc(plan.pk)
        before = doc.get_state()
        text = doc.get(store.TEXT_NAME, type=Text)
        answer = f"\n{pitch}\n"
        anchor = "## Unique value proposition"
        text.insert(str(text).index(anchor) + len(anchor), "\n" + answer)
        store.append_updates(plan.pk, [doc.get_update(before)])
        plans.save_text(plan.pk, str(text))

    def _history(self, idea, final, start, owner, staff, rng) -> None:
        path = self._path_to(final)
        when = start
        for source, target in zip(path, path[1:], strict=False):
            when = when + timedelta(days=rng.randint(3, 20))
            actor = (
                owner
                if target in (Stage.PROPOSED, Stage.WITHDRAWN)
                else rng.choice(staff)
            )
            note = ""
            if target == Stage.DECLINED:
                note = (
                    "Thank you for the proposal. The reviewers found the market too small "
                    "for now; consider partnering with an existing operator and reapply."
                )
            StageChange.objects.create(
                idea=idea,
                from_stage=source,
                to_stage=target,
                actor=actor,
                at=when,
                note=note,
            )
        Idea.objects.filter(pk=idea.pk).update(
            stage=final, stage_changed_at=when, updated_at=when
        )
        idea.stage = final

    @staticmethod
    def _path_to(final: Stage) -> list[Stage]:
        if final == Stage.DECLINED:
            return [Stage.DRAFT, Stage.PROPOSED, Stage.SCREENING, Stage.DECLINED]
        if final == Stage.WITHDRAWN:
            return [Stage.DRAFT, Stage.PROPOSED, Stage.WITHDRAWN]
        return PIPELINE[: PIPELINE.index(final) + 1]
