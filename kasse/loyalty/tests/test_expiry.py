"""Points expire after the program's months, oldest first, once a day."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.loyalty.booking import Asked
from kasse.loyalty.models import EntryKind, LoyaltyEntry
from kasse.loyalty.selectors import points_balance
from kasse.loyalty.services import save_program
from kasse.loyalty.tests.conftest import sell

pytestmark = pytest.mark.django_db


def test_points_expire_after_their_months_counting_what_was_spent_against_the_oldest(
    register, cashier, shift, organization, program, anna, coffee
):
    save_program(actor=Actor.system(), organization=organization, data={"expiry_months": 12})
    sell(register, cashier, anna, [(coffee, 10)])  # 28 points, expire in 12 months
    with scopes_disabled():
        earn = LoyaltyEntry.objects.get(kind=EntryKind.EARNED)
        assert earn.expires_at is not None
        months = (earn.expires_at.year - earn.created_at.year) * 12 + earn.expires_at.month - earn.created_at.month
        assert months == 12
        LoyaltyEntry.objects.filter(pk=earn.pk).update(expires_at=timezone.now() - timedelta(days=1))
    sell(register, cashier, anna, [(coffee, 1)], redeem=Asked(points=10))  # spends 10 of the old ones; earns 2 (2.70 €)
    out = StringIO()
    call_command("expire_points", stdout=out)
    call_command("expire_points", stdout=out)  # twice a day: once
    assert "Points expired for 1 customer(s)" in out.getvalue()
    with scopes_disabled():
        (expired,) = LoyaltyEntry.objects.filter(kind=EntryKind.EXPIRED)
        assert expired.points == -18  # 28 earned − 10 spent
        assert points_balance(anna.pk) == 2  # the new points stay
