"""GoBD: on PostgreSQL the database itself refuses UPDATE and DELETE of cash book entries.

The model refuses a second save and a delete already; this also stops a queryset ``update()`` or
``delete()`` and anything written past Django. SQLSTATE 23001 (restrict_violation), which Django
raises as IntegrityError. SQLite (dev, one-box) has no such trigger.
"""

from django.db import migrations

from kasse.core.migration_ops import RunSQLOnPostgres

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



class Migration(migrations.Migration):
    dependencies = [("bookkeeping", "0002_cash_book")]

    operations = [RunSQLOnPostgres(FORWARDS, BACKWARDS)]
