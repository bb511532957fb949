"""Tenant-isolation cases of the REST API and the token pages (see kasse/testing/isolation.py).

``make`` runs with scopes disabled and creates rows directly, so this module
needs nothing test-only. API cases are asked with a token of the other
organization and must get the same 404 as a missing id, with valid bodies so
that a 404 cannot hide behind a 422.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kasse.api.models import ApiToken
from kasse.catalog.models import Barcode, Category, Product, Variant
from kasse.customers.models import Customer
from kasse.tenancy.models import Organization
from kasse.testing.isolation import IsolationCase

ISOLATION_EAN = "4006381333931"


def _webhook_id(org: Organization) -> dict[str, Any]:
    from kasse.notifications.isolation import _endpoint_id

    return {"endpoint_id": _endpoint_id(org)["pk"]}


def _webhook_delivery_id(org: Organization) -> dict[str, Any]:
    from kasse.notifications.isolation import _delivery_id

    return {"delivery_id": _delivery_id(org)["pk"]}


def _product(org: Organization) -> Product:
    product = Product.objects.create(organization=org, name="Brötchen", price=Decimal("0.45"))
    variant = Variant.objects.create(organization=org, product=product, sku=f"ISO-{product.pk.hex[:12]}")
    Barcode.objects.create(organization=org, variant=variant, code=ISOLATION_EAN, kind="ean13")
    return product


def _product_id(org: Organization) -> dict[str, Any]:
    return {"product_id": _product(org).pk}


def _barcode(org: Organization) -> dict[str, Any]:
    _product(org)
    return {"code": ISOLATION_EAN}


def _category_id(org: Organization) -> dict[str, Any]:
    return {"category_id": Category.objects.create(organization=org, name="Backwaren").pk}


def _customer_id(org: Organization) -> dict[str, Any]:
    customer = Customer.objects.create(organization=org, customer_number=10001, last_name="Schmidt")
    return {"customer_id": customer.pk}


def _sale(org: Organization) -> dict[str, Any]:
    from kasse.register.isolation import _sale as sale

    return sale(org)


def _return(org: Organization) -> dict[str, Any]:
    from kasse.core.actors import Actor
    from kasse.core.ids import uuid7
    from kasse.sales.models import Sale
    from kasse.sales.services.refunds import RefundLineInput, refund_sale

    original = Sale.objects.get(pk=_sale(org)["sale_id"])
    line = original.lines.get()
    returned = refund_sale(
        actor=Actor.system(),
        register=original.register,
        employee=original.employee,
        original=original,
        lines=[RefundLineInput(line.pk, Decimal("1"))],
        refund_id=uuid7(),
        tender="cash",
    )
    return {"return_id": returned.pk}


def _shift_id(org: Organization) -> dict[str, Any]:
    from kasse.register.isolation import _closed_shift

    return _closed_shift(org)


def _token(org: Organization) -> dict[str, Any]:
    token = ApiToken.objects.create(organization=org, name="Fremd", prefix="f00dcafe", secret_digest="0" * 64)
    return {"pk": token.pk}


CASES = [
    IsolationCase("api-v1:category_detail", _category_id, methods=("get", "put", "patch"), data={"name": "Fremd"}),
    IsolationCase(
        "api-v1:product_detail", _product_id, methods=("get", "put", "patch"), data={"name": "Fremd", "price": "1.00"}
    ),
    IsolationCase("api-v1:product_deactivate", _product_id, methods=("post",)),
    IsolationCase("api-v1:product_by_barcode", _barcode),
    IsolationCase("api-v1:customer_detail", _customer_id, methods=("get", "put", "patch"), data={"last_name": "Fremd"}),
    IsolationCase("api-v1:sale_detail", _sale),
    IsolationCase("api-v1:return_detail", _return),
    IsolationCase("api-v1:shift_detail", _shift_id),
    IsolationCase("api-v1:shift_z_report", _shift_id),
    IsolationCase("api-backoffice:token-revoke", _token, methods=("post",)),
    IsolationCase("api-v1:webhook_detail", _webhook_id, methods=("get", "patch", "delete"), data={"description": "x"}),
    IsolationCase("api-v1:webhook_test", _webhook_id, methods=("post",)),
    IsolationCase("api-v1:webhook_deliveries", _webhook_id),
    IsolationCase("api-v1:webhook_redeliver", _webhook_delivery_id, methods=("post",)),
]
