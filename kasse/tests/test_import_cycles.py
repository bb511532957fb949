"""The device runtime's modules import each other one way only (issue 13: the cycles between the
peripherals' bus and runner, printing's worker and syncing, and sync's node and runner are gone).

Every import counts, also those inside functions and under ``TYPE_CHECKING``: a cycle hidden in a
function still ties the two modules together."""

from __future__ import annotations

import ast
from pathlib import Path

import kasse

ROOT = Path(kasse.__file__).parent
PACKAGES = ("kasse.core", "kasse.printing", "kasse.peripherals", "kasse.sync")


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if "tests" in parts or "migrations" in parts:
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets.add(base)
            targets |= {f"{base}.{alias.name}" for alias in node.names}
    return {target for target in targets if target in known and target != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_among_the_device_runtime_modules():
    known = _modules()
    runtime = {name: path for name, path in known.items() if name.startswith(PACKAGES)}
    graph = {name: {t for t in _imports(name, path, known) if t in runtime} for name, path in runtime.items()}
    assert len(graph) > 50  # the walk found the packages (a moved folder must not make this pass empty)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


RUNTIME_MODULES = (
    "kasse.printing.worker",
    "kasse.peripherals.runner",
    "kasse.sync.node.runner",
    "kasse.sync.engine.outbox",
)


def test_the_device_runtime_takes_its_threads_and_its_waits_from_core():
    """One supervisor and one backoff rule: the runtime modules start no thread of their own and draw no
    random wait of their own (``kasse.core.supervisor``, ``kasse.core.backoff``)."""
    known = _modules()
    offenders = []
    for name in RUNTIME_MODULES:
        tree = ast.parse(known[name].read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module]
                if "random" in modules:
                    offenders.append(f"{name}:{node.lineno} imports random")
            elif isinstance(node, ast.Attribute) and node.attr == "Thread":
                offenders.append(f"{name}:{node.lineno} starts a thread")
    assert offenders == []
    assert {"kasse.core.backoff", "kasse.core.supervisor"} <= {
        target for name in RUNTIME_MODULES[:3] for target in _imports(name, known[name], known)
    }
