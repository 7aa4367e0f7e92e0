"""Query helpers for the catalog's JSON list fields."""

from __future__ import annotations

import json

from django.db.models import Q


def json_list_has(value: str, field: str, *, exact: bool) -> Q:
    """Match ``value`` inside a JSON list of strings by its stored text (works on
    SQLite, which has no JSON containment). SQLite keeps non-ASCII escaped,
    PostgreSQL's jsonb does not, so both spellings are tried; ``exact`` quotes
    the value so it matches a whole element."""
    spellings = {json.dumps(value), json.dumps(value, ensure_ascii=False)}
    if not exact:
        spellings = {s[1:-1] for s in spellings}
    query = Q()
    for spelling in spellings:
        query |= Q(**{f"{field}__icontains": spelling})
    return query
