"""Hooks: how ideas asks and tells the apps above it without importing them.

ideas sits below challenges and ventures (the layers are in ``.importlinter``
and docs/architecture.md). Where an idea's life involves them, ideas calls the
functions registered here, and the higher app registers them from its
``AppConfig.ready``:

- **reviewer grants** (challenges): who may read a submitted idea without
  being a reviewer, as a ``Q`` for querysets and a yes/no for one idea (an
  active review assignment);
- **move checks** (challenges): a stage move may be refused (a decision after
  reviews needs the reviews);
- **move announcers** (challenges): after a move, an announcer may tell the
  team itself (a review decision, with its feedback) instead of the plain
  "moved" notice;
- **launch hooks** (ventures): an idea reached Launched; runs in the move's
  transaction (the venture is created with it);
- **idea page panels** (challenges): extra context for the idea page (the
  review panel).

With nothing registered (an app left out of INSTALLED_APPS) each hook is a
no-op: no grant, no refusal, the plain notice, no panel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db.models import Q

if TYPE_CHECKING:
    from hub.core.models import User
    from ideas.models import Idea, StageChange

#: ``(user, idea_field)`` -> a ``Q`` on ideas (``idea_field`` names the idea's
#: primary key in the queryset) that is true where the grant holds.
GrantCondition = Callable[[Any, str], Q]
#: ``(user, idea)`` -> whether the grant holds for that one idea.
GrantCheck = Callable[[Any, "Idea"], bool]
#: ``(idea, source, target, note)`` -> a refusal message, or None to allow.
MoveCheck = Callable[["Idea", str, str, str], "str | None"]
#: ``(idea, source, target, change, actor)`` -> True if it told the team.
MoveAnnouncer = Callable[["Idea", str, str, "StageChange", "User"], bool]
#: ``(idea, actor)``, inside the transaction that launched the idea.
LaunchHook = Callable[["Idea", "User"], None]
#: ``(idea, user)`` -> the value the idea page gets under the panel's name.
IdeaPanel = Callable[["Idea", Any], Any]

_grants: list[tuple[GrantCondition, GrantCheck]] = []
_move_checks: list[MoveCheck] = []
_announcers: list[MoveAnnouncer] = []
_launch_hooks: list[LaunchHook] = []
_panels: dict[str, IdeaPanel] = {}


def _add(registry: list[Any], item: Any) -> None:
    if item not in registry:  # ready() may run more than once (tests)
        registry.append(item)


def register_reviewer_grant(condition: GrantCondition, check: GrantCheck) -> None:
    _add(_grants, (condition, check))


def register_move_check(check: MoveCheck) -> None:
    _add(_move_checks, check)


def register_move_announcer(announcer: MoveAnnouncer) -> None:
    _add(_announcers, announcer)


def register_launch_hook(hook: LaunchHook) -> None:
    _add(_launch_hooks, hook)


def register_idea_panel(name: str, panel: IdeaPanel) -> None:
    _panels[name] = panel


def granted_condition(user: Any, idea_field: str = "pk") -> Q:
    """Ideas some registered grant lets ``user`` read (no grant: none)."""
    condition = Q(pk__in=[])
    for grant, _check in _grants:
        condition |= grant(user, idea_field)
    return condition


def is_granted(user: Any, idea: Idea) -> bool:
    return any(check(user, idea) for _grant, check in _grants)


def move_refusal(idea: Idea, source: str, target: str, note: str) -> str | None:
    for check in _move_checks:
        if refusal := check(idea, source, target, note):
            return refusal
    return None


def announce_move(
    idea: Idea, source: str, target: str, change: StageChange, actor: User
) -> bool:
    """True when a registered announcer told the team about the move."""
    told = False
    for announcer in _announcers:
        told = announcer(idea, source, target, change, actor) or told
    return told


def launched(idea: Idea, actor: User) -> None:
    for hook in _launch_hooks:
        hook(idea, actor)


def idea_panels(idea: Idea, user: Any) -> dict[str, Any]:
    return {name: panel(idea, user) for name, panel in _panels.items()}
