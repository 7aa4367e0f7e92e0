"""The idea pipeline: its stages and the one table of allowed moves.

Every stage change goes through :func:`ideas.services.move_idea`, which looks
the move up here. A move not in :data:`TRANSITIONS` does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PROPOSED = "proposed", _("Proposed")
    SCREENING = "screening", _("Screening")
    PLANNING = "planning", _("Business planning")
    PILOT = "pilot", _("Pilot")
    LAUNCHED = "launched", _("Launched")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: The main line, in order; Declined and Withdrawn sit off it.
PIPELINE = [
    Stage.DRAFT,
    Stage.PROPOSED,
    Stage.SCREENING,
    Stage.PLANNING,
    Stage.PILOT,
    Stage.LAUNCHED,
]
BOARD_ORDER = [*PIPELINE, Stage.DECLINED, Stage.WITHDRAWN]
#: Stages in which the team may still edit the idea's text.
EDITABLE = {Stage.DRAFT, Stage.PROPOSED, Stage.SCREENING, Stage.PLANNING, Stage.PILOT}
#: Stages past submission, which the city's reviewers and staff can see.
SUBMITTED = set(Stage) - {Stage.DRAFT}


class Actor(StrEnum):
    """Who may perform a move."""

    OWNER = "owner"  # the idea's owner only
    TEAM = "team"  # owner or a team editor
    STAFF = "staff"  # the city's economic-development staff


@dataclass(frozen=True)
class Transition:
    source: Stage
    target: Stage
    actor: Actor
    label: str
    needs_note: bool = False


def _t(source, target, actor, label, needs_note=False) -> Transition:
    return Transition(Stage(source), Stage(target), actor, label, needs_note)


TRANSITIONS: dict[tuple[Stage, Stage], Transition] = {
    (t.source, t.target): t
    for t in [
        _t(Stage.DRAFT, Stage.PROPOSED, Actor.TEAM, _("Submit to the city")),
        _t(Stage.PROPOSED, Stage.SCREENING, Actor.STAFF, _("Start screening")),
        _t(Stage.SCREENING, Stage.PLANNING, Actor.STAFF, _("Move to business planning")),
        _t(Stage.PLANNING, Stage.PILOT, Actor.STAFF, _("Start the pilot")),
        _t(Stage.PILOT, Stage.LAUNCHED, Actor.STAFF, _("Launch as a venture")),
        # Staff may send an idea back one step, saying why.
        _t(Stage.SCREENING, Stage.PROPOSED, Actor.STAFF, _("Send back to proposed"), True),
        _t(Stage.PLANNING, Stage.SCREENING, Actor.STAFF, _("Send back to screening"), True),
        _t(Stage.PILOT, Stage.PLANNING, Actor.STAFF, _("Send back to business planning"), True),
        *[
            _t(s, Stage.DECLINED, Actor.STAFF, _("Decline"), True)
            for s in (Stage.PROPOSED, Stage.SCREENING, Stage.PLANNING, Stage.PILOT)
        ],
        _t(Stage.DECLINED, Stage.SCREENING, Actor.STAFF, _("Reconsider"), True),
        *[
            _t(s, Stage.WITHDRAWN, Actor.OWNER, _("Withdraw"))
            for s in (Stage.DRAFT, Stage.PROPOSED, Stage.SCREENING, Stage.PLANNING, Stage.PILOT)
        ],
        _t(Stage.WITHDRAWN, Stage.DRAFT, Actor.OWNER, _("Reopen as a draft")),
    ]
}  # fmt: skip


def transition(source: str, target: str) -> Transition | None:
    try:
        return TRANSITIONS.get((Stage(source), Stage(target)))
    except ValueError:
        return None


def moves_from(source: str) -> list[Transition]:
    return [t for (s, _target), t in TRANSITIONS.items() if s == source]
