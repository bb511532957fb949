"""Migration operations the apps share."""

from __future__ import annotations

from typing import Any

from django.db import migrations


class RunSQLOnPostgres(migrations.RunSQL):
    """RunSQL that does nothing on other databases: the append-only triggers of GoBD and other PL/pgSQL
    (SQLite, on a store node or in development, has none; the services are the only writers there)."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
