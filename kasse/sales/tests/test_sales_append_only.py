"""GoBD on PostgreSQL: nothing fiscal is ever updated or deleted; the database refuses it (triggers).

Every table of the sales journal (receipts, returns, their lines, VAT rows and payments, cash movements,
how a receipt was handed over, carts given up) and the audit log take inserts only. A cancellation or a
correction is a new record that references the original: a return points to its sale, a cash movement is
countered by another. The closed shift (cash point closing), the cash book and the TSE records have their
own tests (``test_closing_immutable.py``, ``kasse/bookkeeping/tests``, ``kasse/fiscal/tests/test_append_only.py``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.models import AuditEntry
from kasse.sales.models import AbortedCart, CashMovement, Payment, ReceiptIssue, Sale, SaleLine, SaleVat
from kasse.sales.services.receipt_issue import issue_receipt
from kasse.sales.services.shifts import record_cash_movement
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, UserFactory
from kasse.testing.history import TRIGGERS, rewriting_history
from kasse.testing.sales_data import till

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL=postgres://…): the triggers are PL/pgSQL")


def _refused(action) -> None:
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        action()


def _journal(organization, product):
    """A sale, its return, a cash movement, a digital receipt, a cart given up and an audit entry."""
    shop = till(organization, name="Laden")
    sale = shop.sell(product, 2)
    refund = shop.refund(sale)
    with scopes_disabled():
        shift = shop.register.shifts.get(status="open")
        movement = record_cash_movement(
            actor=Actor.system(),
            shift=shift,
            employee=shop.cashier,
            kind="pay_in",
            amount=Decimal("20.00"),
            reason="Wechselgeld",
            approver=EmployeeFactory(organization=organization, role=(shop.store, Role.MANAGER)),
        )
        issue_receipt(actor=Actor.system(), sale=sale, employee=shop.cashier, kind="digital")
        AbortedCart.objects.create(
            organization=organization,
            store=shop.store,
            register=shop.register,
            shift=shift,
            employee=shop.cashier,
            started_at=timezone.now(),
            aborted_at=timezone.now(),
            total=Decimal("2.80"),
        )
        log_action(organization, Actor.system(), "sales.test.logged", sale, {})
    return sale, refund, movement


def test_the_sales_journal_and_the_audit_log_refuse_every_update_and_delete(organization, coffee):
    sale, refund, movement = _journal(organization, coffee.variants.first())
    with scopes_disabled():
        tables = {
            Sale: Sale.objects.filter(pk__in=[sale.pk, refund.pk]),
            SaleLine: SaleLine.objects.filter(sale__in=[sale, refund]),
            SaleVat: SaleVat.objects.filter(sale__in=[sale, refund]),
            Payment: Payment.objects.filter(sale__in=[sale, refund]),
            CashMovement: CashMovement.objects.filter(pk=movement.pk),
            ReceiptIssue: ReceiptIssue.objects.filter(sale=sale),
            AbortedCart: AbortedCart.objects.all(),
            AuditEntry: AuditEntry.objects.filter(organization=organization),
        }
        for model, rows in tables.items():
            assert rows.exists(), model
            _refused(lambda rows=rows: rows.update(created_at=rows.first().created_at))  # even "no change"
            _refused(lambda rows=rows: rows._raw_delete(rows.db))  # a DELETE past Django's PROTECT checks
        with connection.cursor() as cursor:  # not even behind the ORM's back
            for table in TRIGGERS:
                _refused(lambda table=table: cursor.execute(f"UPDATE {table} SET created_at = created_at"))  # noqa: S608
                _refused(lambda table=table: cursor.execute(f"DELETE FROM {table}"))  # noqa: S608
        # a return is the correction: a new receipt referencing the original, which stays as it was
        assert refund.original_sale_id == sale.pk
        assert Sale.objects.get(pk=sale.pk).total == sale.total
        assert Sale.objects.get(pk=refund.pk).total == -sale.total
        assert SaleLine.objects.filter(sale=sale).count() == 1


def test_nothing_a_receipt_or_an_entry_names_can_be_deleted_from_under_it(organization, coffee):
    """Deleting what a receipt refers to (its product) is refused by Django (PROTECT) before the database is
    asked; the one SET_NULL towards the journal (an audit entry's user) is refused by the trigger: people
    leave a team by being deactivated. Tests that must date a record in the past use ``rewriting_history``,
    which works inside its block only."""
    sale, _refund, _movement = _journal(organization, coffee.variants.first())
    with scopes_disabled():
        with pytest.raises(ProtectedError), transaction.atomic():
            sale.lines.first().variant.delete()
        user = UserFactory()
        entry = log_action(organization, Actor.for_user(user), "sales.test.logged", sale, {})
        assert entry.actor_user_id == user.pk
        _refused(lambda: user.delete())
        with rewriting_history("core_auditentry"):
            AuditEntry.objects.filter(pk=entry.pk).update(action="sales.test.rewritten")
        _refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(action="sales.test.again"))
        assert AuditEntry.objects.get(pk=entry.pk).action == "sales.test.rewritten"
        assert AuditEntry.objects.get(pk=entry.pk).actor_user_id == user.pk
