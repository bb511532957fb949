"""Segments pick exactly the customers they say, over real sales and loyalty entries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.loyalty.services import adjust_points, save_stamp_card, save_tier
from kasse.loyalty.tests.conftest import sell
from kasse.marketing.segments import segment
from kasse.sales.models import Sale
from kasse.testing.factories import CustomerFactory
from kasse.testing.history import rewriting_history

pytestmark = pytest.mark.django_db


def _names(organization, kind, value=""):
    with scopes_disabled():
        return sorted(c.last_name for c in segment(organization.pk, kind, value))


def test_each_segment_picks_exactly_its_customers(register, cashier, shift, organization, program, coffee):
    recent, old, big, never = (
        CustomerFactory(organization=organization, last_name=name) for name in ("Neu", "Alt", "Gross", "Nie")
    )
    card = save_stamp_card(
        actor=Actor.system(), organization=organization, data={"name": "Kaffee", "product": coffee, "stamps_needed": 10}
    )
    assert card.stamps_needed == 10
    sell(register, cashier, recent, [(coffee, 1)])
    old_sale = sell(register, cashier, old, [(coffee, 1)])
    for _ in range(8):
        sell(register, cashier, big, [(coffee, 10)])  # 8 × 28 € = 224 €
    with scopes_disabled(), rewriting_history("sales_sale"):
        Sale.objects.filter(pk=old_sale.pk).update(completed_at=timezone.now() - timedelta(days=120))
    save_tier(
        actor=Actor.system(),
        organization=organization,
        data={"name": "Gold", "threshold": 200, "points_per_euro": Decimal(2)},
    )
    assert _names(organization, "bought_recently", "90") == ["Gross", "Neu"]
    assert _names(organization, "not_visited", "60") == ["Alt"]
    assert _names(organization, "revenue_this_year", "200") == ["Gross"]
    assert _names(organization, "tier", "gold") == ["Gross"]
    assert _names(organization, "stamps_almost_full", "9") == ["Alt", "Neu"]  # 1 of 10; Gross has 80 (full)
    assert "Nie" in _names(organization, "all")
    adjust_points(actor=Actor.system(), customer=never, points=5, note="x")
    with pytest.raises(ValidationError):
        segment(organization.pk, "bought_recently", "viele")
    with pytest.raises(ValidationError):
        segment(organization.pk, "tier", "Platin")
