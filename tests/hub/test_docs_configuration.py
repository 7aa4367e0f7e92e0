"""docs/configuration.md lists exactly the environment variables the settings read.

The settings modules are parsed, not imported: every call to the typed env
helpers (``env_str``, ``env_bool``, ``env_int``, ``env_list``) and every read of
``os.environ`` / ``os.getenv`` with a literal name counts as a read. The
documentation's variable tables (header ``variable | type | default |
meaning``) count as documented. A variable read but not documented, or
documented but no longer read, fails; so does a type column that disagrees with
the helper that reads the variable.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "configuration.md"

#: The helper each variable is read with, and the word its type cell must hold.
HELPER_TYPES = {
    "env_str": ("string", "url"),
    "env_bool": ("boolean",),
    "env_int": ("integer",),
    "env_list": ("list",),
}
#: ``os.environ`` reads carry no type of their own.
RAW_TYPES = ("string", "url", "boolean", "integer", "list")
NAME = re.compile(r"`([A-Z][A-Z0-9_]*)`")


def settings_sources() -> list[Path]:
    """hub/settings.py and its siblings (settings_test.py, a settings/ package
    should one appear). hub/env.py defines the helpers and reads no literal name."""
    hub = ROOT / "hub"
    sources = sorted(hub.glob("settings*.py"))
    package = hub / "settings"
    if package.is_dir():
        sources += sorted(package.rglob("*.py"))
    return sources


def _is_os_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    ) or (isinstance(node, ast.Name) and node.id == "environ")


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _first_arg(call: ast.Call) -> ast.AST | None:
    if call.args:
        return call.args[0]
    for keyword in call.keywords:
        if keyword.arg == "name":
            return keyword.value
    return None


def read_variables() -> tuple[dict[str, set[tuple[str, ...]]], list[str]]:
    """Every variable the settings read, with the type words allowed for it, and
    the places that read a name the parser cannot see (a non-literal)."""
    found: dict[str, set[tuple[str, ...]]] = {}
    unreadable: list[str] = []

    def add(name: str | None, types: tuple[str, ...], where: str) -> None:
        if name is None:
            unreadable.append(where)
        else:
            found.setdefault(name, set()).add(types)

    for path in settings_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else None
                if isinstance(func, ast.Attribute):
                    name = func.attr
                if name in HELPER_TYPES:
                    add(_literal(_first_arg(node)), HELPER_TYPES[name], where)
                elif (
                    isinstance(func, ast.Attribute)
                    and func.attr == "get"
                    and _is_os_environ(func.value)
                ) or (
                    isinstance(func, ast.Attribute)
                    and func.attr == "getenv"
                    and isinstance(func.value, ast.Name)
                    and func.value.id == "os"
                ):
                    add(_literal(_first_arg(node)), RAW_TYPES, where)
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, ast.Load)
                and _is_os_environ(node.value)
            ):
                add(_literal(node.slice), RAW_TYPES, where)
            elif (
                isinstance(node, ast.Compare)
                and len(node.ops) == 1
                and isinstance(node.ops[0], ast.In | ast.NotIn)
                and _is_os_environ(node.comparators[0])
            ):
                add(_literal(node.left), RAW_TYPES, where)
    return found, unreadable


def documented_variables() -> dict[str, str]:
    """Variable name -> its type cell, from every table of the page whose header
    is ``variable | type | default | meaning``."""
    documented: dict[str, str] = {}
    in_table = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if [cell.lower() for cell in cells[:4]] == [
            "variable",
            "type",
            "default",
            "meaning",
        ]:
            in_table = True
            continue
        if not in_table or set(line.replace("|", "").strip()) <= set("-: "):
            continue
        assert len(cells) >= 4 and all(cells[:4]), f"incomplete row: {line}"
        names = NAME.findall(cells[0])
        assert names, f"a row without a `VARIABLE` name: {line}"
        for name in names:
            assert name not in documented, f"{name} is documented twice"
            documented[name] = cells[1].lower()
    return documented


def test_the_parser_sees_the_settings_variables():
    found, _unreadable = read_variables()
    # If these vanish, the parser (not the settings) is broken.
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= set(found)


def test_every_variable_the_settings_read_is_named_literally():
    _found, unreadable = read_variables()
    assert not unreadable, (
        "these settings read an environment variable whose name is not a string "
        f"literal, so docs/configuration.md cannot be checked: {unreadable}"
    )


def test_every_variable_the_settings_read_is_documented():
    found, _unreadable = read_variables()
    missing = sorted(set(found) - set(documented_variables()))
    assert not missing, (
        f"read by the settings but not in docs/configuration.md: {missing}"
    )


def test_every_documented_variable_is_still_read():
    found, _unreadable = read_variables()
    stale = sorted(set(documented_variables()) - set(found))
    assert not stale, f"in docs/configuration.md but no longer read: {stale}"


def test_each_documented_type_matches_the_helper_that_reads_it():
    found, _unreadable = read_variables()
    wrong = []
    for name, type_cell in documented_variables().items():
        for allowed in found.get(name, ()):
            if not any(word in type_cell for word in allowed):
                wrong.append(f"{name}: documented {type_cell!r}, read as {allowed}")
    assert not wrong, wrong
