"""The customer's digital loyalty card, served by the cloud at ``/card/<token>/``: balance, stamps, history
and a QR code of the card number that the register scans like the plastic card. No login: the unguessable
token in the link the shop sent is the key (docs/security.md); a new link revokes the old one. A web app
manifest per card lets the phone add it to the home screen."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_scopes import scope

from kasse.loyalty.selectors import account, history
from kasse.loyalty.services import customer_for_token


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def card(request: HttpRequest, token: str) -> HttpResponse:
    customer = customer_for_token(token)
    if customer is None:
        return _private(render(request, "loyalty/card_missing.html", status=404))
    with scope(organization=customer.organization_id):
        context = {
            "customer": customer,
            "shop": customer.organization.name,
            "account": account(customer.pk, customer.organization_id),
            "history": history(customer.pk, limit=30),
            "token": token,
        }
        return _private(render(request, "loyalty/card.html", context))


@require_GET
def manifest(request: HttpRequest, token: str) -> HttpResponse:
    customer = customer_for_token(token)
    if customer is None:
        return _private(HttpResponse(status=404))
    start = reverse("loyalty-public:card", args=[token])
    return _private(
        JsonResponse(
            {
                "name": customer.organization.name,
                "short_name": customer.organization.name[:12],
                "start_url": start,
                "scope": start,
                "display": "standalone",
                "background_color": "#ffffff",
                "theme_color": "#0b6e4f",
                "icons": [
                    {"src": reverse("register:icon", args=[size]), "sizes": f"{size}x{size}", "type": "image/png"}
                    for size in (192, 512)
                ],
            },
            content_type="application/manifest+json",
        )
    )
