"""Sales: receipts (sales and returns), their lines and payments, shifts and cash."""

from kasse.sales.models.aborted import AbortedCart
from kasse.sales.models.counters import CounterKind, RegisterCounter
from kasse.sales.models.receipt_issue import ReceiptIssue, ReceiptIssueKind
from kasse.sales.models.sale import Payment, PaymentMethod, Sale, SaleKind, SaleLine, SaleVat
from kasse.sales.models.shift import (
    CASH_CATEGORIES_IN,
    CASH_CATEGORIES_OUT,
    CashCategory,
    CashMovement,
    CashMovementKind,
    Shift,
    ShiftStatus,
)

__all__ = [
    "AbortedCart",
    "CASH_CATEGORIES_IN",
    "CASH_CATEGORIES_OUT",
    "CashCategory",
    "CashMovement",
    "CashMovementKind",
    "CounterKind",
    "Payment",
    "PaymentMethod",
    "ReceiptIssue",
    "ReceiptIssueKind",
    "RegisterCounter",
    "Sale",
    "SaleKind",
    "SaleLine",
    "SaleVat",
    "Shift",
    "ShiftStatus",
]
