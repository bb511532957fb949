"""A trigram index for product search on PostgreSQL (measured in docs/benchmarks.md).

``search_products`` filters ``search_text LIKE '%word%'``, which a B-tree cannot
serve; a pg_trgm GIN index can. SQLite has no such index type, so there this
migration does nothing.
"""

from django.db import migrations

INDEX = "catalog_product_search_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_product USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
