"""The personas of the suite (fixtures for them are in ``tests/conftest.py``).

Anonymous, outsider, team viewer, team editor, owner, reviewer, staff; the
program tables add "program_member" (see ``tests/conftest.py``)."""

from __future__ import annotations

PERSONAS = ["anonymous", "outsider", "viewer", "editor", "owner", "reviewer", "staff"]
PROGRAM_PERSONAS = [*PERSONAS, "program_member"]
PASSWORD = "a-long-test-password"
