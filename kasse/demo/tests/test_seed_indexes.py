"""``kasse seed --sales`` drops the receipt tables' indexes and keys for a large load and puts them back
(:mod:`kasse.demo.sales_indexes`): the same indexes and constraints afterwards, every row checked by them, and
a seed killed in between leaves what the next one needs to finish the job."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection
from django_scopes import scopes_disabled

from kasse.demo.sales import seed_sales
from kasse.demo.sales_indexes import TABLES, drop_secondary_indexes, restore_dropped_indexes, state_file
from kasse.sales.models import Payment, Sale, SaleLine
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, ProductFactory
from kasse.testing.history import rewriting_history

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL=postgres://…): sales are seeded with COPY")


@pytest.fixture
def shop(organization, store, register):
    EmployeeFactory(organization=organization, role=Role.OWNER, display_name="Inhaberin")
    ProductFactory(organization=organization, name="Brot", price="3.50", vat_class="reduced")
    ProductFactory(organization=organization, name="Wein", price="11.90", vat_class="standard")
    return organization


def _schema() -> tuple[list[tuple], list[tuple]]:
    """Every index of the schema with its definition, every constraint with its definition and whether it is
    validated."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1, 2"
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid), convalidated "
            "FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2"
        )
        return indexes, cursor.fetchall()


def _keys_of_the_tables() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype IN ('p', 'u') AND conrelid::regclass::text = ANY(%s) "
            "OR contype = 'f' AND confrelid::regclass::text = ANY(%s)",
            [list(TABLES), list(TABLES)],
        )
        return cursor.fetchone()[0]


def test_a_seed_that_drops_the_keys_puts_back_the_same_indexes_and_constraints(shop):
    before = _schema()
    with scopes_disabled():
        result = seed_sales(shop, 1500, seed=2, rebuild_indexes=True)
        assert Sale.objects.filter(organization=shop, kind="sale").count() == result.sales == 1500
    assert _schema() == before
    assert not state_file().exists()


def test_a_seed_killed_after_dropping_is_finished_by_the_next_one(shop):
    before = _schema()
    with scopes_disabled():
        seed_sales(shop, 300, seed=3)
    assert drop_secondary_indexes(load=True) > 20
    assert _keys_of_the_tables() == 0  # the keys and the foreign keys pointing at the tables are gone
    gone = {table for table, _name, _definition in set(before[0]) - set(_schema()[0])}
    assert {"sales_saleline", "reports_productsums", "reports_hoursums"} <= gone
    assert state_file().exists()
    with scopes_disabled():
        seed_sales(shop, 0)  # what `kasse seed --sales 0` does first
    assert _schema() == before
    assert not state_file().exists()


@pytest.mark.parametrize("broken", ["duplicate line", "payment of no sale"])
def test_rows_that_break_a_dropped_key_fail_the_rebuild_and_the_file_stays(shop, broken):
    with scopes_disabled():
        seed_sales(shop, 200, seed=4)
    drop_secondary_indexes(load=True)
    with scopes_disabled():
        line = SaleLine.objects.order_by("id").values("id", "sale_id").first()
        payment = Payment.objects.order_by("id").values_list("id", flat=True).first()
    with connection.cursor() as cursor:
        if broken == "duplicate line":  # a second line in the same position of the same receipt
            cursor.execute("INSERT INTO sales_saleline SELECT * FROM sales_saleline WHERE id = %s", [line["id"]])
        else:  # a payment whose receipt does not exist
            cursor.execute("CREATE TEMP TABLE stray AS SELECT * FROM sales_payment WHERE id = %s", [payment])
            cursor.execute("UPDATE stray SET id = gen_random_uuid(), sale_id = gen_random_uuid()")
            cursor.execute("INSERT INTO sales_payment SELECT * FROM stray")
    with pytest.raises(IntegrityError):
        restore_dropped_indexes()
    assert state_file().exists()  # a seed after the rows are mended finishes the job
    with rewriting_history("sales_saleline", "sales_payment"), connection.cursor() as cursor:
        if broken == "duplicate line":
            cursor.execute(
                "DELETE FROM sales_saleline WHERE id = %s AND ctid <> (SELECT min(ctid) FROM sales_saleline "
                "WHERE id = %s)",
                [line["id"], line["id"]],
            )
        else:
            cursor.execute("DELETE FROM sales_payment WHERE sale_id NOT IN (SELECT id FROM sales_sale)")
    assert restore_dropped_indexes() > 20
    assert _keys_of_the_tables() > 0
    assert not state_file().exists()


def test_binary_fields_are_read_back_as_the_values_meant():
    """The seed's binary COPY encoding (:mod:`kasse.demo.sales_binary`) against PostgreSQL's own reading."""
    import datetime
    from decimal import Decimal

    from kasse.demo import sales_binary as binary

    amounts = [0, 1, -1, 5, 99, 100, 101, -250, 9999, 10000, 10001, 123456, -99999999, 999999999999]
    moment = datetime.datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=datetime.UTC)
    micros = (moment - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)) // datetime.timedelta(microseconds=1)
    rows = [
        binary.count(7) + binary.Cents()[cents] + binary.numeric(cents, 3) + binary.stamp(micros)
        + binary.uuid_hex("0" * 31 + "f") + binary.text("Brötchen\t\\") + binary.int2(-cents % 30000)
        + binary.boolean(cents % 2 == 1)
        for cents in amounts
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE encoded (money numeric(12, 2), quantity numeric(15, 3), at timestamptz, id uuid, "
            "name varchar(20), number smallint, flag boolean)"
        )
        with cursor.cursor.copy("COPY encoded FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(b"".join([binary.SIGNATURE, *rows, binary.TRAILER]))
        cursor.execute("SELECT money, quantity, at, id::text, name, number, flag FROM encoded")
        read = cursor.fetchall()
    assert read == [
        (
            Decimal(cents) / 100, Decimal(cents) / 1000, moment, "00000000-0000-0000-0000-00000000000f",
            "Brötchen\t\\", -cents % 30000, cents % 2 == 1,
        )
        for cents in amounts
    ]  # fmt: skip


def test_a_tables_keys_statistics_and_foreign_keys_wait_only_for_what_they_need():
    """The rebuild's jobs (:func:`kasse.demo.sales_indexes._jobs`): a table's keys and ANALYZE after its own
    builds, a foreign key after the tables on both of its ends, nothing after an unrelated table."""
    from kasse.demo.sales_indexes import _jobs

    state = {
        "indexes": [
            "CREATE INDEX sales_payment_sale_id ON public.sales_payment USING btree (sale_id)",
            "CREATE INDEX sales_saleline_variant_id ON public.sales_saleline USING btree (variant_id)",
        ],
        "keys": [
            {
                "table": "sales_sale",
                "name": "sales_sale_pkey",
                "kind": "PRIMARY KEY",
                "timing": "",
                "index": "CREATE UNIQUE INDEX sales_sale_pkey ON public.sales_sale USING btree (id)",
            },
            {
                "table": "sales_payment",
                "name": "sales_payment_pkey",
                "kind": "PRIMARY KEY",
                "timing": "",
                "index": "CREATE UNIQUE INDEX sales_payment_pkey ON public.sales_payment USING btree (id)",
            },
        ],
        "foreign_keys": [
            {
                "table": "sales_payment",
                "name": "payment_sale_fk",
                "definition": "FOREIGN KEY (sale_id) REFERENCES sales_sale(id) DEFERRABLE INITIALLY DEFERRED",
            },
        ],
    }
    jobs = {job.name: job for job in _jobs(state, {}, ("sales_shift",))}
    builds = {name: job.statements[0] for name, job in jobs.items() if name.startswith("build ")}
    assert all(statement.startswith(("CREATE INDEX IF NOT EXISTS", "CREATE UNIQUE INDEX IF NOT EXISTS"))
               for statement in builds.values())  # fmt: skip
    payment = jobs["finish sales_payment"]
    assert len(payment.after) == 2
    assert {builds[name].split()[-4] for name in payment.after} == {"public.sales_payment"}
    assert payment.statements == [
        'ALTER TABLE sales_payment ADD CONSTRAINT "sales_payment_pkey" PRIMARY KEY USING INDEX "sales_payment_pkey" ',
        'ANALYZE "sales_payment"',
    ]
    assert jobs["finish sales_shift"].after == set()
    foreign = jobs["foreign keys sales_payment"]
    assert foreign.after == {"finish sales_payment", "finish sales_sale"}
    assert foreign.statements == [
        'ALTER TABLE sales_payment ADD CONSTRAINT "payment_sale_fk" FOREIGN KEY (sale_id) REFERENCES sales_sale(id) '
        "DEFERRABLE INITIALLY DEFERRED NOT VALID",
        'ALTER TABLE sales_payment VALIDATE CONSTRAINT "payment_sale_fk"',
    ]
