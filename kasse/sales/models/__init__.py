"""Sales: receipts (sales and returns), their lines and payments, shifts and cash."""

from kasse.sales.models.counters import CounterKind, RegisterCounter
from kasse.sales.models.receipt_issue import ReceiptIssue, ReceiptIssueKind
from kasse.sales.models.sale import Payment, PaymentMethod, Sale, SaleKind, SaleLine, SaleVat
from kasse.sales.models.shift import CashMovement, CashMovementKind, Shift, ShiftStatus

__all__ = [
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
