"""GoBD: on PostgreSQL the database refuses UPDATE and DELETE of the gift-card ledger (``vouchers_voucherentry``).

A card's value changes only by a new entry (issued, redeemed, refunded by a return, adjusted with a reason);
an entry is never changed or removed. The trigger uses the fiscal journal's function
(``fiscal 0002_append_only``), like the sales journal's (``sales 0012_sales_append_only``)."""

from django.db import migrations

from kasse.core.migration_ops import RunSQLOnPostgres

FORWARDS = (
    "CREATE TRIGGER vouchers_voucherentry_append_only BEFORE UPDATE OR DELETE ON vouchers_voucherentry "
    "FOR EACH ROW EXECUTE FUNCTION kasse_fiscal_refuse_change()"
)
BACKWARDS = "DROP TRIGGER IF EXISTS vouchers_voucherentry_append_only ON vouchers_voucherentry"


class Migration(migrations.Migration):
    dependencies = [
        ("vouchers", "0001_initial"),
        ("fiscal", "0002_append_only"),
    ]

    operations = [RunSQLOnPostgres(FORWARDS, BACKWARDS)]
