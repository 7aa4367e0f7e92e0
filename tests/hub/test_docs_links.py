"""The docs point at things that exist: every relative link in README.md,
CONTRIBUTING.md, CHANGELOG.md and docs/ resolves to a file, and every file or
folder of the repository named in backticks (`ideas/stages.py`,
`hub/core/broadcast/`) is there. A module moved without its docs fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(
    [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "CHANGELOG.md"]
    + list((ROOT / "docs").rglob("*.md"))
)
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\s]+)`")
#: Top-level folders and files a backticked repository path may start with.
TOP = {p.name for p in ROOT.iterdir() if not p.name.startswith(".")} | {
    ".ci",
    ".importlinter",
    ".pre-commit-config.yaml",
}
#: Things that live outside the repository or only after a command has run.
NOT_IN_REPO = ("bench/.node/", "staticfiles", "locale/", "db.sqlite3", ".venv")


def _pages() -> list[Path]:
    return [page for page in PAGES if page.exists()]


def _strip_code_blocks(text: str) -> str:
    return re.sub(r"```.*?```", "", text, flags=re.DOTALL)


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path):
    broken = []
    for target in LINK.findall(_strip_code_blocks(page.read_text(encoding="utf-8"))):
        if "://" in target or target.startswith(("mailto:", "#")):
            continue
        path = target.split("#", 1)[0]
        if path and not (page.parent / path).exists():
            broken.append(target)
    assert not broken, f"{page.relative_to(ROOT)} links to missing files: {broken}"


def _repository_path(token: str) -> str | None:
    """``token`` as a path inside the repository, or None when it is not one
    (a URL path, a pattern, a module name, a command)."""
    token = token.rstrip(".,;:")
    if token.startswith(("/", "../", "~", "$", "-")) or "://" in token:
        return None
    if any(ch in token for ch in "<>{}*|=()[]?\"'…"):
        return None
    if "/" not in token:
        return None
    if token.split("/", 1)[0] not in TOP:
        return None
    if token.startswith(NOT_IN_REPO):
        return None
    return token


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_repository_paths_in_backticks_exist(page: Path):
    missing = []
    for token in CODE.findall(page.read_text(encoding="utf-8")):
        path = _repository_path(token)
        if path is not None and not (ROOT / path).exists():
            missing.append(path)
    assert not missing, f"{page.relative_to(ROOT)} names missing paths: {missing}"


def _modules(package: Path) -> set[str]:
    """A package's modules as the module map lists them: ``name`` for a module,
    ``name/`` for a subpackage (migrations left out)."""
    names = {path.stem for path in package.glob("*.py") if path.name != "__init__.py"}
    names |= {
        f"{path.name}/"
        for path in package.iterdir()
        if path.is_dir()
        and path.name != "migrations"
        and (path / "__init__.py").exists()
    }
    return names


def test_the_module_map_in_architecture_md_matches_the_tree():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Module map", 1)[1]
    listed: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`") and cells[0].endswith("/`"):
            listed[cells[0].strip("`").rstrip("/")] = set(CODE.findall(cells[1]))
    assert listed, "docs/architecture.md has no module map table"
    wrong = {}
    for package, modules in listed.items():
        actual = _modules(ROOT / package)
        if package == "hub":  # the roof: hub.core is listed on its own row
            actual.discard("core/")
        if modules != actual:
            wrong[package] = {
                "listed, not in the tree": sorted(modules - actual),
                "in the tree, not listed": sorted(actual - modules),
            }
    assert not wrong, (
        f"docs/architecture.md's module map differs from the tree: {wrong}"
    )
