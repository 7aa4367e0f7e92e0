"""City-scale synthetic data for dashboards and benchmarks (``seed_scale``).

Everything is computed in Python first, from one seeded ``random.Random``, and
then inserted with ``bulk_create`` in batches: no per-row ``save()``, no
Markdown rendering per row (each distinct text is rendered once). At
``scale=1`` it writes 20,000 ideas with 100,000 stage changes, 5,000 ventures,
20,000 funding events, 10,000 datasets, 50,000 dataset uses, 50 programs, 200
challenges and 40,000 reviews, plus the people, teams, tags, scores and impact
snapshots they need. Each idea's history is a legal path through
:data:`ideas.stages.TRANSITIONS`, its ``stage`` and ``stage_changed_at`` are
those of its last change, and every launched idea has its venture.

The same ``seed``, ``scale`` and ``now`` give the same data.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from catalog.models import CatalogFormat, CatalogSource, Dataset, Distribution
from challenges.models import Challenge, Criterion, ReviewAssignment, Rubric, Score
from hub.core.models import Role, User
from hub.core.rendering import render_markdown
from ideas.models import Idea, StageChange, TeamMembership, TeamRole, Visibility
from ideas.stages import TRANSITIONS, Actor, Stage
from programs.models import Cohort, MemberRole, Program, ProgramMembership
from ventures.models import (
    DatasetUse,
    ExchangeRate,
    FundingEvent,
    FundingStatus,
    ImpactSnapshot,
    RevenueBand,
    UseExtent,
    Venture,
    VentureMember,
    VentureRole,
    VentureStatus,
)

BATCH = 2000

#: Row counts at scale 1.
FULL = {
    "users": 3000,
    "ideas": 20_000,
    "stage_changes": 100_000,
    "ventures": 5_000,
    "funding_events": 20_000,
    "datasets": 10_000,
    "dataset_uses": 50_000,
    "programs": 50,
    "challenges": 200,
    "reviews": 40_000,
}
#: Floors, so a tiny scale still has every kind of row to look at.
MINIMUM = {
    "users": 40,
    "ideas": 30,
    "stage_changes": 120,
    "ventures": 8,
    "funding_events": 20,
    "datasets": 20,
    "dataset_uses": 40,
    "programs": 2,
    "challenges": 3,
    "reviews": 40,
}

#: How likely each move is when a walk through the pipeline picks the next one.
MOVE_WEIGHTS = {
    (Stage.DRAFT, Stage.PROPOSED): 20,
    (Stage.PROPOSED, Stage.SCREENING): 16,
    (Stage.SCREENING, Stage.PLANNING): 12,
    (Stage.PLANNING, Stage.PILOT): 10,
    (Stage.PILOT, Stage.LAUNCHED): 10,
    (Stage.SCREENING, Stage.PROPOSED): 1,
    (Stage.PLANNING, Stage.SCREENING): 1,
    (Stage.PILOT, Stage.PLANNING): 2,
    (Stage.DECLINED, Stage.SCREENING): 4,
    (Stage.WITHDRAWN, Stage.DRAFT): 4,
}
DECLINE_WEIGHT = 3
WITHDRAW_WEIGHT = 1

WORDS_A = [
    "Open", "Smart", "Green", "Civic", "Shared", "Local", "Safe", "Quiet",
    "Bright", "Fair", "Fast", "Clean", "Urban", "Kind", "Circular", "Public",
]  # fmt: skip
WORDS_B = [
    "parking", "transit", "permits", "housing", "waste", "water", "energy",
    "libraries", "parks", "schools", "food", "bikes", "trees", "noise", "air",
    "streets", "markets", "care", "jobs", "events",
]  # fmt: skip
WORDS_C = ["map", "app", "alerts", "exchange", "co-op", "dashboard", "service", "kit"]
TAGS = [
    "mobility", "climate", "health", "housing", "education", "tourism",
    "retail", "safety", "energy", "water", "food", "culture", "accessibility",
    "open-data", "ai", "logistics", "finance", "civic-tech", "sports", "ageing",
]  # fmt: skip
PUBLISHERS = [f"City department {n}" for n in range(1, 41)] + [
    f"Regional agency {n}" for n in range(1, 21)
]
THEMES = ["Transport", "Environment", "Economy", "Health", "Government", "Society"]
TEXTS = [
    "A short **description** of the idea, who it helps and how.",
    "It builds on the city's open data.\n\n- a pilot with one district\n- a report",
    "Residents asked for this at three neighbourhood meetings.",
    "",
]
NOTE = "Discussed at the weekly pipeline meeting."
USE_TEXTS = [
    "Core input to the **routing** engine.",
    "Joined with survey data for the monthly report.",
    "Shown on the public map, refreshed nightly.",
]
FUNDING_KINDS = [  # kind, weight, low, high (USD)
    ("grant", 30, 5_000, 250_000),
    ("pre_seed", 15, 50_000, 500_000),
    ("seed", 12, 250_000, 3_000_000),
    ("series_a_plus", 3, 2_000_000, 20_000_000),
    ("loan", 12, 10_000, 500_000),
    ("revenue_based", 5, 25_000, 400_000),
    ("contract", 15, 10_000, 1_000_000),
    ("prize", 6, 1_000, 50_000),
    ("acquisition", 1, 1_000_000, 50_000_000),
    ("other", 1, 1_000, 100_000),
]


def counts_for(scale: float) -> dict[str, int]:
    """Target row counts at ``scale`` (1.0 is the city scale of issue 6)."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    return {k: max(MINIMUM[k], round(v * scale)) for k, v in FULL.items()}


def _batched(model: Any, rows: list[Any]) -> list[Any]:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def _rendered(text: str, cache: dict[str, str]) -> str:
    if text not in cache:
        cache[text] = render_markdown(text) if text else ""
    return cache[text]


def _walk(rnd: random.Random, steps: int) -> list[tuple[Stage, Stage]]:
    """A legal path of exactly ``steps`` moves from Draft.

    Launch ends a path, so it is only taken as the last move; every other
    stage has a way on, so a path of any length exists.
    """
    path: list[tuple[Stage, Stage]] = []
    stage = Stage.DRAFT
    for i in range(steps):
        last = i == steps - 1
        options, weights = [], []
        for source, target in TRANSITIONS:
            if source != stage or (target == Stage.LAUNCHED and not last):
                continue
            if (source, target) in MOVE_WEIGHTS:
                weight = MOVE_WEIGHTS[(source, target)]
            elif target == Stage.DECLINED:
                weight = DECLINE_WEIGHT
            elif target == Stage.WITHDRAWN:
                weight = WITHDRAW_WEIGHT
            else:
                weight = 1
            options.append(target)
            weights.append(weight)
        target = rnd.choices(options, weights)[0]
        path.append((stage, target))
        stage = target
    return path


def _lengths(rnd: random.Random, ideas: int, total: int) -> list[int]:
    """Path lengths summing to ``total``: about 8% of ideas stay drafts with
    no move; the rest share the moves at random."""
    lengths = [0] * ideas
    movers = [i for i in range(ideas) if rnd.random() >= 0.08] or list(range(ideas))
    for i in movers:  # every mover was at least submitted
        lengths[i] = 1
    for _ in range(total - len(movers)):
        lengths[rnd.choice(movers)] += 1
    return lengths


def _times(
    rnd: random.Random, start: datetime, now: datetime, moves: int
) -> list[datetime]:
    """``moves`` increasing instants after ``start``, all before ``now``."""
    span = (now - start).total_seconds() * rnd.uniform(0.3, 0.95)
    gaps = [rnd.expovariate(1.0) for _ in range(moves)]
    scale = span / (sum(gaps) or 1.0)
    out, t = [], start
    for gap in gaps:
        t = t + timedelta(seconds=max(60.0, gap * scale))
        out.append(t)
    return out


def generate(
    *, scale: float = 1.0, seed: int = 1, now: datetime | None = None, log: Any = None
) -> dict[str, int]:
    """Write the scale data set; returns the number of rows written per table."""

    def say(msg: str) -> None:
        if log is not None:
            log(msg)

    target = counts_for(scale)
    rnd = random.Random(seed)
    now = now or timezone.now()
    today = now.date()
    html: dict[str, str] = {}
    written: dict[str, int] = {}

    with transaction.atomic():
        # People: a handful of staff, a reviewer pool, entrepreneurs. One
        # unusable password hash for everybody (nobody signs in as them).
        unusable = make_password(None)
        n_users = target["users"]
        n_staff = max(3, n_users // 300)
        n_reviewers = max(6, n_users // 15)
        users = []
        for i in range(n_users):
            role = (
                Role.STAFF
                if i < n_staff
                else Role.REVIEWER
                if i < n_staff + n_reviewers
                else Role.ENTREPRENEUR
            )
            users.append(
                User(
                    email=f"scale-{seed}-{i}@example.org",
                    display_name=f"Scale person {i}",
                    role=role,
                    password=unusable,
                    date_joined=now - timedelta(days=rnd.randint(30, 1500)),
                )
            )
        users = _batched(User, users)
        staff = users[:n_staff]
        reviewers = users[: n_staff + n_reviewers]
        people = users[n_staff + n_reviewers :]
        written["users"] = len(users)
        say(f"users {len(users)}")

        # Programs, cohorts, managers and members.
        programs = []
        for i in range(target["programs"]):
            starts = today - timedelta(days=rnd.randint(60, 1400))
            text = TEXTS[i % len(TEXTS)]
            programs.append(
                Program(
                    name=f"Scale program {i}",
                    slug=f"scale-program-{seed}-{i}",
                    description=text,
                    description_html=_rendered(text, html),
                    starts_on=starts,
                    ends_on=starts + timedelta(days=rnd.choice([180, 365, 730])),
                    created_at=datetime.combine(
                        starts, datetime.min.time(), now.tzinfo
                    ),
                )
            )
        programs = _batched(Program, programs)
        cohorts = _batched(
            Cohort,
            [
                Cohort(
                    program=p,
                    name=f"Cohort {n + 1}",
                    # Every program written above has a start date.
                    starts_on=cast(date, p.starts_on) + timedelta(days=120 * n),
                    ends_on=cast(date, p.starts_on) + timedelta(days=120 * n + 110),
                )
                for p in programs
                for n in range(rnd.randint(1, 3))
            ],
        )
        cohorts_of: dict[int, list[Any]] = {}
        for c in cohorts:
            cohorts_of.setdefault(c.program_id, []).append(c)
        _batched(
            Program.managers.through,
            [
                Program.managers.through(program_id=p.pk, user_id=rnd.choice(staff).pk)
                for p in programs
            ],
        )
        memberships = []
        members_of: dict[int, list[Any]] = {}
        for p in programs:
            chosen = rnd.sample(people, min(len(people), rnd.randint(10, 40)))
            members_of[p.pk] = chosen
            for u in chosen:
                memberships.append(
                    ProgramMembership(
                        program=p,
                        user=u,
                        role=rnd.choices(
                            [MemberRole.RESIDENT, MemberRole.MENTOR], [9, 1]
                        )[0],
                        cohort=rnd.choice(cohorts_of[p.pk]),
                        joined_at=now - timedelta(days=rnd.randint(1, 700)),
                    )
                )
            for u in rnd.sample(reviewers, min(3, len(reviewers))):
                if u not in chosen:
                    memberships.append(
                        ProgramMembership(program=p, user=u, role=MemberRole.REVIEWER)
                    )
        written["program_memberships"] = len(_batched(ProgramMembership, memberships))
        written["programs"] = len(programs)
        written["cohorts"] = len(cohorts)

        # Open-data catalog: a few sources, datasets, some distributions.
        sources = _batched(
            CatalogSource,
            [
                CatalogSource(
                    name=f"Scale catalog {seed}-{n}",
                    location=f"https://data{n}.example.org/data.json",
                    format=fmt,
                    last_imported_at=now - timedelta(days=n + 1),
                )
                for n, fmt in enumerate(
                    [CatalogFormat.DCAT_US, CatalogFormat.CKAN, CatalogFormat.SOCRATA]
                )
            ],
        )
        datasets = []
        for i in range(target["datasets"]):
            ident = f"ds-{i}"
            datasets.append(
                Dataset(
                    source=sources[i % len(sources)],
                    identifier=ident,
                    title=f"{rnd.choice(WORDS_A)} {rnd.choice(WORDS_B)} data {i}",
                    description="Records published by the city.",
                    publisher=rnd.choice(PUBLISHERS),
                    keywords=rnd.sample(TAGS, 2),
                    themes=[rnd.choice(THEMES)],
                    licence="CC-BY-4.0",
                    landing_page=f"https://data.example.org/d/{i}",
                    modified=today - timedelta(days=rnd.randint(0, 2000)),
                    withdrawn=rnd.random() < 0.02,
                    content_hash=hashlib.sha256(ident.encode()).hexdigest(),
                )
            )
        datasets = _batched(Dataset, datasets)
        written["datasets"] = len(datasets)
        written["distributions"] = len(
            _batched(
                Distribution,
                [
                    Distribution(
                        dataset=d,
                        title="CSV",
                        format="CSV",
                        url=f"https://data.example.org/d/{d.identifier}.csv",
                        media_type="text/csv",
                    )
                    for d in datasets
                    if rnd.random() < 0.5
                ],
            )
        )
        say(f"datasets {len(datasets)}")

        # Challenges, each with its own rubric and criteria.
        n_ch = target["challenges"]
        rubrics = _batched(
            Rubric,
            [
                Rubric(
                    name=f"Rubric for scale challenge {i}",
                    scale_min=(lo := rnd.choice([0, 1])),
                    scale_max=rnd.choice([5, 10]) if lo == 0 else 5,
                )
                for i in range(n_ch)
            ],
        )
        criteria = _batched(
            Criterion,
            [
                Criterion(
                    rubric=r,
                    name=name,
                    weight=rnd.randint(1, 5),
                    position=pos,
                )
                for r in rubrics
                for pos, name in enumerate(
                    ["Impact", "Feasibility", "Team", "Use of open data", "Cost"][
                        : rnd.randint(3, 5)
                    ]
                )
            ],
        )
        default = Rubric.objects.get(is_default=True)
        criteria_of: dict[int, list[Any]] = {default.pk: list(default.criteria.all())}
        for c in criteria:
            criteria_of.setdefault(c.rubric_id, []).append(c)
        scale_of = {r.pk: (r.scale_min, r.scale_max) for r in [*rubrics, default]}
        challenges = []
        for i, rubric in enumerate(rubrics):
            opens = today - timedelta(days=rnd.randint(0, 1000))
            text = TEXTS[i % len(TEXTS)]
            challenges.append(
                Challenge(
                    title=f"How might we improve {rnd.choice(WORDS_B)}? ({i})",
                    slug=f"scale-challenge-{seed}-{i}",
                    brief=text,
                    brief_html=_rendered(text, html),
                    program=rnd.choice(programs) if rnd.random() < 0.3 else None,
                    opens_on=opens,
                    closes_on=opens + timedelta(days=rnd.randint(30, 240)),
                    created_by=rnd.choice(staff),
                    rubric=rubric,
                    required_reviews=rnd.choice([0, 0, 1, 2, 3]),
                )
            )
        challenges = _batched(Challenge, challenges)
        _batched(
            Challenge.datasets.through,
            [
                Challenge.datasets.through(challenge_id=c.pk, dataset_id=d.pk)
                for c in challenges
                for d in rnd.sample(datasets, min(3, len(datasets)))
            ],
        )
        written["challenges"] = len(challenges)
        written["rubrics"] = len(rubrics)
        written["criteria"] = len(criteria)

        # Ideas and their paths through the pipeline.
        n_ideas = target["ideas"]
        lengths = _lengths(rnd, n_ideas, target["stage_changes"])
        ideas, paths = [], []
        for i in range(n_ideas):
            created = now - timedelta(
                days=rnd.uniform(10, 1100), seconds=rnd.randint(0, 86_399)
            )
            path = _walk(rnd, lengths[i])
            times = _times(rnd, created, now, len(path))
            challenge = rnd.choice(challenges) if rnd.random() < 0.5 else None
            if challenge is not None and challenge.program_id:
                program_id = challenge.program_id
            elif rnd.random() < 0.35:
                program_id = rnd.choice(programs).pk
            else:
                program_id = None
            visibility = rnd.choices(
                [Visibility.PUBLIC, Visibility.PROGRAM, Visibility.TEAM],
                [4, 2 if program_id else 0, 4],
            )[0]
            text = TEXTS[i % len(TEXTS)]
            title = (
                f"{rnd.choice(WORDS_A)} {rnd.choice(WORDS_B)} "
                f"{rnd.choice(WORDS_C)} #{i}"
            )
            owner = (
                rnd.choice(members_of[program_id])
                if program_id and rnd.random() < 0.7
                else rnd.choice(people)
            )
            ideas.append(
                Idea(
                    title=title,
                    pitch=f"{title} helps residents with {rnd.choice(WORDS_B)}.",
                    problem="Residents lose time today.",
                    solution="A simple service built on open data.",
                    description=text,
                    description_html=_rendered(text, html),
                    owner=owner,
                    visibility=visibility,
                    program_id=program_id,
                    challenge=challenge,
                    stage=path[-1][1] if path else Stage.DRAFT,
                    stage_changed_at=times[-1] if times else created,
                    created_at=created,
                )
            )
            paths.append(list(zip(path, times, strict=True)))
        ideas = _batched(Idea, ideas)
        written["ideas"] = len(ideas)
        say(f"ideas {len(ideas)}")

        changes = []
        for idea, timed_path in zip(ideas, paths, strict=True):
            for (source, dest), at in timed_path:
                move = TRANSITIONS[(source, dest)]
                changes.append(
                    StageChange(
                        idea=idea,
                        from_stage=source,
                        to_stage=dest,
                        actor=idea.owner
                        if move.actor != Actor.STAFF
                        else staff[idea.pk % len(staff)],
                        at=at,
                        note=NOTE if move.needs_note else "",
                    )
                )
        written["stage_changes"] = len(_batched(StageChange, changes))
        del changes
        say(f"stage changes {written['stage_changes']}")

        team = []
        for idea in ideas:
            if rnd.random() < 0.3:
                for u in rnd.sample(people, 2):
                    if u.pk != idea.owner_id and rnd.random() < 0.8:
                        team.append(
                            TeamMembership(
                                idea=idea,
                                user=u,
                                role=rnd.choice([TeamRole.EDITOR, TeamRole.VIEWER]),
                                added_by=idea.owner,
                                added_at=idea.created_at + timedelta(days=1),
                            )
                        )
        written["team_memberships"] = len(_batched(TeamMembership, team))

        # Tags on ideas (and sectors on ventures, below): taggit's own tables.
        have = {t.name: t for t in Tag.objects.filter(name__in=TAGS)}
        _batched(Tag, [Tag(name=t, slug=t) for t in TAGS if t not in have])
        tags = sorted(
            Tag.objects.filter(name__in=TAGS), key=lambda t: TAGS.index(t.name)
        )
        idea_ct = ContentType.objects.get_for_model(Idea)
        tagged = [
            TaggedItem(tag=t, content_type=idea_ct, object_id=idea.pk)
            for idea in ideas
            for t in rnd.sample(tags, rnd.choice([0, 1, 1, 2, 3]))
        ]

        # Ventures: every launched idea, plus staff-entered ones.
        launched = [
            (idea, path) for idea, path in zip(ideas, paths, strict=True)
            if idea.stage == Stage.LAUNCHED
        ]  # fmt: skip
        n_ventures = max(target["ventures"], len(launched))
        ventures = []
        for n in range(n_ventures):
            launched_idea = launched[n][0] if n < len(launched) else None
            on = (
                launched[n][1][-1][1].date()
                if launched_idea
                else today - timedelta(days=rnd.randint(30, 3000))
            )
            name = launched_idea.title if launched_idea else f"Scale venture {n}"
            text = TEXTS[n % len(TEXTS)]
            ventures.append(
                Venture(
                    name=name,
                    slug=f"{slugify(name)[:120]}-{seed}-{n}",
                    description=text,
                    description_html=_rendered(text, html),
                    founded_on=on - timedelta(days=rnd.randint(0, 400)),
                    status=rnd.choices(
                        [
                            VentureStatus.OPERATING,
                            VentureStatus.ACQUIRED,
                            VentureStatus.CLOSED,
                        ],
                        [80, 5, 15],
                    )[0],
                    launched_on=on,
                    idea=launched_idea,
                )
            )
        ventures = _batched(Venture, ventures)
        written["ventures"] = len(ventures)
        venture_ct = ContentType.objects.get_for_model(Venture)
        tagged += [
            TaggedItem(tag=t, content_type=venture_ct, object_id=v.pk)
            for v in ventures
            for t in rnd.sample(tags, rnd.choice([1, 1, 2]))
        ]
        written["tagged_items"] = len(_batched(TaggedItem, tagged))
        del tagged

        vmembers, founder_of = [], {}
        for v in ventures:
            founder = v.idea.owner if v.idea else rnd.choice(people)
            founder_of[v.pk] = founder
            vmembers.append(
                VentureMember(venture=v, user=founder, role=VentureRole.FOUNDER)
            )
            other = rnd.choice(people)
            if other.pk != founder.pk and rnd.random() < 0.5:
                vmembers.append(VentureMember(venture=v, user=other))
        written["venture_members"] = len(_batched(VentureMember, vmembers))
        say(f"ventures {len(ventures)}")

        # Funding: mostly in the base currency, a few in EUR with a rate.
        base = settings.BASE_CURRENCY
        other_currency = "EUR" if base != "EUR" else "USD"
        if not ExchangeRate.objects.filter(
            currency=other_currency, base_currency=base
        ).exists():
            ExchangeRate.objects.create(
                currency=other_currency,
                base_currency=base,
                rate=Decimal("1.08"),
                valid_on=today - timedelta(days=3000),
                entered_by=staff[0],
            )
        kinds = [k[0] for k in FUNDING_KINDS]
        kind_weights = [k[1] for k in FUNDING_KINDS]
        bounds = {k[0]: (k[2], k[3]) for k in FUNDING_KINDS}
        events = []
        for _ in range(target["funding_events"]):
            v = rnd.choice(ventures)
            kind = rnd.choices(kinds, kind_weights)[0]
            low, high = bounds[kind]
            note_only = rnd.random() < 0.03
            amount = (
                None
                if note_only
                else Decimal(round(rnd.uniform(low, high), -2)).quantize(
                    Decimal("0.01")
                )
            )
            verified = amount is not None and rnd.random() < 0.6
            when = v.launched_on + timedelta(
                days=rnd.randint(-300, max(0, (today - v.launched_on).days))
            )
            events.append(
                FundingEvent(
                    venture=v,
                    kind=kind,
                    amount=amount,
                    currency=other_currency if rnd.random() < 0.05 else base,
                    date=min(when, today),
                    investors=f"Fund {rnd.randint(1, 300)}",
                    note="Reported in the annual survey." if note_only else "",
                    status=FundingStatus.VERIFIED
                    if verified
                    else FundingStatus.REPORTED,
                    recorded_by=founder_of[v.pk],
                    verified_by=rnd.choice(staff) if verified else None,
                    verified_at=now - timedelta(days=rnd.randint(0, 300))
                    if verified
                    else None,
                )
            )
        written["funding_events"] = len(_batched(FundingEvent, events))
        del events

        snapshots = []
        bands = [b for b, _label in RevenueBand.choices]
        for v in ventures:
            jobs = rnd.randint(1, 5)
            for n in range(rnd.randint(1, 4)):
                jobs = max(0, jobs + rnd.randint(-1, 6))
                snapshots.append(
                    ImpactSnapshot(
                        venture=v,
                        date=min(today, v.launched_on + timedelta(days=180 * (n + 1))),
                        full_time_jobs=jobs,
                        revenue_band=rnd.choice(bands),
                        customers=rnd.randint(0, 5000),
                        source="Annual survey",
                        recorded_by=rnd.choice(staff),
                    )
                )
        written["impact_snapshots"] = len(_batched(ImpactSnapshot, snapshots))
        del snapshots
        say(f"funding events {written['funding_events']}")

        # Dataset uses: unique per (venture, dataset), spread over ventures.
        n_uses = min(target["dataset_uses"], len(ventures) * len(datasets))
        per_venture = [n_uses // len(ventures)] * len(ventures)
        for n in range(n_uses - sum(per_venture)):
            per_venture[n] += 1
        popular = datasets[: max(1, len(datasets) // 20)]  # a long tail
        uses = []
        for v, k in zip(ventures, per_venture, strict=True):
            picked: set[int] = set()
            while len(picked) < k:
                pool = popular if rnd.random() < 0.3 else datasets
                picked.add(rnd.randrange(len(pool)))  # popular ones lead the list
            for index in sorted(picked):
                text = rnd.choice(USE_TEXTS)
                uses.append(
                    DatasetUse(
                        venture=v,
                        dataset=datasets[index],
                        how=text,
                        how_html=_rendered(text, html),
                        extent=rnd.choice([UseExtent.CORE, UseExtent.SUPPORTING]),
                        quality=rnd.choice([None, 1, 2, 3, 4, 5]),
                        created_by=founder_of[v.pk],
                    )
                )
        written["dataset_uses"] = len(_batched(DatasetUse, uses))
        del uses
        say(f"dataset uses {written['dataset_uses']}")

        # Reviews: assignments on submitted ideas, unique per (idea, reviewer);
        # most submitted with every criterion scored, some drafts, a few
        # conflicts.
        submitted = [i for i in ideas if i.stage != Stage.DRAFT] or ideas
        per_idea: dict[int, int] = {}
        for _ in range(target["reviews"]):
            idea = rnd.choice(submitted)
            if per_idea.get(idea.pk, 0) < len(reviewers):
                per_idea[idea.pk] = per_idea.get(idea.pk, 0) + 1
        by_pk = {i.pk: i for i in submitted}
        # Keyed by challenge id; an idea without a challenge (None) gets the default.
        rubric_of: dict[int | None, Any] = {c.pk: c.rubric_id for c in challenges}

        assignments, plans = [], []
        for pk in sorted(per_idea):
            idea = by_pk[pk]
            for reviewer in rnd.sample(reviewers, per_idea[pk]):
                assigned = idea.created_at + timedelta(days=rnd.randint(1, 20))
                state = rnd.choices(["submitted", "draft", "conflict"], [85, 12, 3])[0]
                assignments.append(
                    ReviewAssignment(
                        idea=idea,
                        reviewer=reviewer,
                        assigned_by=staff[pk % len(staff)],
                        assigned_at=assigned,
                        submitted_at=assigned + timedelta(days=rnd.randint(1, 30))
                        if state == "submitted"
                        else None,
                        conflict_declared_at=assigned + timedelta(hours=2)
                        if state == "conflict"
                        else None,
                        conflict_reason="Former colleague."
                        if state == "conflict"
                        else "",
                    )
                )
                plans.append((state, rubric_of.get(idea.challenge_id, default.pk)))
        assignments = _batched(ReviewAssignment, assignments)
        written["reviews"] = len(assignments)
        scores = []
        for a, (state, rubric_id) in zip(assignments, plans, strict=True):
            if state == "conflict":
                continue
            lo, hi = scale_of[rubric_id]
            crit = criteria_of[rubric_id]
            if state == "draft":
                crit = crit[: rnd.randint(0, len(crit))]
            for c in crit:
                scores.append(
                    Score(
                        assignment=a,
                        criterion=c,
                        value=rnd.randint(lo, hi),
                        scale_min=lo,
                        scale_max=hi,
                    )
                )
        written["scores"] = len(_batched(Score, scores))
        say(f"reviews {written['reviews']}, scores {written['scores']}")
    return written


def today_anchor() -> datetime:
    """Midnight today (UTC): the default ``now`` of ``seed_scale``, so two runs
    on the same day with the same seed give the same data."""
    d: date = timezone.now().date()
    return datetime(d.year, d.month, d.day, tzinfo=UTC)
