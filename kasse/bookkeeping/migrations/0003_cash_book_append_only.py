"""GoBD: on PostgreSQL the database itself refuses UPDATE and DELETE of cash book entries.

The model refuses a second save and a delete already; this also stops a queryset ``update()`` or
``delete()`` and anything written past Django. SQLSTATE 23001 (restrict_violation), which Django
raises as IntegrityError. SQLite (dev, one-box) has no such trigger.
"""

from django.db import migrations

FORWARDS = [
    """
CREATE OR REPLACE FUNCTION kasse_cash_book_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'kasse: % on % refused: cash book entries are corrected by new entries (GoBD)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$
""",
    "CREATE TRIGGER bookkeeping_cashbookentry_append_only BEFORE UPDATE OR DELETE ON bookkeeping_cashbookentry "
    "FOR EACH ROW EXECUTE FUNCTION kasse_cash_book_refuse_change()",
]
BACKWARDS = [
    "DROP TRIGGER IF EXISTS bookkeeping_cashbookentry_append_only ON bookkeeping_cashbookentry",
    "DROP FUNCTION IF EXISTS kasse_cash_book_refuse_change()",
]


class RunSQLOnPostgres(migrations.RunSQL):
    """RunSQL that does nothing on other databases (SQLite has no PL/pgSQL)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("bookkeeping", "0002_cash_book")]

    operations = [RunSQLOnPostgres(FORWARDS, BACKWARDS)]
