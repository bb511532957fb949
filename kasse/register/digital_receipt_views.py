"""The digital receipt, served by the cloud: the customer's phone opens the link from the customer
display's QR code. No app, no account: the unguessable token in the link is the key, and it expires
(docs/receipts.md, "The digital receipt")."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_scopes import scope

from kasse.register.receipt_pdf import receipt_pdf
from kasse.sales.receipt import build_receipt
from kasse.sales.services.receipt_issue import digital_receipt_days, sale_for_token

# A sale from a register served by a store node reaches the cloud by sync, usually within seconds:
# until it is here the page says so and reloads itself (a meta refresh, no script).
RELOAD_SECONDS = 10


def _not_here(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "register/digital_receipt_missing.html",
        {"reload": RELOAD_SECONDS, "days": digital_receipt_days()},
        status=404,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def show(request: HttpRequest, token: str) -> HttpResponse:
    """The full receipt (the one receipt document, as on the register's screen) with a PDF download."""
    sale = sale_for_token(token)
    if sale is None:
        return _not_here(request)
    with scope(organization=sale.organization_id):
        response = render(
            request,
            "register/digital_receipt.html",
            {"sale": sale, "receipt": build_receipt(sale), "token": token},
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def pdf(request: HttpRequest, token: str) -> HttpResponse:
    sale = sale_for_token(token)
    if sale is None:
        return _not_here(request)
    with scope(organization=sale.organization_id):
        document = receipt_pdf(build_receipt(sale))
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{sale.receipt_number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
