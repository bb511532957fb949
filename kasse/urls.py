"""Top-level URLs: back office, REST API, health check."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import include, path

import kasse
from kasse.api.urls import api
from kasse.core.jsi18n import javascript_catalog
from kasse.core.media import protected_media


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok", "version": kasse.__version__, "role": settings.KASSE_ROLE})


urlpatterns = [
    path("health", health, name="health"),
    path("jsi18n/<str:language>.js", javascript_catalog, name="javascript-catalog"),
    path("api/v1/", api.urls),
    path("sync/v1/fiscal/", include("kasse.fiscal.node_urls")),  # a store node's TSE secrets (docs/fiscal.md)
    path("sync/v1/payments/", include("kasse.payments.qr.node_urls")),  # its QR payment secrets (docs/payments.md)
    path("sync/v1/", include("kasse.sync.cloud.urls")),
    # Back-office sections live in their bounded context's app; the shell is kasse.backoffice.
    path("catalog/", include("kasse.catalog.backoffice_urls")),
    path("customers/", include("kasse.customers.backoffice_urls")),
    path("loyalty/", include("kasse.loyalty.backoffice_urls")),
    path("vouchers/", include("kasse.vouchers.backoffice_urls")),
    path("campaigns/", include("kasse.marketing.backoffice_urls")),
    path("promotions/", include("kasse.promotions.backoffice_urls")),
    path("stock/", include("kasse.inventory.backoffice_urls")),
    path("settings/", include("kasse.tenancy.backoffice_urls")),
    path("signup/", include("kasse.tenancy.signup_urls")),
    path("settings/api/", include("kasse.api.backoffice_urls")),
    path("settings/webhooks/", include("kasse.notifications.backoffice_urls")),
    path("notifications/", include("kasse.notifications.centre_urls")),
    path("register/print/", include("kasse.printing.register_urls")),
    path("register/", include("kasse.register.register_urls")),
    path("r/", include("kasse.register.digital_receipt_urls")),  # the digital receipt's link (public)
    path("m/", include("kasse.marketing.public_urls")),  # consent confirmation, unsubscribe (public)
    path("card/", include("kasse.loyalty.public_urls")),  # the customer's digital loyalty card (public)
    path("gift-card/", include("kasse.vouchers.public_urls")),  # a gift card's balance page (public)
    path("devices/printers/", include("kasse.printing.backoffice_urls")),
    path("devices/peripherals/", include("kasse.peripherals.backoffice_urls")),
    path("devices/card-terminals/", include("kasse.payments.backoffice_urls")),
    path("devices/", include("kasse.register.backoffice_urls")),
    path("nodes/", include("kasse.sync.backoffice.urls")),
    path("fiscal/", include("kasse.fiscal.backoffice_urls")),
    path("reports/", include("kasse.reports.backoffice_urls")),
    path("sales/", include("kasse.bookkeeping.backoffice_urls")),
    path("sales/", include("kasse.sales.backoffice_urls")),
    path("", include("kasse.backoffice.urls")),
]

if settings.KASSE_ENV != "production":
    urlpatterns.append(path("media/<path:path>", protected_media, name="media"))
