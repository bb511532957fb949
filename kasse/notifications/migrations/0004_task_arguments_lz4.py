"""The background tasks' arguments compressed with lz4 instead of PostgreSQL's default pglz.

A node's upload hands its events to one task (``events._enqueue``): for 500 sales about 260 KB of JSON in
``args_kwargs``, which PostgreSQL compresses on insert. pglz took about 2.3 ms of the database's CPU per such
row on the benchmark machine, lz4 0.6 ms (same size within 3 %; docs/benchmarks.md, sync). A PostgreSQL
built without lz4 keeps pglz. Nothing on SQLite.
"""

from django.db import migrations

from kasse.reports.migration_ops import RunSQLFor

FORWARDS = """
DO $$
BEGIN
    ALTER TABLE django_tasks_database_dbtaskresult ALTER COLUMN args_kwargs SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL;  -- built without lz4: pglz stays
END
$$
"""
BACKWARDS = "ALTER TABLE django_tasks_database_dbtaskresult ALTER COLUMN args_kwargs SET COMPRESSION default"


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_push_email_quiet_hours"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [RunSQLFor("postgresql", [FORWARDS], [BACKWARDS])]
