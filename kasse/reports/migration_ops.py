"""Operations the reports' migrations use (kept out of the migration files so that later ones share them)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


class RunSQLFor(migrations.RunSQL):
    """RunSQL for one database vendor; nothing on the others."""

    def __init__(self, vendor: str, sql: Any, reverse_sql: Any) -> None:
        self.vendor = vendor
        super().__init__(sql, reverse_sql)

    def deconstruct(self) -> Any:
        name, args, kwargs = super().deconstruct()
        return name, [self.vendor, kwargs.pop("sql"), kwargs.pop("reverse_sql")], kwargs

    def database_forwards(self, app_label: Any, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: Any, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)
