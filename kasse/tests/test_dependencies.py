"""Declare what is imported and import what is declared (pyproject.toml against the code).

Product code may import only the standard library, kasse and ``[project] dependencies``; tests, test
support (``kasse/testing``), benchmarks and the root conftest may also import the ``dev`` extra. Every
declared distribution is imported somewhere, named as a dotted path in the settings (apps, middleware,
backends), or is a tool listed in ``TOOLS`` with what uses it.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]

# Declared, never imported by our code, and why they are still needed.
TOOLS = {
    "pytest-django": "the pytest plugin that runs the suite on Django (DJANGO_SETTINGS_MODULE in pyproject.toml)",
    "pytest-xdist": "`-n` in scripts/run-tests.sh: the suite on every core",
    "pytest-rerunfailures": "the `flaky` marker kasse/testing/plugin.py gives browser and process tests in CI",
    "ruff": "make lint, pre-commit",
    "mypy": "make lint, pre-commit",
    "django-stubs": "mypy's Django plugin",
    "pre-commit": "the hooks in .pre-commit-config.yaml",
    "cryptography": "kept for the fiscal development TSE, which signs with it (issue 13)",
}
DEV_ONLY_PLACES = ("tests/", "kasse/testing/", "benchmarks/", "conftest.py")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]

    def names(requirements: list[str]) -> set[str]:
        return {_normalise(re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0]) for r in requirements}

    return names(project["dependencies"]), names(project["optional-dependencies"]["dev"])


def _sources() -> list[Path]:
    files = [
        *sorted((PROJECT / "kasse").rglob("*.py")),
        *sorted((PROJECT / "benchmarks").rglob("*.py")),
        PROJECT / "conftest.py",
        PROJECT / "manage.py",
    ]
    return [f for f in files if "/migrations/" not in str(f)]


def _imports(path: Path) -> set[str]:
    tops: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            tops.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            tops.add(node.module.split(".")[0])
    return {t for t in tops if t not in sys.stdlib_module_names and t not in {"kasse", "benchmarks"}}


def _settings_modules() -> set[str]:
    """Top-level modules the settings name as dotted strings (installed apps, middleware, backends)."""
    tree = ast.parse((PROJECT / "kasse" / "settings.py").read_text())
    return {
        node.value.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"[a-z_][a-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+", node.value)
    }


@functools.cache
def _installed() -> dict[str, list[str]]:
    return packages_distributions()


def _distributions(module: str) -> set[str]:
    return {_normalise(d) for d in _installed().get(module, [])}


@pytest.mark.slow
def test_every_import_is_declared_where_it_is_allowed():
    runtime, dev = _declared()
    undeclared = []
    for path in _sources():
        relative = str(path.relative_to(PROJECT))
        allowed = runtime | dev if relative.startswith(DEV_ONLY_PLACES) or "/tests/" in relative else runtime
        for module in _imports(path):
            distributions = _distributions(module)
            if not distributions & allowed:
                undeclared.append(f"{relative}: {module} ({', '.join(sorted(distributions)) or 'not installed'})")
    assert undeclared == []


@pytest.mark.slow
def test_every_declared_dependency_is_used():
    runtime, dev = _declared()
    used = set()
    for module in {m for path in _sources() for m in _imports(path)} | _settings_modules():
        used |= _distributions(module)
    unused = sorted((runtime | dev) - used - {_normalise(t) for t in TOOLS})
    assert unused == []
