"""The items of carts given up (AVBelegabbruch), kept for the DSFinV-K export; on PostgreSQL append-only
(the fiscal journal's trigger function, ``fiscal 0002_append_only``)."""

import django.db.models.deletion
import django.utils.timezone
import kasse.core.ids
from django.db import migrations, models

from kasse.core.migration_ops import RunSQLOnPostgres



class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0010_training_mode"),
        ("tenancy", "0003_employee_pins_need_not_be_unique"),
        ("fiscal", "0002_append_only"),
    ]

    operations = [
        migrations.CreateModel(
            name="AbortedCart",
            fields=[
                (
                    "id",
                    models.UUIDField(default=kasse.core.ids.uuid7, editable=False, primary_key=True, serialize=False),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="created"),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                ("employee_name", models.CharField(blank=True, max_length=120, verbose_name="cashier")),
                ("started_at", models.DateTimeField(verbose_name="started")),
                ("aborted_at", models.DateTimeField(verbose_name="given up")),
                ("total", models.DecimalField(decimal_places=2, max_digits=12, verbose_name="total")),
                ("training", models.BooleanField(default=False, verbose_name="training")),
                ("lines", models.JSONField(default=list)),
                (
                    "employee",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.employee",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.organization",
                        verbose_name="organization",
                    ),
                ),
                (
                    "register",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenancy.register"
                    ),
                ),
                (
                    "shift",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="sales.shift",
                    ),
                ),
                (
                    "store",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tenancy.store"
                    ),
                ),
            ],
            options={
                "verbose_name": "cart given up",
                "verbose_name_plural": "carts given up",
                "ordering": ["aborted_at"],
            },
        ),
        RunSQLOnPostgres(
            "CREATE TRIGGER sales_abortedcart_append_only BEFORE UPDATE OR DELETE ON sales_abortedcart "
            "FOR EACH ROW EXECUTE FUNCTION kasse_fiscal_refuse_change()",
            "DROP TRIGGER IF EXISTS sales_abortedcart_append_only ON sales_abortedcart",
        ),
    ]
