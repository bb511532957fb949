"""Every insert into ``sales_sale`` marks its store and UTC hour for the report sums (docs/reports.md).

A trigger, not a call in each service: receipts reach the table through checkout, returns, the sync
ingest (COPY on PostgreSQL), and a released quarantined sale, and each of them marks its hours
in the same transaction as the receipt. PostgreSQL: one statement-level trigger with the inserted rows as
a transition table (one upsert per INSERT or COPY, not per row). SQLite (tests, development, the store
node): a row trigger.
"""

from django.db import migrations

from kasse.reports.migration_ops import RunSQLFor

PG_FORWARDS = [
    """
CREATE OR REPLACE FUNCTION kasse_reports_mark_sales() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reports_pendinghour (organization_id, store_id, hour, generation)
    SELECT DISTINCT organization_id, store_id,
           date_trunc('hour', completed_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 1
    FROM kasse_new_sales
    ON CONFLICT (store_id, hour) DO UPDATE SET generation = reports_pendinghour.generation + 1;
    RETURN NULL;
END
$$
""",
    "CREATE TRIGGER sales_sale_reports_mark AFTER INSERT ON sales_sale "
    "REFERENCING NEW TABLE AS kasse_new_sales FOR EACH STATEMENT EXECUTE FUNCTION kasse_reports_mark_sales()",
]
PG_BACKWARDS = [
    "DROP TRIGGER IF EXISTS sales_sale_reports_mark ON sales_sale",
    "DROP FUNCTION IF EXISTS kasse_reports_mark_sales()",
]
SQLITE_FORWARDS = [
    """
CREATE TRIGGER sales_sale_reports_mark AFTER INSERT ON sales_sale FOR EACH ROW BEGIN
    INSERT INTO reports_pendinghour (organization_id, store_id, hour, generation)
    VALUES (NEW.organization_id, NEW.store_id, strftime('%Y-%m-%d %H:00:00', NEW.completed_at), 1)
    ON CONFLICT (store_id, hour) DO UPDATE SET generation = generation + 1;
END
"""
]
SQLITE_BACKWARDS = ["DROP TRIGGER IF EXISTS sales_sale_reports_mark"]


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial"), ("sales", "0002_payment_method_credit")]

    operations = [
        RunSQLFor("postgresql", PG_FORWARDS, PG_BACKWARDS),
        RunSQLFor("sqlite", SQLITE_FORWARDS, SQLITE_BACKWARDS),
    ]
