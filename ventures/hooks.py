"""What ventures registers in ideas' hooks (:mod:`ideas.hooks`), from
:meth:`ventures.apps.VenturesConfig.ready`: launching an idea creates its
venture, in the same transaction."""

from __future__ import annotations

from hub.core.models import User
from ideas import hooks
from ideas.models import Idea
from ventures.services import create_venture_from_idea


def _launched(idea: Idea, actor: User) -> None:
    create_venture_from_idea(idea, actor=actor)


def register() -> None:
    hooks.register_launch_hook(_launched)
