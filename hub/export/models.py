"""Which tables the full export holds, in which order, and what it leaves out.

Every concrete model of the project's apps is exported, so a model added
later is in the next export without touching this file. Third-party tables
are exported only when they hold the hub's data (tags, e-mail addresses, the
staff group, the admin's history); the rest are listed in :data:`EXCLUDED`
with the reason. :func:`export_models` refuses to run while a model is in
neither list, so nothing is left out silently.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor

#: The project's own apps: all their concrete models are exported.
PROJECT_APPS = (
    "hub",
    "clusterhub",
    "catalog",
    "ideas",
    "ventures",
    "programs",
    "challenges",
    "reports",
    "api",
    "realtime",
    "demo",
)

#: Third-party tables that hold the hub's data.
THIRD_PARTY = frozenset(
    {
        "taggit.tag",
        "taggit.taggeditem",
        "account.emailaddress",
        "auth.group",
        "auth.group_permissions",
        "admin.logentry",
    }
)

#: Tables rebuilt by ``migrate``. Rows pointing at them are written with the
#: natural key (``["ideas", "idea"]``), because their ids differ between
#: databases.
BY_NATURAL_KEY = frozenset({"contenttypes.contenttype", "auth.permission"})

#: Left out of the export, and why (docs/features/export.md repeats this).
EXCLUDED = {
    "contenttypes.contenttype": "rebuilt by migrate; referred to by natural key",
    "auth.permission": "rebuilt by migrate; referred to by natural key",
    "sessions.session": (
        "sign-in sessions are secrets that expire; everyone signs in again"
    ),
    "account.emailconfirmation": (
        "e-mail confirmation keys are short-lived secrets; an unverified "
        "address asks for a new link"
    ),
    "mfa.authenticator": (
        "TOTP secrets and recovery codes would let whoever holds the file pass "
        "people's second factor; people set up two-factor authentication again"
    ),
    "authtoken.token": (
        "API tokens are passwords for the API; people create new ones on their "
        "API token page"
    ),
}

#: Rows a fresh ``migrate`` creates (challenges 0003: the intake rubric and
#: its criteria). An import replaces them with the exported rows.
SEEDED_BY_MIGRATIONS = frozenset({"challenges.rubric", "challenges.criterion"})


def label(model: type[models.Model]) -> str:
    """``app_label.model_name``, lower case, as in file names and the manifest."""
    return model._meta.label_lower


def _candidates() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if not m._meta.proxy and m._meta.managed
    ]


def _included(model: type[models.Model]) -> bool:
    return model._meta.app_label in PROJECT_APPS or label(model) in THIRD_PARTY


def unclassified_models() -> list[str]:
    """Models that are neither exported nor excluded with a reason."""
    return sorted(
        label(m) for m in _candidates() if not _included(m) and label(m) not in EXCLUDED
    )


def export_models() -> list[type[models.Model]]:
    """The exported models, each after the models it points to (ties by label).

    Both backends check foreign keys at commit (Django creates them
    deferrable), so a cycle would still load; the order keeps the files easy to
    read and to load elsewhere.
    """
    missing = unclassified_models()
    if missing:
        raise ImproperlyConfigured(
            "Decide whether the full export holds these tables "
            f"(hub/export/models.py): {', '.join(missing)}"
        )
    chosen = {label(m): m for m in _candidates() if _included(m)}
    needs = {
        name: {
            label(f.related_model)
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is not None
        }
        & (chosen.keys() - {name})
        for name, model in chosen.items()
    }
    ordered: list[str] = []
    done: set[str] = set()
    while len(ordered) < len(chosen):
        ready = sorted(n for n in chosen if n not in done and needs[n] <= done)
        if not ready:  # a cycle: take the rest alphabetically
            ready = sorted(chosen.keys() - done)
        for name in ready:
            ordered.append(name)
            done.add(name)
    return [chosen[name] for name in ordered]


def natural_key_fields(model: type[models.Model]) -> Iterable[models.Field]:
    """The model's foreign keys to tables exported by natural key."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.is_relation
        and f.related_model is not None
        and label(f.related_model) in BY_NATURAL_KEY
    ]


#: The main tables, also written as CSV for spreadsheets: file stem -> model.
CSV_TABLES = {
    "ideas": "ideas.idea",
    "ventures": "ventures.venture",
    "datasets": "catalog.dataset",
    "dataset_uses": "ventures.datasetuse",
    "funding_events": "ventures.fundingevent",
    "impact_snapshots": "ventures.impactsnapshot",
    "programs": "programs.program",
    "challenges": "challenges.challenge",
    "reviews": "challenges.reviewassignment",
    "review_scores": "challenges.score",
}


def schema_apps(chosen: Iterable[type[models.Model]]) -> list[str]:
    """The apps whose migrations shape the exported tables."""
    labels = {m._meta.app_label for m in chosen}
    labels |= {name.split(".")[0] for name in BY_NATURAL_KEY}
    return sorted(labels)


def current_schema(chosen: Iterable[type[models.Model]]) -> dict[str, str]:
    """The latest migration of each app in ``chosen`` (comma-joined if an app
    has several leaves), as the code on disk has them."""
    executor = MigrationExecutor(connection)
    leaves: dict[str, list[str]] = {}
    for app_label, name in executor.loader.graph.leaf_nodes():
        leaves.setdefault(app_label, []).append(name)
    return {
        app: ",".join(sorted(leaves[app]))
        for app in schema_apps(chosen)
        if app in leaves
    }


def unapplied_migrations() -> list[str]:
    """Migrations on disk that this database has not run."""
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    return [
        f"{migration.app_label}.{migration.name}"
        for migration, _backwards in executor.migration_plan(targets)
    ]
