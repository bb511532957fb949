"""What promotions cost a scan in queries (issue 18's benchmark, docs/pricing.md "Promotions"): one query
for all promotions in force however many there are (asked with none active too, so 40 promotions cost no
query more than none), the category tree only when one of them names a category, nothing per cart line,
and a coupon on the cart read once per scan, not once to check it and again to price with it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.promotions.models import Promotion
from kasse.promotions.services import save_promotion
from kasse.testing.factories import ProductFactory

pytestmark = pytest.mark.django_db
D = Decimal
ROLLS, COFFEE = "4000000000017", "4000000000024"


def promote(organization, **data) -> Promotion:
    with scopes_disabled():
        return save_promotion(actor=Actor.system(), organization=organization, data=data)


def _scan_queries(till, code: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = till.post("/register/cart/scan/", {"code": code})
    assert response.status_code == 200
    return len(queries.captured_queries)


def _switch(organization, on: bool) -> None:
    with scopes_disabled():
        Promotion.objects.filter(organization=organization).update(is_active=on)


def test_forty_promotions_on_products_cost_a_scan_no_query_more_than_none_and_none_per_line(till, bakery, organization):
    others = [str(ProductFactory(organization=organization).pk) for _ in range(3)]
    for n in range(40):  # on goods not in the cart, and some that are; read, tried and mostly dropped
        promote(organization, name=f"Aktion {n}", kind="amount", amount=D("0.05"),
                product_ids=[*others, str(bakery["coffee"].pk)] if n % 4 == 0 else others)  # fmt: skip
    promote(organization, name="Nur Kunden", kind="percent", percent=D(10), customers_only=True)
    promote(organization, name="Gutschein", kind="percent", percent=D(10), coupon_code="NICHTDA")
    till.post("/register/cart/scan/", {"code": ROLLS})
    _switch(organization, False)
    off = _scan_queries(till, COFFEE)
    _switch(organization, True)
    on = _scan_queries(till, COFFEE)
    assert on == off
    for _ in range(6):  # a longer cart: the same number of queries
        till.post("/register/cart/scan/", {"code": ROLLS})
        till.post("/register/cart/scan/", {"code": COFFEE})
    assert _scan_queries(till, COFFEE) == on
    page = till.get("/register/").content.decode()
    assert "Aktion 0" in page  # the offers were applied, not just read


def test_a_promotion_on_a_category_adds_the_category_tree_and_nothing_else(till, bakery, organization):
    with scopes_disabled():
        category = bakery["rolls"].category
    promote(organization, name="Brot", kind="percent", percent=D(50), category_ids=[str(category.pk)])
    till.post("/register/cart/scan/", {"code": COFFEE})
    _switch(organization, False)
    off = _scan_queries(till, ROLLS)
    _switch(organization, True)
    assert _scan_queries(till, ROLLS) == off + 1


def test_a_coupon_on_the_cart_is_read_once_per_scan(till, bakery, organization):
    promote(organization, name="Herbst", kind="percent", percent=D(20), coupon_code="HERBST", max_uses=5)
    till.post("/register/cart/scan/", {"code": COFFEE})
    without = _scan_queries(till, COFFEE)
    assert till.post("/register/cart/coupon/", {"code": "herbst"}).status_code == 200
    # the coupon and its uses (2), checked once; the promotions query is there without a coupon too
    assert _scan_queries(till, COFFEE) == without + 2
