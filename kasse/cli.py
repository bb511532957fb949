"""The ``kasse`` command: ``kasse demo``, ``kasse cloud``, ``kasse store``, ``kasse seed``, ``kasse createorg``
and every Django management command (``kasse migrate``, ``kasse shell`` ...).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "demo":
        # The demo runs with debug pages and its own data directory, set before settings load.
        os.environ.setdefault("KASSE_ENV", "demo")
        os.environ.setdefault("KASSE_DATA_DIR", str(Path.cwd() / "var" / "demo" / "cloud"))
    if args and args[0] == "store":
        # The store node role; its own data directory unless told otherwise.
        os.environ["KASSE_ROLE"] = "store"
        os.environ.setdefault("KASSE_DATA_DIR", str(Path.cwd() / "var" / "store"))
    if args and args[0] == "manage":
        args = args[1:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kasse.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kasse", *args])


if __name__ == "__main__":
    main()
