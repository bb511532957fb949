"""The demo shop's loyalty program, gift cards, promotions and a campaign (issue 18), set up through the
services like an owner would in the back office, so that `make demo` shows them at the register at once:
points and a coffee stamp card on a scanned customer card, a gift card to sell, evening bread at half price,
a welcome coupon and a campaign message on the idle customer displays."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.catalog.models import Category
from kasse.core.actors import Actor
from kasse.customers.models import Customer
from kasse.loyalty.services import adjust_points, save_program, save_stamp_card, save_tier
from kasse.marketing.services import save_campaign
from kasse.promotions.services import save_promotion
from kasse.tenancy.models import Organization
from kasse.vouchers.services import create_voucher_type

WELCOME_COUPON = "WILLKOMMEN10"
CUSTOMERS_WITH_POINTS = 20


def seed_offers(actor: Actor, organization: Organization) -> None:
    """Program (1 point per euro, a point worth 1 ct, points expire after 24 months, tier "Gold"), a coffee
    stamp card, a multi-purpose gift card type, two promotions, a campaign with an idle-screen message, and
    some points on the first customers with a card (the demo's summary prints one of their card numbers)."""
    with scopes_disabled():
        categories = {c.name: c for c in Category.objects.filter(organization=organization, parent=None)}
    save_program(
        actor=actor,
        organization=organization,
        data={
            "is_active": True,
            "points_per_euro": Decimal(1),
            "point_value": Decimal("0.01"),
            "min_redeem_points": 100,
            "expiry_months": 24,
        },
    )
    save_tier(
        actor=actor,
        organization=organization,
        data={"name": "Gold", "threshold": 500, "points_per_euro": Decimal(2)},
    )
    save_stamp_card(
        actor=actor,
        organization=organization,
        data={"name": "Kaffeekarte", "product": None, "category": categories["Kaffee to go"], "stamps_needed": 10},
    )
    create_voucher_type(actor=actor, organization=organization, name="Geschenkgutschein", single_purpose=False)
    save_promotion(
        actor=actor,
        organization=organization,
        data={
            "name": "Feierabend-Brot −50 %",
            "kind": "percent",
            "percent": Decimal(50),
            "category_ids": [str(categories["Brot"].pk)],
            "time_from": dt.time(18, 0),
        },
    )
    save_promotion(
        actor=actor,
        organization=organization,
        data={
            "name": "Willkommen −10 %",
            "kind": "percent",
            "percent": Decimal(10),
            "coupon_code": WELCOME_COUPON,
            "max_uses": 500,
        },
    )
    now = timezone.now()
    save_campaign(
        actor=actor,
        organization=organization,
        data={
            "name": "Herbst",
            "segment": "all",
            "subject": "Neu bei uns: Kürbiskernbrot",
            "body": f"Mit dem Code {WELCOME_COUPON} sparen Sie 10 % auf Ihren nächsten Einkauf.",
            "coupon_code": WELCOME_COUPON,
            "display_message": "Ab 18 Uhr: Brot −50 %",
            "display_from": now,
            "display_until": now + dt.timedelta(days=60),
        },
    )
    with scopes_disabled():
        holders = list(
            Customer.objects.filter(organization=organization)
            .exclude(loyalty_card_code=None)
            .exclude(loyalty_card_code="")
            .order_by("customer_number")[:CUSTOMERS_WITH_POINTS]
        )
    for index, customer in enumerate(holders):
        adjust_points(actor=actor, customer=customer, points=150 + 35 * index, note="Demo")
