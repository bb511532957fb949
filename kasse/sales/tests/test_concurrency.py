"""Money under concurrency: real parallel requests against ``kasse cloud --workers 2`` on PostgreSQL.

Two cashiers returning the same receipt line at the same moment, two sales spending the
same exchange credit, and a double tap on "pay" reaching two worker processes. Each race
is repeated a few times; the old code lost it (paid out twice, or answered 500) every time.
PostgreSQL only: SQLite serializes every write, so there is nothing to race there.
"""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal

import pytest

from kasse.testing.register_race import in_cloud, post, race, racing_cloud

# On several workers one runs all three, so that the racing cloud (a module fixture, tens of seconds to
# start) starts once: kasse/testing/schedule.py, TOGETHER.
pytestmark = [pytest.mark.processes, pytest.mark.postgres]
ROUNDS = 4


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    with racing_cloud(tmp_path_factory.mktemp("race"), products=3, rounds=ROUNDS) as info:
        yield info


def test_two_returns_of_the_same_line_at_the_same_moment_pay_out_once(shop):
    first, second = shop["tills"]
    for receipt in shop["receipts"]:
        form = {"action": "confirm", "tender": "cash", f"qty_{receipt['line']}": "1"}
        answers = race(
            [
                (shop["url"], till, f"/register/returns/{receipt['sale']}/", {**form, "refund_id": str(uuid.uuid4())})
                for till in (first, second)
            ]
        )
        assert sorted(status for status, _body in answers) == [200, 422]
        refused = next(body for status, body in answers if status == 422)
        assert "at most 0 can still be returned" in refused
    report = in_cloud(shop["world"], "report")
    assert {sale: report["returns"].get(sale) for sale in (r["sale"] for r in shop["receipts"])} == {
        r["sale"]: 1 for r in shop["receipts"]
    }


def test_two_sales_spending_the_same_exchange_credit_at_the_same_moment_spend_it_once(shop):
    first, second = shop["tills"]
    for credit in shop["credits"]:
        for till in (first, second):
            status, _body = post(shop["url"], till, "/register/cart/add/", {"variant": shop["variant"]})
            assert status == 200
        payments = json.dumps([{"method": "credit", "amount": credit["amount"], "reference": credit["refund"]}])
        answers = race([(shop["url"], till, "/register/cart/pay/", {"payments": payments}) for till in (first, second)])
        assert sorted(status for status, _body in answers) == [200, 422]
        assert "Only 0.00 € of this exchange credit are left." in next(b for s, b in answers if s == 422)
        for till in (first, second):  # the refused cart is cleared for the next round
            post(shop["url"], till, "/register/cart/cancel/", {})
    report = in_cloud(shop["world"], "report")
    assert {c["refund"]: Decimal(report["credit_spent"][c["refund"]]) for c in shop["credits"]} == {
        c["refund"]: Decimal(c["amount"]) for c in shop["credits"]
    }


def test_a_double_tap_on_pay_stores_the_sale_once_and_both_taps_get_it(shop):
    till = shop["tills"][0]
    sales_before = in_cloud(shop["world"], "report")["sales"]
    for _round in range(ROUNDS):
        status, body = post(shop["url"], till, "/register/cart/add/", {"variant": shop["variant"]})
        assert status == 200
        payments = json.dumps([{"method": "cash", "amount": "1000.00"}])
        # as the register does: with the id of the cart it shows (a tap that comes in after the other one
        # committed gets the stored sale, not the new empty cart)
        cart_id = re.search(r'id="cart"[^>]* data-cart="([^"]+)"', body).group(1)
        answers = race([(shop["url"], till, "/register/cart/pay/", {"payments": payments, "cart": cart_id})] * 2)
        assert [status for status, _body in answers] == [200, 200]
        shown = {re.search(r'data-testid="sale-done" data-sale="([^"]+)"', body).group(1) for _s, body in answers}
        assert len(shown) == 1  # both taps show the same receipt
    assert in_cloud(shop["world"], "report")["sales"] == sales_before + ROUNDS
