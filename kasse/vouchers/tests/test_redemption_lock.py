"""Two registers spending the same gift card at the same moment on the cloud (PostgreSQL, two connections
started together): the card's row is locked before its balance is read, so exactly one sale takes what is
left and the other gets the message."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.sales.services.errors import SaleError
from kasse.sales.services.shifts import open_shift
from kasse.testing.factories import RegisterFactory
from kasse.vouchers.models import Voucher
from kasse.vouchers.selectors import balance_of
from kasse.vouchers.tests.conftest import sell

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_registers_at_the_same_moment_cannot_spend_the_same_euro(
    on_postgres, organization, store, register, cashier, opening_float, gift_card, coffee
):
    if not on_postgres:
        pytest.skip("row locks need PostgreSQL (SQLite writes one transaction at a time anyway)")
    second = RegisterFactory(store=store, organization=organization, number=2)
    for each in (register, second):
        open_shift(actor=Actor.system(), register=each, employee=cashier, count=opening_float)
    with scopes_disabled():
        sell(register, cashier, cards=[(gift_card, "RACECARD01", "5.00")])
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def spend(at) -> None:
        try:
            start.wait()
            with scopes_disabled(), translation.override("en"):
                sell(at, cashier, [(coffee, 1)], paid_with=[("RACECARD01", "2.80")], cash="0")
            outcomes.append("paid")
        except SaleError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=spend, args=(at,)) for at in (register, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["Only 2.20 € are left on the gift card RACECARD01.", "paid"]
    with scopes_disabled():
        assert balance_of(Voucher.objects.get(code="RACECARD01")) == Decimal("2.20")
