"""GoBD: on PostgreSQL the database itself refuses UPDATE and DELETE of the fiscal journal.

``fiscal_tsetransactionrecord`` and ``fiscal_devtselogmessage`` take inserts only; a
``fiscal_tseoutage`` row may only get its ``ended_at`` written once (NULL → a time, nothing else
changed). The refusal is SQLSTATE 23001 (restrict_violation), which Django raises as IntegrityError.
SQLite (a store node, dev) has no such trigger: Django's test flush deletes rows there, and the
services are the only writers (docs/fiscal.md).
"""

from django.db import migrations

from kasse.core.migration_ops import RunSQLOnPostgres

APPEND_ONLY = ["fiscal_tsetransactionrecord", "fiscal_devtselogmessage"]

REFUSE = """
CREATE OR REPLACE FUNCTION kasse_fiscal_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'kasse: % on % refused: fiscal records are append-only (GoBD)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$
"""

END_ONCE = """
CREATE OR REPLACE FUNCTION kasse_fiscal_outage_end_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL
       AND (to_jsonb(NEW) - 'ended_at') = (to_jsonb(OLD) - 'ended_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'kasse: % on % refused: an outage only gets its end written, once (GoBD)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$
"""


FORWARDS = [REFUSE, END_ONCE] + [
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION kasse_fiscal_refuse_change()" for table in APPEND_ONLY
] + ["CREATE TRIGGER fiscal_tseoutage_end_once BEFORE UPDATE OR DELETE ON fiscal_tseoutage "
     "FOR EACH ROW EXECUTE FUNCTION kasse_fiscal_outage_end_once()"]

BACKWARDS = [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in APPEND_ONLY] + [
    "DROP TRIGGER IF EXISTS fiscal_tseoutage_end_once ON fiscal_tseoutage",
    "DROP FUNCTION IF EXISTS kasse_fiscal_refuse_change()",
    "DROP FUNCTION IF EXISTS kasse_fiscal_outage_end_once()",
]



class Migration(migrations.Migration):
    dependencies = [("fiscal", "0001_initial")]

    operations = [RunSQLOnPostgres(FORWARDS, BACKWARDS)]
