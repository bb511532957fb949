"""kasse.hardware is a standalone library: nothing under it may import Django."""

import re
from pathlib import Path

import kasse.hardware

IMPORT_DJANGO = re.compile(r"^\s*(import\s+django|from\s+django[\s.])")


def test_no_django_imports_under_kasse_hardware():
    root = Path(kasse.hardware.__file__).parent
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if IMPORT_DJANGO.match(line)
    ]
    assert offenders == []
