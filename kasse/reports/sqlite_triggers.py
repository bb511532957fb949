"""The reports' marking triggers on SQLite, put back after every ``migrate``.

The reports' sums are refreshed for the store-hours that a trigger marks when a sale (``sales_sale``) or a
void (``core_auditentry``) is inserted (docs/reports.md). On PostgreSQL migrations 0002 and 0003 create them
and ``ALTER TABLE`` keeps them. SQLite cannot change most columns in place: Django rebuilds the table (a new
table, the rows copied, the old one dropped), and the old table's triggers go with it. A later migration of
sales or core (in session 7: the sale's training flag and the line's promotion) then silently stops the
marks, and every report of a store node or a SQLite demo shows nothing. So, on SQLite, after every migrate
(``ReportsConfig.ready`` connects ``post_migrate``) and in migration 0005 for databases migrated already,
each trigger that is missing is created again. ``kasse/reports/tests/test_sqlite_triggers.py`` rebuilds the
sales table as such a migration does and checks that the marks come back.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

# (trigger, table it is on, statement): the same statements as migrations 0002 and 0003.
TRIGGERS = (
    (
        "sales_sale_reports_mark",
        "sales_sale",
        """
CREATE TRIGGER sales_sale_reports_mark AFTER INSERT ON sales_sale FOR EACH ROW BEGIN
    INSERT INTO reports_pendinghour (organization_id, store_id, hour, generation)
    VALUES (NEW.organization_id, NEW.store_id, strftime('%Y-%m-%d %H:00:00', NEW.completed_at), 1)
    ON CONFLICT (store_id, hour) DO UPDATE SET generation = generation + 1;
END
""",
    ),
    (
        "core_auditentry_reports_mark",
        "core_auditentry",
        """
CREATE TRIGGER core_auditentry_reports_mark AFTER INSERT ON core_auditentry FOR EACH ROW
WHEN NEW.store_id IS NOT NULL AND NEW.action IN ('register.cart.line_voided', 'register.cart.cancelled') BEGIN
    INSERT INTO reports_pendinghour (organization_id, store_id, hour, generation)
    VALUES (NEW.organization_id, NEW.store_id, strftime('%Y-%m-%d %H:00:00', NEW.created_at), 1)
    ON CONFLICT (store_id, hour) DO UPDATE SET generation = generation + 1;
END
""",
    ),
)


def ensure_triggers(using: str = "default", **_kwargs: Any) -> list[str]:
    """Create each marking trigger that is missing (SQLite only); returns the names created."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return []
    created = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {(kind, name) for kind, name in cursor.fetchall()}
        if ("table", "reports_pendinghour") not in present:
            return []  # before the reports' migrations
        for name, table, statement in TRIGGERS:
            if ("trigger", name) not in present and ("table", table) in present:
                cursor.execute(statement)
                created.append(name)
    return created
