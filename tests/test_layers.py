"""The apps' layers (``.importlinter``, docs/architecture.md) hold for the
migration graph and for imports written inside functions.

``lint-imports`` (``make check``) checks module imports against the layers; a
migration's ``dependencies`` are not imports, so the graph is checked here: a
migration may depend on its own app, a third-party app, or an app in the same
or a lower layer. A few edges predate the layers and stay (see HISTORICAL).
"""

from __future__ import annotations

import ast
import configparser
import re
from pathlib import Path

from django.apps import apps
from django.db.migrations.loader import MigrationLoader

ROOT = Path(__file__).resolve().parents[1]

#: Upward dependencies that predate the layers. They cannot be rewritten: a
#: database that ran these migrations has them in django_migrations, and
#: editing an applied migration's dependencies would make its history
#: inconsistent. New migrations must not add to this list.
HISTORICAL = {
    # Idea.challenge (a foreign key from ideas up to challenges) was added by
    # this migration, so it needs the challenges table. The field stays; code
    # reaches challenges only through ideas.hooks.
    (
        ("ideas", "0003_idea_challenge_idea_program_alter_idea_visibility"),
        ("challenges", "0001_initial"),
    ),
}


def _layers() -> list[list[str]]:
    """The layers of the contract, bottom first, each a list of module names."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    contracts = [s for s in config.sections() if s.startswith("importlinter:contract:")]
    layers_contracts = [c for c in contracts if config[c]["type"] == "layers"]
    assert len(layers_contracts) == 1, "one layers contract in .importlinter"
    lines = [
        line.strip()
        for line in config[layers_contracts[0]]["layers"].splitlines()
        if line.strip()
    ]
    return [re.split(r"\s*[|:]\s*", line) for line in reversed(lines)]


def _layer_of_module(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for index, layer in enumerate(_layers()):
        for name in layer:
            inside = module == name or module.startswith(name + ".")
            if inside and (best is None or len(name) > best[0]):
                best = (len(name), index)
    return None if best is None else best[1]


def _app_layer(name: str) -> int | None:
    """An app's layer is its ``apps`` module's: the roof's ``hub`` package
    spans layers (hub.urls at the top, hub.core at the bottom)."""
    return _layer_of_module(f"{name}.apps")


def _layer_of_app(label: str) -> int:
    """The layer of an installed app by label; third-party apps are below all."""
    layer = _app_layer(apps.get_app_config(label).name)
    return -1 if layer is None else layer


def _project_labels() -> set[str]:
    return {
        config.label
        for config in apps.get_app_configs()
        if _app_layer(config.name) is not None
    }


def _cross_app_edges() -> set[tuple[tuple[str, str], tuple[str, str]]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = _project_labels()
    edges = set()
    for (app, name), migration in loader.disk_migrations.items():
        if app not in ours:
            continue
        targets = list(migration.dependencies)
        # run_before is an edge the other way round: the other migration
        # depends on this one.
        for other in getattr(migration, "run_before", []):
            edges.add((tuple(other), (app, name)))
        for target in targets:
            if target[0] != app:
                edges.add(((app, name), tuple(target)))
    return edges


def test_every_project_app_is_in_a_layer():
    ours = {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT)
        and ".venv" not in Path(config.path).parts
    }
    assert ours <= _project_labels(), ours - _project_labels()


def test_migrations_depend_only_on_their_layer_or_lower():
    upward = sorted(
        (source, target)
        for source, target in _cross_app_edges()
        if source[0] in _project_labels()
        and _layer_of_app(target[0]) > _layer_of_app(source[0])
        and (source, target) not in HISTORICAL
    )
    assert not upward, (
        "migrations depend on a higher layer (depend on a lower app instead, or "
        f"let the higher app's migration depend on this one): {upward}"
    )


def test_the_historical_edges_are_still_in_the_graph():
    """The frozen list names real edges (a stale entry would hide nothing)."""
    assert _cross_app_edges() >= HISTORICAL


def test_the_floor_depends_on_nothing_above_it():
    floor = _layer_of_app("hub")
    for (app, _name), target in _cross_app_edges():
        if app == "hub":
            assert _layer_of_app(target[0]) < floor, target


def _local_imports(path: Path) -> list[tuple[int, str]]:
    """Imports inside functions, outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            inner = in_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef)
            )
            if in_function and isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append((child.lineno, ast.unparse(child)))
            visit(child, inner)

    visit(tree, False)
    return found


def test_imports_inside_functions_say_why():
    """An import inside a function needs a comment (on its line or in the
    lines just above it) saying why it is not at the top of the module."""
    silent = []
    packages = {name.split(".")[0] for layer in _layers() for name in layer}
    for package in sorted(packages):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            for lineno, code in _local_imports(path):
                window = lines[max(0, lineno - 4) : lineno]
                if not any("#" in line for line in window):
                    silent.append(f"{path.relative_to(ROOT)}:{lineno}: {code}")
    assert not silent, silent
