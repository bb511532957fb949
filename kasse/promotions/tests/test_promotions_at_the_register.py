"""Promotions on a real cart: the register, the customer display, the stored sale and the receipt agree;
coupons are refused with their reason and change nothing; a used-up coupon stays used up."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.promotions.models import Promotion, PromotionKind
from kasse.promotions.services import save_promotion
from kasse.register.models import Cart
from kasse.register.services.cart import cart_view
from kasse.sales.models import Sale
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.errors import SaleError
from kasse.testing.plugin import soup_of, text, texts

pytestmark = pytest.mark.django_db
D = Decimal


def promote(organization, **data) -> Promotion:
    with scopes_disabled():
        return save_promotion(actor=Actor.system(), organization=organization, data=data)


def _pay(till, amount: str, **headers):
    return till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": amount}])}, **headers)


def _variant(product):
    with scopes_disabled():
        return product.variants.get()


def test_a_promotion_stack_on_a_real_cart_is_shown_charged_stored_and_printed(till, bakery, organization):
    with scopes_disabled():
        category = bakery["rolls"].category
    # bread −50 % all day; coffee "3 for 2"; a 10 % on everything that loses wherever another saves more
    promote(organization, name="Brot −50 %", kind="percent", percent=D(50), category_ids=[str(category.pk)])
    promote(organization, name="3 für 2", kind="buy_x_get_y", buy_quantity=2, get_quantity=1,
            product_ids=[str(bakery["coffee"].pk)])  # fmt: skip
    promote(organization, name="10 % auf alles", kind="percent", percent=D(10))
    for code in ["4000000000017"] * 4 + ["4000000000024"] * 3:
        response = till.post("/register/cart/scan/", {"code": code}, HTTP_ACCEPT_LANGUAGE="de")
    page = soup_of(response)
    # rolls 4 × 0.45 = 1.80 → −0.90; coffee 3 × 2.80 = 8.40 → −2.80
    assert texts(page, "line-promotion") == ["Brot −50 % −0,90 €", "3 für 2 −2,80 €"]
    assert text(page, "cart-total") == "6,50 €"
    assert text(page, "cart-saved") == "Sie sparen 3,70 €"
    with scopes_disabled(), translation.override("de"):
        shown = render_to_string("register/partials/display_cart.html", {"view": cart_view(Cart.objects.get())})
    display = BeautifulSoup(shown, "html.parser")  # what the customer display is sent
    assert texts(display, "display-promotion") == texts(page, "line-promotion")
    assert text(display, "display-saved") == "Sie sparen 3,70 €"
    _pay(till, "10.00")
    with scopes_disabled():
        sale = Sale.objects.get()
        lines = list(sale.lines.order_by("position"))
    assert [(ln.promotion_name, ln.promotion_discount, ln.total) for ln in lines] == [
        ("Brot −50 %", D("0.90"), D("0.90")),
        ("3 für 2", D("2.80"), D("5.60")),
    ]
    assert sale.total == D("6.50")
    receipt = soup_of(till.get(f"/register/receipt/{sale.pk}/", HTTP_ACCEPT_LANGUAGE="de"))
    assert texts(receipt, "receipt-promotion") == ["Brot −50 % -0,90 €", "3 für 2 -2,80 €"]
    assert text(receipt, "receipt-saved") == "Sie haben 3,70 € gespart"


def test_an_evening_offer_applies_only_in_its_window_in_store_time(till, bakery, organization, store):
    now_local = timezone.now().astimezone(ZoneInfo(store.time_zone))
    start = (now_local + dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now_local + dt.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    promote(organization, name="Ab später", kind="percent", percent=D(50), time_from=start, time_until=end)
    response = till.post("/register/cart/scan/", {"code": "4000000000024"})
    assert text(soup_of(response), "cart-total") == "2,80 €"
    started = (now_local - dt.timedelta(minutes=5)).time().replace(second=0, microsecond=0)
    with scopes_disabled():
        Promotion.objects.update(time_from=started)
    response = till.post("/register/cart/scan/", {"code": "4000000000024"})
    assert text(soup_of(response), "cart-total") == "2,80 €"  # 2 × 2.80 − 50 %


def test_customers_only_offers_need_a_customer_on_the_cart(register, cashier, shift, coffee, organization):
    promote(organization, name="Kundenrabatt", kind="amount", amount=D("0.30"), customers_only=True)
    from kasse.testing.factories import CustomerFactory

    customer = CustomerFactory(organization=organization)
    line = [LineInput(_variant(coffee).pk, D(1))]
    anonymous = complete_sale(
        actor=Actor.system(), register=register, employee=cashier,
        cart=SaleInput(id=uuid7(), lines=line, payments=[PaymentInput("cash", D("2.80"))]),
    )  # fmt: skip
    known = complete_sale(
        actor=Actor.system(), register=register, employee=cashier,
        cart=SaleInput(id=uuid7(), lines=line, payments=[PaymentInput("cash", D("2.50"))],
                       customer_id=customer.pk),
    )  # fmt: skip
    assert (anonymous.total, known.total) == (D("2.80"), D("2.50"))


def test_a_coupon_code_is_entered_at_the_register_and_bad_codes_say_why_and_change_nothing(till, bakery, organization):
    promote(organization, name="Gutschein 20", kind="percent", percent=D(20), coupon_code="herbst 20", max_uses=1)
    promote(organization, name="Vorbei", kind="percent", percent=D(20), coupon_code="ALT",
            ends_at=timezone.now() - dt.timedelta(days=1), starts_at=timezone.now() - dt.timedelta(days=9))  # fmt: skip
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    for code, message in [
        ("NOPE", "Den Gutscheincode „NOPE“ gibt es nicht."),
        ("alt", "Der Gutschein „ALT“ ist abgelaufen."),
    ]:
        response = till.post("/register/cart/coupon/", {"code": code}, HTTP_ACCEPT_LANGUAGE="de")
        assert response.status_code == 422
        assert text(soup_of(response), "cart-error") == message
        with scopes_disabled():
            assert Cart.objects.get().coupon_codes == []
    response = till.post("/register/cart/coupon/", {"code": " Herbst20 "}, HTTP_ACCEPT_LANGUAGE="de")
    page = soup_of(response)
    assert texts(page, "cart-coupon") == ["Gutschein HERBST20 ✕"]
    assert text(page, "cart-total") == "2,24 €"
    _pay(till, "2.24")
    with scopes_disabled():
        assert Sale.objects.get().lines.get().promotion.coupon_code == "HERBST20"
    # used once of once: the next cart is told, and nothing changes
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    response = till.post("/register/cart/coupon/", {"code": "HERBST20"}, HTTP_ACCEPT_LANGUAGE="de")
    assert text(soup_of(response), "cart-error") == "Der Gutschein „HERBST20“ ist aufgebraucht."
    with scopes_disabled():
        assert Cart.objects.get().coupon_codes == []


def test_a_coupon_used_up_while_it_sat_on_a_cart_stops_the_checkout_with_the_reason(
    register, cashier, shift, coffee, organization
):
    promote(organization, name="Einmal", kind="amount", amount=D("1.00"), coupon_code="ONCE", max_uses=1)

    def sale(paid: str) -> SaleInput:
        return SaleInput(
            id=uuid7(), lines=[LineInput(_variant(coffee).pk, D(1))],
            payments=[PaymentInput("cash", D(paid))], coupon_codes=["ONCE"],
        )  # fmt: skip

    complete_sale(actor=Actor.system(), register=register, employee=cashier, cart=sale("1.80"))
    with pytest.raises(SaleError, match="aufgebraucht"):
        complete_sale(actor=Actor.system(), register=register, employee=cashier, cart=sale("1.80"))
    with scopes_disabled():
        assert Sale.objects.count() == 1


def test_the_back_office_creates_a_promotion_and_refuses_one_that_cannot_work(owner_client, organization, bakery):
    response = owner_client.post(
        "/promotions/new/",
        {"name": "Bundle", "kind": "bundle", "bundle_size": "1", "buy_quantity": "0", "get_quantity": "0",
         "priority": "0", "is_active": "on"},
        HTTP_ACCEPT_LANGUAGE="de",
    )  # fmt: skip
    assert response.status_code == 400
    errors = " ".join(e.text for e in soup_of(response).select("p.error"))
    assert "Ein Paket hat mindestens zwei Stück." in errors
    assert "Bitte den Paketpreis angeben." in errors
    with scopes_disabled():
        assert not Promotion.objects.exists()
    response = owner_client.post(
        "/promotions/new/",
        {"name": "Feierabend", "kind": "percent", "percent": "50", "buy_quantity": "0", "get_quantity": "0",
         "bundle_size": "0", "priority": "0", "is_active": "on", "time_from": "18:00", "days": ["0", "4"],
         "products": [str(bakery["rolls"].pk)], "coupon_code": ""},
    )  # fmt: skip
    assert response.status_code == 302
    with scopes_disabled():
        saved = Promotion.objects.get()
    assert (saved.kind, saved.weekdays, saved.time_from, saved.product_ids) == (
        PromotionKind.PERCENT,
        "04",
        dt.time(18, 0),
        [str(bakery["rolls"].pk)],
    )
    listing = soup_of(owner_client.get("/promotions/"))
    assert len(listing.select("[data-testid=promotion-row]")) == 1


def test_a_tier_only_offer_is_for_customers_in_that_tier_and_nobody_else(
    register, cashier, shift, coffee, organization
):
    from kasse.loyalty.models import EntryKind, LoyaltyEntry, LoyaltyTier
    from kasse.testing.factories import CustomerFactory

    with scopes_disabled():
        silver = LoyaltyTier.objects.create(organization=organization, name="Silber", threshold=100,
                                            points_per_euro=D(1))  # fmt: skip
        gold = LoyaltyTier.objects.create(organization=organization, name="Gold", threshold=500, points_per_euro=D(2))
    promote(organization, name="Gold-Rabatt", kind="amount", amount=D("0.30"), tier_ids=[str(gold.pk)])
    customers = {}
    for name, earned in [("none", 0), ("silver", 150), ("gold", 600)]:
        customer = CustomerFactory(organization=organization)
        if earned:
            with scopes_disabled():
                LoyaltyEntry.objects.create(organization=organization, customer=customer, kind=EntryKind.EARNED,
                                            key=f"test:{name}", points=earned)  # fmt: skip
        customers[name] = customer.pk
    assert silver.pk != gold.pk
    line = [LineInput(_variant(coffee).pk, D(1))]
    totals = {}
    for name, customer_id in [("anonymous", None), *customers.items()]:
        paid = D("2.50") if name == "gold" else D("2.80")
        sale = complete_sale(
            actor=Actor.system(), register=register, employee=cashier,
            cart=SaleInput(id=uuid7(), lines=line, payments=[PaymentInput("cash", paid)], customer_id=customer_id),
        )  # fmt: skip
        totals[name] = sale.total
    assert totals == {"anonymous": D("2.80"), "none": D("2.80"), "silver": D("2.80"), "gold": D("2.50")}


def test_the_promotion_form_limits_an_offer_to_loyalty_tiers(client, owner, organization):
    from kasse.loyalty.models import LoyaltyTier

    with scopes_disabled():
        gold = LoyaltyTier.objects.create(organization=organization, name="Gold", threshold=500, points_per_euro=D(2))
    client.force_login(owner)
    response = client.post("/promotions/new/", {
        "name": "Gold-Rabatt", "kind": "percent", "percent": "10", "buy_quantity": "0", "get_quantity": "0",
        "bundle_size": "0", "priority": "0", "is_active": "on", "tiers": [str(gold.pk)],
    })  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    with scopes_disabled():
        assert Promotion.objects.get(name="Gold-Rabatt").tier_ids == [str(gold.pk)]
    listing = client.get("/promotions/", HTTP_ACCEPT_LANGUAGE="de")
    assert "nur bestimmte Kundenstufen" in listing.content.decode()
