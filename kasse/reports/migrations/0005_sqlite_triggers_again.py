# The marking triggers on SQLite, which sales 0009 and 0010 dropped by rebuilding sales_sale
# (kasse/reports/sqlite_triggers.py); a no-op on PostgreSQL.
from django.db import migrations


def put_back(apps, schema_editor):
    from kasse.reports.sqlite_triggers import ensure_triggers

    ensure_triggers(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_day_sums"),
        ("sales", "0011_aborted_cart"),
    ]

    operations = [migrations.RunPython(put_back, migrations.RunPython.noop)]
