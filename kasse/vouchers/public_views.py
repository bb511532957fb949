"""A gift card's balance page for its holder, served by the cloud at ``/gift-card/<token>/``: the shop, the
card's value left and its history. No login: the unguessable token printed as a QR code on the receipt that
sold the card is the key (docs/vouchers.md); the page shows only the code's last characters."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_scopes import scope

from kasse.sales.services.vouchers import masked
from kasse.vouchers.selectors import balance_of, history, voucher_for_token


@require_GET
def balance(request: HttpRequest, token: str) -> HttpResponse:
    voucher = voucher_for_token(token)
    if voucher is None:
        response = render(request, "vouchers/public_missing.html", status=404)
    else:
        with scope(organization=voucher.organization_id):
            context = {
                "shop": voucher.organization.name,
                "voucher": voucher,
                "code": masked(voucher.code),
                "balance": balance_of(voucher),
                "entries": history(voucher),
            }
            response = render(request, "vouchers/public_balance.html", context)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
