"""Fails when a product module passes 600 lines (house style: split it by concept).

Product modules are kasse/**/*.py except tests and migrations. Run by pre-commit and `make lint`.
"""

from __future__ import annotations

import sys
from pathlib import Path

LIMIT = 600
PROJECT = Path(__file__).resolve().parents[1]


def too_long() -> list[tuple[str, int]]:
    found = []
    for path in sorted((PROJECT / "kasse").rglob("*.py")):
        relative = path.relative_to(PROJECT)
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > LIMIT:
            found.append((str(relative), lines))
    return found


def main() -> int:
    found = too_long()
    for name, lines in found:
        print(f"{name}: {lines} lines (a product module has at most {LIMIT}: split it by concept)", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
