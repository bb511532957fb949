"""REST API v1 read endpoints: sales, returns, shifts and Z reports, stores, registers, stock levels."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from kasse.bookkeeping.tests import conftest as bookkeeping
from kasse.testing.factories import OrganizationFactory, RegisterFactory, StoreFactory

closed_day = bookkeeping.closed_day  # a day of selling closed with Z 1 (kasse/bookkeeping/tests/conftest.py)

pytestmark = pytest.mark.django_db


def test_sales_come_with_lines_vat_rows_and_payments(api, closed_day):
    body = api.get("/sales").json()
    assert [sale["total"] for sale in body["items"]] == ["3.70", "2.80"]
    first = body["items"][0]
    assert [(line["product_name"], line["quantity"], line["total"], line["vat_rate"]) for line in first["lines"]] == [
        ("Brötchen", "2.000", "0.90", "7.00"),
        ("Kaffee", "1.000", "2.80", "19.00"),
    ]
    assert [(row["vat_rate"], row["net"], row["vat"], row["gross"]) for row in first["vat_rows"]] == [
        ("19.00", "2.35", "0.45", "2.80"),
        ("7.00", "0.84", "0.06", "0.90"),
    ]
    assert [(p["method"], p["amount"], p["tendered"], p["change"]) for p in first["payments"]] == [
        ("cash", "3.70", "10.00", "6.30")
    ]
    assert body["next_cursor"] is None


def test_returns_point_to_their_original(api, closed_day):
    sales = api.get("/sales").json()["items"]
    returns = api.get("/returns").json()["items"]
    assert len(returns) == 1
    assert returns[0]["kind"] == "refund"
    assert returns[0]["total"] == "-0.45"
    assert returns[0]["original_sale_id"] == sales[0]["id"]
    assert api.get(f"/returns/{returns[0]['id']}").json()["id"] == returns[0]["id"]
    # a sale is not a return and a return not a sale
    assert api.get(f"/returns/{sales[0]['id']}").status_code == 404
    assert api.get(f"/sales/{returns[0]['id']}").status_code == 404


def test_cursor_pages_walk_every_sale_once(api, closed_day):
    first = api.get("/sales", {"limit": 1}).json()
    assert len(first["items"]) == 1
    assert first["next_cursor"]
    second = api.get("/sales", {"limit": 1, "cursor": first["next_cursor"]}).json()
    assert [s["total"] for s in first["items"] + second["items"]] == ["3.70", "2.80"]
    assert second["next_cursor"] is None


def test_a_bad_cursor_is_a_translated_422(api, closed_day):
    response = api.get("/sales", {"cursor": "not-a-cursor"}, language="de")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "field": "cursor",
            "message": "Dieser Cursor ist ungültig. Verwenden Sie next_cursor einer vorherigen Seite "
            "oder lassen Sie ihn weg.",
        }
    ]
    assert api.get("/stock-levels", {"cursor": "bm9wZQ"}).status_code == 422


def test_updated_since_leaves_out_older_rows(api, closed_day):
    assert len(api.get("/sales", {"updated_since": "2000-01-01T00:00:00Z"}).json()["items"]) == 2
    assert api.get("/sales", {"updated_since": "2999-01-01T00:00:00Z"}).json()["items"] == []


def test_the_z_report_of_a_closed_shift(api, closed_day):
    shifts = api.get("/shifts", {"status": "closed"}).json()["items"]
    assert [(s["closing_number"], s["expected_cash"], s["counted_cash"], s["difference"]) for s in shifts] == [
        (1, "83.25", "83.00", "-0.25")
    ]
    z = api.get(f"/shifts/{closed_day.pk}/z-report").json()
    assert z["total"] == "6.05"
    assert z["by_payment"] == [{"key": "card", "amount": "2.80"}, {"key": "cash", "amount": "3.25"}]
    assert [(row["vat_rate"], row["gross"]) for row in z["by_vat"]] == [("19.00", "5.60"), ("7.00", "0.45")]
    assert z["cash_out"] == "-20.00"


def test_an_open_shift_has_no_z_report_yet(api, shift):
    assert api.get(f"/shifts/{shift.pk}/z-report").status_code == 404
    assert api.get(f"/shifts/{shift.pk}").json()["status"] == "open"


def test_stock_levels_sum_the_movements(api, closed_day, rolls):
    levels = {row["sku"]: row["quantity"] for row in api.get("/stock-levels").json()["items"]}
    with scopes_disabled():
        sku = rolls.variants.get().sku
    assert levels[sku] == "-1.000"  # two sold, one returned


def test_stores_and_registers_are_only_the_organizations(api, organization, store, register):
    other = OrganizationFactory(name="Fremd")
    RegisterFactory(store=StoreFactory(organization=other), organization=other)
    assert [s["name"] for s in api.get("/stores").json()["items"]] == ["Filiale Mitte"]
    assert [r["id"] for r in api.get("/registers").json()["items"]] == [str(register.pk)]
