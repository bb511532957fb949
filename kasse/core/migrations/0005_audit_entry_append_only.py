"""GoBD: on PostgreSQL the database itself refuses UPDATE and DELETE of audit entries.

``log_action`` writes an entry in the transaction of its change and nothing edits or deletes it; a store
node's entries arrive as inserts (``SyncSpec.immutable``). The trigger also stops a queryset ``update()`` or
``delete()`` and anything written past Django (SQLSTATE 23001, restrict_violation: Django's IntegrityError).
Deleting a user an entry names is refused with it (``actor_user`` would be set to NULL): people leave a team
by being deactivated. SQLite (a store node, dev) has no such trigger.
"""

from django.db import migrations

from kasse.core.migration_ops import RunSQLOnPostgres

FORWARDS = [
    """
CREATE OR REPLACE FUNCTION kasse_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'kasse: % on % refused: the audit log is append-only (GoBD)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$
""",
    "CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE OR DELETE ON core_auditentry "
    "FOR EACH ROW EXECUTE FUNCTION kasse_audit_refuse_change()",
]
BACKWARDS = [
    "DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry",
    "DROP FUNCTION IF EXISTS kasse_audit_refuse_change()",
]



class Migration(migrations.Migration):
    dependencies = [("core", "0004_audit_entry_store")]

    operations = [RunSQLOnPostgres(FORWARDS, BACKWARDS)]
