"""What a QR payment's outcome says to the cashier and the manager, in the shop's language (gettext)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kasse.payments.qr.providers import QrResult


def _reasons() -> dict[str, str]:
    return {
        "INVALID_BARCODE": _("The code is not valid (any more). Ask the customer to show a new code."),
        "ISSUER_NOT_SUPPORTED": _("The customer's payment account is not accepted here."),
        "FRAUD_DETECTED": _("Declined by the provider. Please take another means of payment."),
        "INSUFFICIENT_FUNDS": _("Declined by the provider. Please take another means of payment."),
        "INVALID_STATE": _("Declined by the provider. Please take another means of payment."),
        "LIMIT_EXCEEDED": _("Declined: the customer's limit is reached. Please take another means of payment."),
        "CANCELLED_BY_USER": _("The customer cancelled the payment in the app."),
        "CANCELED": _("Cancelled; nothing was charged."),
        "CANCELLED": _("Cancelled; nothing was charged."),
        "FAILURE": _("The payment did not go through; nothing was charged."),
        "DECLINED": _("Declined by the provider. Please take another means of payment."),
        "UNAUTHORIZED": _("The provider refused kasse's credentials. Check the QR payment account in the back office."),
        "BRANCH_NOT_FOUND": _("The provider does not know this store's branch id. Check the QR payment account."),
        "ERROR_INVALID_PARAMETER": _("The provider refused the request as malformed; nothing was charged."),
        "INVALID_PARAMETER": _("The provider refused the request as malformed; nothing was charged."),
        "AMOUNT_TOO_HIGH": _("The payment was refunded already, or the amount is more than is left of it."),
        "CREDENTIALS": _("The payment was not sent: this register cannot reach the provider's credentials."),
        "TRANSACTION_NOT_FOUND": _("The provider does not know the original payment."),
    }


def refusal(code: str, *, refund: bool = False) -> str:
    text = _reasons().get(code)
    if text:
        return text
    return (
        _("The refund was refused (%(code)s).") % {"code": code}
        if refund
        else _("Declined by the provider (%(code)s).") % {"code": code or "–"}
    )


def approved(payment: Any) -> str:
    return _("Refunded.") if payment.kind == "refund" else _("Paid.")


def unknown(result: QrResult) -> str:
    detail = result.error or result.code
    return _("No clear answer from the provider (%(detail)s); asking it for the payment's status.") % {
        "detail": detail or "–"
    }


def unsupported_scheme(label: str) -> str:
    return _("This is a %(scheme)s payment code. %(scheme)s is not accepted at this shop.") % {"scheme": label}


def not_set_up(label: str) -> str:
    return _("%(provider)s payments are not set up for this store (back office: Payments → QR payments).") % {
        "provider": label
    }


def progress(payment: Any) -> str:
    if payment.cancel_requested:
        return _("Cancelling at the provider …")
    if payment.status == "pending":
        return _("Sending the payment to the provider …")
    return _("Waiting for the customer's app …")


def nothing_to_refund() -> str:
    return _("Nothing of this return goes back through a QR payment.")
