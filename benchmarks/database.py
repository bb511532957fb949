"""The benchmarks' databases: a new SQLite file starts as the migrated template instead of being migrated.

Every benchmark measures a fresh database of its own; migrating one from nothing costs seconds of CPU each time
(the smoke tests of ``make test`` start nine of them). The template (``kasse/testing/template_db.py``) is
migrated once per set of migrations by ``kasse migrate`` in a child process and copied; the ``migrate`` that
follows then only checks that nothing is left to apply. Nothing a benchmark times includes the migration.
"""

from __future__ import annotations

from pathlib import Path


def migrate() -> None:
    """Migrate the database Django is configured with (a new SQLite file: a copy of the migrated template)."""
    from django.conf import settings
    from django.core.management import call_command

    from kasse.testing.template_db import copy_sqlite_template

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        path = Path(str(database["NAME"]))
        if not path.exists() or path.stat().st_size == 0:
            copy_sqlite_template(path)
    call_command("migrate", interactive=False, verbosity=0)
