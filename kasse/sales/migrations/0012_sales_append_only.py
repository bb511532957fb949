"""GoBD: on PostgreSQL the database itself refuses UPDATE and DELETE of the sales journal.

A receipt (``sales_sale``) with its lines, VAT rows and payments, a return (a ``sales_sale`` of kind
``refund`` with its parts), a cash movement and a handing-over of a receipt (``sales_receiptissue``) are
written once, in the transaction that completes them, and never changed: a correction is a new record
that references the original (a return, a new cash movement). Nothing in kasse updates or deletes these
rows (the sync engine inserts them, ``SyncSpec.immutable``); the triggers also stop a queryset
``update()``/``delete()`` and anything written past Django. They use the fiscal journal's trigger function
(``fiscal 0002_append_only``): SQLSTATE 23001 (restrict_violation), which Django raises as IntegrityError.
SQLite (a store node, dev) has no such trigger; the services are the only writers (docs/fiscal.md, GoBD).
"""

from django.db import migrations

from kasse.core.migration_ops import RunSQLOnPostgres

APPEND_ONLY = [
    "sales_sale",
    "sales_saleline",
    "sales_salevat",
    "sales_payment",
    "sales_cashmovement",
    "sales_receiptissue",
]

FORWARDS = [
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION kasse_fiscal_refuse_change()"
    for table in APPEND_ONLY
]
BACKWARDS = [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in APPEND_ONLY]



class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0011_aborted_cart"),
        ("fiscal", "0002_append_only"),
    ]

    operations = [RunSQLOnPostgres(FORWARDS, BACKWARDS)]
