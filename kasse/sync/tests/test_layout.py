"""The engine knows no app: tables and their rules are declared by the apps (docs/sync.md, "Where the code is")."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.db import models

from kasse.sync.engine.registry import ORDER, SPECS

SYNC = Path(__file__).resolve().parent.parent
TABLE_NAME = re.compile(r"[a-z_]+\.[A-Z]\w+").fullmatch  # "sales.Sale"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "kasse" or name.startswith("kasse.")}


def _modules(package: str) -> list[Path]:
    return sorted((SYNC / package).glob("*.py"))


def test_the_engine_imports_no_app_and_cloud_and_node_import_not_each_other() -> None:
    allowed_in_engine = ("kasse.core.", "kasse.sync.engine.", "kasse.sync.models")
    for path in _modules("engine"):
        foreign = {name for name in _imports(path) if not name.startswith(allowed_in_engine)}
        assert not foreign, f"{path.name} imports {foreign}"
    for package, other in (
        ("cloud", ("kasse.sync.node", "kasse.sync.backoffice")),
        ("node", ("kasse.sync.cloud", "kasse.sync.backoffice")),
    ):
        for path in _modules(package):
            crossing = {name for name in _imports(path) if name.startswith(other)}
            assert not crossing, f"{package}/{path.name} imports {crossing}"


def test_the_engine_ingest_and_apply_name_no_table() -> None:
    files = [
        *_modules("engine"),
        SYNC / "cloud" / "ingest.py",
        SYNC / "cloud" / "checks.py",
        SYNC / "cloud" / "feed.py",
        SYNC / "cloud" / "positions.py",
        SYNC / "cloud" / "review.py",
        SYNC / "node" / "apply.py",
        SYNC / "node" / "steps.py",
        SYNC / "node" / "catch_up.py",
    ]
    for path in files:
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        named = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and TABLE_NAME(node.value)
        ]
        assert not named, f"{path.relative_to(SYNC)} names tables {named}"


def test_every_app_registered_its_tables_in_dependency_order() -> None:
    labels = {spec.label for spec in SPECS}
    assert {
        "tenancy.Organization",
        "sales.Sale",
        "customers.Customer",
        "printing.PrintJob",
        "register.PairingCode",
        "core.AuditEntry",
    } <= labels
    for spec in SPECS:
        for f in spec.model._meta.concrete_fields:
            target = f.related_model._meta.label if isinstance(f, models.ForeignKey) else None  # type: ignore[union-attr]
            if target in labels and target != spec.label:
                assert ORDER[target] < ORDER[spec.label], f"{spec.label} comes before {target}"
