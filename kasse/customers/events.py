"""What the customers app publishes (kasse/notifications): a customer created or changed.

Called by ``save_customer`` in the cloud and, for customers a store node created or changed, by the
table's ``published`` sync rule. Reads only the row's own attributes (a model object or an uploaded row).
"""

from __future__ import annotations

from typing import Any

from kasse.notifications.events import publish

# What an integrator gets of a customer; the notes stay in kasse.
FIELDS = (
    "customer_number",
    "first_name",
    "last_name",
    "company",
    "email",
    "phone",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_id",
    "loyalty_card_code",
    "marketing_consent",
    "is_active",
)


def customer_payload(customer: Any) -> dict[str, Any]:
    return {"customer_id": str(customer.id), **{name: getattr(customer, name, None) for name in FIELDS}}


def publish_customer(customer: Any, *, created: bool) -> None:
    publish(
        "customer.created" if created else "customer.updated",
        customer.organization_id,
        None,
        customer_payload(customer),
    )


def customer_uploaded(customer: Any, before: dict[str, Any] | None) -> None:
    if before is None:
        publish_customer(customer, created=True)
    elif any(before.get(name) != getattr(customer, name, None) for name in FIELDS):
        publish_customer(customer, created=False)
