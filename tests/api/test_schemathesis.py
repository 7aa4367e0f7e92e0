"""Schemathesis against the API's own schema, on the test database.

Every operation of ``/api/v1/schema/`` gets a bounded number of generated
requests (derandomized, so a run is repeatable), anonymous and with a staff
token, through the WSGI app: none may answer 5xx or break off (a streamed
export that fails mid-way raises here), and every documented answer must
match its schema. The world of tests/api/conftest.py gives the lists and
exports rows to describe.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

pytestmark = pytest.mark.django_db

#: Generated requests per operation and persona: enough to reach the edges of
#: every parameter's schema (hypothesis tries the bounds first), small enough
#: for the suite.
EXAMPLES = 12
CHECKS = (not_a_server_error, response_schema_conformance)


def exercise(operation: Any, headers: dict[str, str], record: Any) -> Any:
    """The bounded property test of one operation; failures go to ``record``."""

    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy())
    def test(case: Any) -> None:
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # the app broke off: a 500 at best, or a hang
            record(("not_a_server_error", operation.label), repr(exc))
            return
        for check in CHECKS:
            try:
                case.validate_response(response, checks=[check])
            except BaseException as exc:  # noqa: BLE001 (schemathesis' FailureGroup)
                record((check.__name__, operation.label), str(exc))

    return test


def run_schemathesis(headers: dict[str, str]) -> dict[tuple[str, str], list[str]]:
    """Failures by (check, operation): the first few messages of each."""
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json", get_wsgi_application()
    )
    failures: dict[tuple[str, str], list[str]] = collections.defaultdict(list)

    def record(key: tuple[str, str], message: str) -> None:
        if len(failures[key]) < 3:
            failures[key].append(message[:800])

    for result in schema.get_all_operations():
        exercise(result.ok(), headers, record)()
    return dict(failures)


@pytest.fixture
def keep_connection() -> Iterator[None]:
    """As Django's test client does: the WSGI handler would otherwise close the
    test's connection (inside its transaction) at the end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("keep_connection")
@pytest.mark.parametrize("persona", ["anonymous", "staff"])
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    persona, people, world
):
    headers = {}
    if people[persona] is not None:
        token, _created = Token.objects.get_or_create(user=people[persona])
        headers["Authorization"] = f"Token {token.key}"
    failures = run_schemathesis(headers)
    counts = collections.Counter(check for check, _operation in failures)
    assert not failures, (
        f"{counts['not_a_server_error']} operations with server errors, "
        f"{counts['response_schema_conformance']} with schema violations: "
        + "\n\n".join(f"{key}: {messages}" for key, messages in failures.items())
    )
