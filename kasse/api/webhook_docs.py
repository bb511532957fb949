"""The ``webhooks`` section of the OpenAPI document (OpenAPI 3.1): what kasse sends to an endpoint per event.

The bodies are built in ``kasse/sales/events.py``, ``kasse/customers/events.py``, ``kasse/catalog/events.py``
and ``kasse/notifications/delivery.py`` (the envelope); ``kasse/api/tests/test_webhooks_api.py`` checks that a
body really sent matches its schema here.
"""

from __future__ import annotations

from typing import Any

from kasse.notifications.events import WEBHOOK_EVENTS

MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["12.50"]}
UUID = {"type": "string", "format": "uuid"}
TIME = {"type": "string", "format": "date-time"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


SALE = {
    "sale_id": UUID,
    "kind": {"type": "string", "enum": ["sale", "refund"]},
    "register_id": UUID,
    "receipt_number": {"type": "integer"},
    "employee": {"type": "string", "description": "The cashier's name on the receipt."},
    "customer_id": _nullable(UUID),
    "original_sale_id": _nullable(UUID),
    "currency": {"type": "string", "examples": ["EUR"]},
    "total": MONEY,
    "completed_at": TIME,
}
SHIFT = {
    "shift_id": UUID,
    "register_id": UUID,
    "z_number": {"type": "integer"},
    "opened_at": TIME,
    "closed_at": TIME,
    "counted_cash": _nullable(MONEY),
    "expected_cash": _nullable(MONEY),
    "cash_difference": _nullable({**MONEY, "description": "Counted minus expected cash."}),
}
CUSTOMER = {
    "customer_id": UUID,
    "customer_number": {"type": "integer"},
    **{
        name: {"type": "string"}
        for name in ("first_name", "last_name", "company", "email", "phone", "street", "postal_code", "city")
    },
    "country": {"type": "string", "description": "ISO 3166-1 alpha-2."},
    "vat_id": {"type": "string"},
    "loyalty_card_code": _nullable({"type": "string"}),
    "marketing_consent": {"type": "boolean"},
    "is_active": {"type": "boolean"},
}
PRODUCT = {
    "product_id": UUID,
    "name": {"type": "string"},
    "category_id": _nullable(UUID),
    "unit": {"type": "string"},
    "vat_class": {"type": "string"},
    "price": MONEY,
    "is_active": {"type": "boolean"},
    "variants": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "variant_id": UUID,
                "sku": {"type": "string"},
                "name": {"type": "string"},
                "price": _nullable(MONEY),
                "is_active": {"type": "boolean"},
            },
        },
    },
}
STOCK = {
    "variant_id": UUID,
    "product_id": UUID,
    "product_name": {"type": "string", "description": "Product and variant, as the shop names them."},
    "sku": {"type": "string"},
    "quantity": {"type": "string", "description": "Stock in the store, a decimal string."},
    "threshold": {"type": "string", "description": "The variant's reorder level in the store."},
}
DATA: dict[str, tuple[dict[str, Any], str]] = {
    "sale.completed": (SALE, "A receipt was completed at a register (online, or uploaded by the store node)."),
    "refund.created": (SALE, "A return was booked; `total` is negative, `original_sale_id` the receipt returned."),
    "shift.closed": (SHIFT, "A register's shift was closed with a Z report."),
    "stock.low": (
        STOCK,
        "A product's stock in a store fell below its reorder level (within a minute; once until it is back above it).",
    ),
    "customer.created": (CUSTOMER, "A customer was created (back office, API or at a register)."),
    "customer.updated": (CUSTOMER, "A customer's data changed."),
    "product.updated": (PRODUCT, "A product or its variants changed."),
}
HEADERS_TEXT = (
    "Signed as the Standard Webhooks specification describes: headers `webhook-id` (the event's id, the same on "
    "every retry: deduplicate by it), `webhook-timestamp` (Unix seconds) and `webhook-signature` "
    "(`v1,` + base64 of HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64-"
    "decoded part of the endpoint's `whsec_` secret). Answer 2xx within 10 seconds; anything else is retried "
    "with exponential backoff for 24 hours, then the endpoint is switched off."
)


def envelope(event: str) -> dict[str, Any]:
    data, _text = DATA[event]
    return {
        "type": "object",
        "required": ["type", "timestamp", "data"],
        "properties": {
            "type": {"type": "string", "const": event},
            "timestamp": TIME,
            "data": {
                "type": "object",
                "required": [*data, "organization_id"],
                "properties": {**data, "organization_id": UUID, "store_id": UUID},
            },
        },
    }


def webhooks_section() -> dict[str, Any]:
    """``{event: path item}`` for the OpenAPI document's ``webhooks``."""
    assert set(DATA) == set(WEBHOOK_EVENTS)  # noqa: S101 (a new event needs its documentation)
    return {
        event: {
            "post": {
                "summary": str(WEBHOOK_EVENTS[event]),
                "description": f"{DATA[event][1]}\n\n{HEADERS_TEXT}",
                "operationId": "webhook_" + event.replace(".", "_"),
                "tags": ["webhooks"],
                "requestBody": {"required": True, "content": {"application/json": {"schema": envelope(event)}}},
                "responses": {"2XX": {"description": "Received."}},
            }
        }
        for event in DATA
    }
