"""The register's two busiest requests keep their number of queries: a scan, and paying a cart, without
a TSE and with the development TSE (docs/benchmarks.md, "Register"). The numbers are pinned, not
capped: a query more on these paths has to be a decision (change the number here and say why in the
commit), and one less is noticed too. Paying does not cost more queries for more lines.

The numbers are the test client's inside the test's transaction (savepoints, no BEGIN/COMMIT), with
the session and activity writes of a request; docs/benchmarks.md lists the queries of a pay request.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.models import AuditEntry
from kasse.fiscal.services import create_development_tse, register_tse_client, start_transaction
from kasse.register.models import Cart, CartStatus
from kasse.tenancy.models import Employee
from kasse.testing.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

CODES = ["4000000000017", "4000000000024", "4000000000031", "4000000000048", "4000000000055"]

# Before issue 13 (3c18194, no TSE in that tree): a scan 19, paying 5 lines 53. The pay path now
# locks the cart row before reading it and asks whether a TSE is in use (one query each) and reads
# all store prices in one query instead of one per line.
# Issue 16 adds one to paying: whether the register has a connected card terminal (then a card tender
# must name a payment the terminal approved, kasse/payments/checkout.py). Issue 18 adds one to each: the
# promotions in force for the cart (a category tree is read too, only when a promotion is on categories).
# Session 11 (h4): three fewer in each pay: the cart carries the request's register (loaded with its store
# and organization by the device's token), so the TSE gate, checkout and the audit entry no longer read the
# register, the store and the organization again; the first scan of a new cart no longer reads its store.
SCAN = 16
PAY_WITHOUT_TSE = 47
# With the development TSE, the cart's transaction started in the background with its first item (as
# on a register; tests commit nothing, so the test starts it): the TSE gate, the sale's VAT rows and
# payments (read once for the TSE and the done screen), the operations recorded for the cart, then the
# finish: the TSE and this register's client (2), the last signed revision, the development TSE's step
# (device locked, transaction read, log message written, transaction closed, counters saved) and the
# stored answer (written in a savepoint without looking it up first: the unique constraint finds a repeat;
# open outage closed) with the print job in its transaction.
PAY_WITH_TSE = 66
# The same when no start was recorded (lost with a crashed process): pay starts it first, and the finish
# goes on as the client the start used (no second read of the TSE, its client and the last revision).
PAY_WITH_TSE_NOT_STARTED = 78


@pytest.fixture
def five_products(organization: Any) -> None:
    for index, code in enumerate(CODES):
        ProductFactory(
            organization=organization,
            name=f"Artikel {index}",
            price=f"{index + 1}.45",
            vat_class="standard" if index % 2 else "reduced",
            variant__barcode=code,
        )


@pytest.fixture
def with_tse(organization: Any, store: Any, register: Any) -> None:
    create_development_tse(organization=organization, actor=Actor.system(), store=store)
    register_tse_client(register=register, actor=Actor.system())


def _queries(call: Any) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200, response.content[:300]
    return [query["sql"] for query in captured.captured_queries]


def _pay(till: Client, lines: int, started: bool = False) -> list[str]:
    for code in CODES[:lines]:
        till.post("/register/cart/scan/", {"code": code})
    if started:
        with scopes_disabled():
            cart = Cart.objects.get(status=CartStatus.ACTIVE)
        start_transaction(register=cart.register, tx_id=cart.pk)
    payment = json.dumps([{"method": "cash", "amount": "100"}])
    return _queries(lambda: till.post("/register/cart/pay/", {"payments": payment}))


def _listing(queries: list[str]) -> str:
    return "\n".join(f"{index:3} {sql[:150]}" for index, sql in enumerate(queries))


def test_a_scan_takes_a_pinned_number_of_queries(till: Client, five_products: None) -> None:
    till.post("/register/cart/scan/", {"code": CODES[0]})
    queries = _queries(lambda: till.post("/register/cart/scan/", {"code": CODES[1]}))
    assert len(queries) == SCAN, _listing(queries)


def test_paying_without_a_tse_takes_a_pinned_number_of_queries_whatever_the_lines(
    till: Client, five_products: None
) -> None:
    _pay(till, 1)  # the first sale of the shift numbers its register's first receipt
    one_line, five_lines = _pay(till, 1), _pay(till, 5)
    assert len(five_lines) == PAY_WITHOUT_TSE, _listing(five_lines)
    assert len(one_line) == len(five_lines), _listing(one_line)


def test_paying_with_the_development_tse_takes_a_pinned_number_of_queries_whatever_the_lines(
    till: Client, five_products: None, with_tse: None
) -> None:
    _pay(till, 1, started=True)
    one_line, five_lines = _pay(till, 1, started=True), _pay(till, 5, started=True)
    assert len(five_lines) == PAY_WITH_TSE, _listing(five_lines)
    assert len(one_line) == len(five_lines), _listing(one_line)


def test_paying_a_cart_whose_tse_start_was_lost_takes_a_pinned_number_of_queries(
    till: Client, five_products: None, with_tse: None
) -> None:
    _pay(till, 1)
    queries = _pay(till, 5)
    assert len(queries) == PAY_WITH_TSE_NOT_STARTED, _listing(queries)


def test_a_cashier_with_a_back_office_login_pays_with_as_many_queries_and_the_log_names_the_login(
    till: Client, five_products: None, cashier: Any
) -> None:
    # Clara also logs in to the back office: the sale's audit entry names her login, by its id (her user
    # is not loaded for it)
    user = UserFactory()
    with scopes_disabled():
        Employee.objects.filter(pk=cashier.pk).update(user=user)
    _pay(till, 1)

    queries = _pay(till, 5)

    assert len(queries) == PAY_WITHOUT_TSE, _listing(queries)
    with scopes_disabled():
        entry = AuditEntry.objects.filter(action="sales.sale.completed").latest("created_at")
    assert (entry.actor_user, entry.actor_label) == (user, "employee:Clara")
