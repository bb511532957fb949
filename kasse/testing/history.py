"""Writing the past for tests and benchmark seeds: a sale dated last year, an audit entry from last week.

On PostgreSQL the sales journal and the audit log are append-only by trigger (GoBD, docs/fiscal.md);
a test that needs a record with another date than "now" rewrites it inside :func:`rewriting_history`,
which switches the named tables' append-only triggers off for the time of the block and on again.
``ALTER TABLE … DISABLE TRIGGER`` needs the table owner's rights, which the application role in
production should not have (like ``TRUNCATE``); it is never used outside tests and benchmark seeds.
On SQLite (no triggers) the block just runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

#: model label → its append-only trigger (migrations sales 0012, core 0005, fiscal 0002, bookkeeping 0003)
TRIGGERS = {
    "sales_sale": "sales_sale_append_only",
    "sales_saleline": "sales_saleline_append_only",
    "sales_salevat": "sales_salevat_append_only",
    "sales_payment": "sales_payment_append_only",
    "sales_cashmovement": "sales_cashmovement_append_only",
    "sales_receiptissue": "sales_receiptissue_append_only",
    "sales_abortedcart": "sales_abortedcart_append_only",
    "core_auditentry": "core_auditentry_append_only",
}


@contextmanager
def rewriting_history(*tables: str) -> Iterator[None]:
    """Let the block update rows of ``tables`` (e.g. ``"sales_sale"``) in spite of their triggers."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # ALTER TABLE refuses while the transaction has deferred checks pending (Django's foreign keys are
        # DEFERRABLE INITIALLY DEFERRED): check them now, and defer them again afterwards.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in tables:
            cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{TRIGGERS[table]}"')
        yield  # an error rolls the block back, the DISABLE with it
        for table in tables:
            cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{TRIGGERS[table]}"')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
