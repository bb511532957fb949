"""What the catalog publishes (kasse/notifications): a product changed."""

from __future__ import annotations

from typing import Any

from kasse.catalog.models import Product, Variant
from kasse.notifications.events import publish


def product_payload(product: Product) -> dict[str, Any]:
    """The body of ``product.updated``: the product with its variants as they are after the change."""
    return {
        "product_id": str(product.pk),
        "name": product.name,
        "category_id": str(product.category_id) if product.category_id else None,
        "unit": product.unit,
        "vat_class": product.vat_class,
        "price": str(product.price),
        "is_active": product.is_active,
        "variants": [
            {
                "variant_id": str(v.pk),
                "sku": v.sku,
                "name": v.name,
                "price": None if v.price is None else str(v.price),
                "is_active": v.is_active,
            }
            for v in Variant.objects.filter(product=product).order_by("position")
        ],
    }


def publish_product_updated(product: Product) -> None:
    publish("product.updated", product.organization_id, None, product_payload(product))
