"""The customer's public pages of marketing: confirm consent (double opt-in) and unsubscribe. No login: the
signed token in the link is the key. GET shows a button, POST acts, so a mail scanner that opens links
changes nothing (RFC 8058 one-click unsubscribe posts too)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kasse.marketing import services, tokens


def _page(request: HttpRequest, template: str, context: dict[str, object], status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    if tokens.read(tokens.CONFIRM, token, max_age_days=tokens.CONFIRM_DAYS) is None:
        return _page(request, "marketing/public.html", {"state": "invalid"}, status=404)
    if request.method == "GET":
        return _page(request, "marketing/public.html", {"state": "confirm-ask"})
    customer = services.confirm_consent(token)
    if customer is None:
        return _page(request, "marketing/public.html", {"state": "invalid"}, status=404)
    return _page(request, "marketing/public.html", {"state": "confirmed", "shop": customer.organization.name})


@csrf_exempt  # the one-click unsubscribe of mail programs posts without a session (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if tokens.read(tokens.UNSUBSCRIBE, token) is None:
        return _page(request, "marketing/public.html", {"state": "invalid"}, status=404)
    if request.method == "GET":
        return _page(request, "marketing/public.html", {"state": "unsubscribe-ask"})
    customer = services.unsubscribe(token)
    if customer is None:
        return _page(request, "marketing/public.html", {"state": "invalid"}, status=404)
    return _page(request, "marketing/public.html", {"state": "unsubscribed", "shop": customer.organization.name})
