"""The register's screens over HTTP: server-rendered dialogs, grid paging, quantity key, quick cash, returns
to the original tenders, the printer icon."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django_scopes import scopes_disabled

from kasse.register.models import CartLine
from kasse.register.pay_views import quick_cash_amounts
from kasse.register.templatetags.register_grid import hyphenated
from kasse.sales.models import Sale
from kasse.testing.factories import CategoryFactory, ProductFactory
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db
D = Decimal
EVIL = '<img src=x onerror="window.__xss=1">'


def _text(soup, testid):
    return " ".join(soup.select_one(f"[data-testid={testid}]").get_text(" ", strip=True).split())


def _line():
    with scopes_disabled():
        return CartLine.objects.get()


# --- dialogs rendered on the server ---------------------------------------------------------


def test_discount_dialog_shows_a_product_name_as_text_never_as_markup(till, organization):
    ProductFactory(organization=organization, name=EVIL, price="2.00", variant__barcode="4000000000037")
    till.post("/register/cart/scan/", {"code": "4000000000037"})
    soup = soup_of(till.get(f"/register/cart/line/{_line().pk}/discount/"))
    assert soup.select_one("[data-testid=dialog-title]").get_text() == EVIL
    assert soup.select("img") == []
    price = soup_of(till.get(f"/register/cart/line/{_line().pk}/price/"))
    assert price.select_one("[data-testid=dialog-title]").get_text() == EVIL
    assert price.select("img") == []


def test_dialogs_keep_the_approval_pin_in_its_own_include(till, bakery):
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    for url in (f"/register/cart/line/{_line().pk}/discount/", "/register/cart/discount/"):
        soup = soup_of(till.get(url))
        assert soup.select_one("input[name=manager_pin]")["data-testid"] == "manager-pin"


def test_note_dialog_shows_the_current_note_escaped(till, bakery):
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    till.post(f"/register/cart/line/{_line().pk}/note/", {"note": '"><script>x()</script>'})
    soup = soup_of(till.get(f"/register/cart/line/{_line().pk}/note/"))
    assert soup.select_one("[data-testid=note-input]")["value"] == '"><script>x()</script>'
    assert soup.select("script") == []


def test_unknown_dialog_is_404(till, bakery):
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    assert till.get(f"/register/cart/line/{_line().pk}/void/").status_code == 404
    assert till.get("/register/cart/park/").status_code == 404


# --- pay panel and quick cash -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("10.97", ["10.97", "11.00", "15.00", "20.00", "50.00"]),
        ("0.90", ["0.90", "1.00", "5.00", "10.00", "20.00"]),
        ("11.00", ["11.00", "15.00", "20.00", "50.00", "100.00"]),
        ("49.50", ["49.50", "50.00", "60.00", "100.00", "200.00"]),
    ],
)
def test_quick_cash_is_exact_then_the_next_round_amounts(due, expected):
    assert [str(q.amount) for q in quick_cash_amounts(D(due))] == expected


def test_pay_panel_shows_what_is_left_after_the_tenders_given(till, organization):
    ProductFactory(organization=organization, name="Korb", price="10.97", variant__barcode="4000000000044")
    till.post("/register/cart/scan/", {"code": "4000000000044"})
    soup = soup_of(till.get("/register/cart/pay/panel/"))
    assert _text(soup, "pay-due") == "10,97 €"
    assert [b["data-testid"] for b in soup.select("[data-cash]")] == [
        "cash-exact",
        "cash-1100",
        "cash-1500",
        "cash-2000",
        "cash-5000",
    ]
    assert _text(soup, "cash-1100") == "11 €"
    given = json.dumps([{"method": "card", "amount": "5.00"}])
    soup = soup_of(till.get("/register/cart/pay/panel/", {"payments": given}))
    assert _text(soup, "pay-due") == "5,97 €"
    assert _text(soup, "tenders") == "Karte 5,00 €"
    # Garbage from the page counts as nothing given, never a 500.
    soup = soup_of(till.get("/register/cart/pay/panel/", {"payments": '[{"method": 1}'}))
    assert _text(soup, "pay-due") == "10,97 €"


# --- quantity key -----------------------------------------------------------------------------


def test_quantity_key_applies_to_the_next_tap_and_the_next_scan_only(till, bakery):
    with scopes_disabled():
        rolls = bakery["rolls"].variants.get()
    soup = soup_of(till.post("/register/cart/times/", {"times": "6"}))
    assert _text(soup, "pending-times").startswith("Nächstes Produkt: 6 ×")
    soup = soup_of(till.post("/register/cart/add/", {"variant": str(rolls.pk)}))
    assert [q.get_text(" ", strip=True) for q in soup.select("[data-testid=line-qty]")] == ["6 × 0,45 €"]
    assert soup.select("[data-testid=pending-times]") == []
    till.post("/register/cart/times/", {"times": ["", "3"]})  # a typed number next to the preset buttons
    soup = soup_of(till.post("/register/cart/scan/", {"code": "4000000000024"}))
    assert [q.get_text(" ", strip=True) for q in soup.select("[data-testid=line-qty]")] == ["6 × 0,45 €", "3 × 2,80 €"]
    soup = soup_of(till.post("/register/cart/scan/", {"code": "4000000000024"}))
    assert soup.select("[data-testid=line-qty]")[1].get_text(" ", strip=True) == "4 × 2,80 €"


def test_quantity_key_leaves_weighed_goods_alone_and_stays_pending(till, bakery):
    till.post("/register/cart/times/", {"times": "2"})
    soup = soup_of(till.post("/register/cart/scan/", {"code": "2800019003478"}))
    assert "0,347 kg" in _text(soup, "line-qty")
    assert soup.select_one("[data-testid=pending-times]")["data-times"] == "2"
    soup = soup_of(till.post("/register/cart/times-clear/"))
    assert soup.select("[data-testid=pending-times]") == []


@pytest.mark.parametrize("typed", ["0", "abc", "1e3", "1000", "٦", "-2", "2.5", ""])
def test_quantity_key_refuses_what_is_not_a_whole_number(till, bakery, typed):
    response = till.post("/register/cart/times/", {"times": typed})
    assert response.status_code == 422
    assert _text(soup_of(response), "cart-error") == "Bitte eine ganze Zahl von 1 bis 999 eingeben."


# --- the grid ---------------------------------------------------------------------------------


@pytest.fixture
def deli(organization):
    category = CategoryFactory(organization=organization, name="Feinkost")
    for index in range(87):
        ProductFactory(organization=organization, name=f"Feinkost {index:02d}", price="1.00", category=category)
    return category


def test_every_product_of_a_category_is_reachable_page_by_page(till, deli, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        first = soup_of(till.get("/register/products/", {"category": str(deli.pk)}))
    assert len(first.select("[data-testid=tile]")) == 48
    assert _text(first, "grid-position") == "1–48 von 87"
    assert first.select_one("[data-testid=grid-previous]").has_attr("disabled")
    assert first.select_one("[data-testid=tiles]")["data-grid-category"] == str(deli.pk)
    following = first.select_one("[data-testid=grid-next]")["hx-get"]
    with django_assert_max_num_queries(12):
        second = soup_of(till.get(following))
    names = [t["data-name"] for t in second.select("[data-testid=tile]")]
    assert names[0] == "Feinkost 48"
    assert names[-1] == "Feinkost 86"
    assert len(names) == 39
    assert _text(second, "grid-position") == "49–87 von 87"
    assert second.select_one("[data-testid=grid-next]").has_attr("disabled")


def test_a_short_category_has_no_pager_and_odd_paging_input_is_harmless(till, bakery, deli):
    assert soup_of(till.get("/register/products/")).select("[data-testid=grid-pager]") == []
    for offset in ("-5", "x", "100000"):
        response = till.get("/register/products/", {"category": str(deli.pk), "offset": offset})
        assert response.status_code == 200
        assert len(soup_of(response).select("[data-testid=tile]")) in (48, 39)
    assert till.get("/register/products/", {"category": "not-a-uuid"}).status_code == 200


def test_tile_names_carry_german_soft_hyphens_and_stay_escaped(till, organization):
    assert hyphenated("Kaiserbrötchen") == "Kai\u00adser\u00adbröt\u00adchen"
    assert hyphenated("Brot") == "Brot"
    ProductFactory(organization=organization, name="Kaiserbrötchen <b>", price="0.60", is_favourite=True)
    tile = soup_of(till.get("/register/products/")).select_one("[data-testid=tile] .name")
    assert tile.get_text() == "Kai\u00adser\u00adbröt\u00adchen <b>"
    assert tile.select("b") == []


# --- returns to the tenders paid with -------------------------------------------------------------


def _sell_card_and_cash(till, organization):
    ProductFactory(organization=organization, name="Milch", price="2.29", variant__barcode="4000000000051")
    ProductFactory(organization=organization, name="Wein", price="6.11", variant__barcode="4000000000068")
    till.post("/register/cart/scan/", {"code": "4000000000051"})
    till.post("/register/cart/scan/", {"code": "4000000000068"})
    payments = [{"method": "card", "amount": "5.00"}, {"method": "cash", "amount": "3.40"}]
    assert till.post("/register/cart/pay/", {"payments": json.dumps(payments)}).status_code == 200
    with scopes_disabled():
        return Sale.objects.get(kind="sale")


def test_return_of_a_card_and_cash_sale_names_both_and_goes_back_card_first(till, organization):
    sale = _sell_card_and_cash(till, organization)
    form = soup_of(till.get(f"/register/returns/{sale.pk}/"))
    assert _text(form, "original-tenders") == "Bezahlt mit Karte 5,00 € · Bar 3,40 €"
    with scopes_disabled():
        wine = sale.lines.get(product_name="Wein")
        milk = sale.lines.get(product_name="Milch")
    ids = {"refund_id": form.select_one("input[name=refund_id]")["value"], "tender": "original"}
    preview = soup_of(till.post(f"/register/returns/{sale.pk}/", {**ids, f"qty_{wine.pk}": "1"}))
    assert [(p["data-method"], p.get_text(" ", strip=True)) for p in preview.select("[data-testid=refund-split]")] == [
        ("card", "Zurück auf Karte (am Terminal) 5,00 €"),
        ("cash", "Bar auszahlen 1,11 €"),
    ]
    done = soup_of(till.post(f"/register/returns/{sale.pk}/", {**ids, f"qty_{wine.pk}": "1", "action": "confirm"}))
    assert _text(done, "refund-to-tender") == "Zurück auf Karte (am Terminal) 5,00 €"
    assert _text(done, "cash-back") == "Bar auszahlen 1,11 €"
    assert "−" not in done.get_text()
    assert "-1,11" not in done.get_text()
    with scopes_disabled():
        refund = Sale.objects.get(kind="refund")
        assert sorted((p.method, p.amount) for p in refund.payments.all()) == [
            ("card", D("-5.00")),
            ("cash", D("-1.11")),
        ]
    # The card took back all it paid: the milk goes back in cash.
    form = soup_of(till.get(f"/register/returns/{sale.pk}/"))
    ids["refund_id"] = form.select_one("input[name=refund_id]")["value"]
    done = soup_of(till.post(f"/register/returns/{sale.pk}/", {**ids, f"qty_{milk.pk}": "1", "action": "confirm"}))
    assert done.select("[data-testid=refund-to-tender]") == []
    assert _text(done, "cash-back") == "Bar auszahlen 2,29 €"


def test_weighed_lines_show_their_unit_in_the_return_form(till, bakery):
    till.post("/register/cart/scan/", {"code": "2800019003478"})
    till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": "20"}])})
    with scopes_disabled():
        sale = Sale.objects.get(kind="sale")
    form = soup_of(till.get(f"/register/returns/{sale.pk}/"))
    assert _text(form, "return-line-detail") == "0,347 kg × 24,90 €/kg = 8,64 €"
    assert _text(form, "returnable") == "0,347 kg"


# --- top bar ------------------------------------------------------------------------------------


def test_printer_indicator_draws_an_icon_that_ships_with_kasse(till, organization, store, register):
    from kasse.printing.models import Printer, PrinterKind, RegisterPrinter

    with scopes_disabled():
        printer = Printer.objects.create(
            organization=organization,
            store=store,
            name="Bondrucker",
            kind=PrinterKind.RECEIPT,
            host="127.0.0.1",
            port=9,
            profile="generic-58",
        )
        RegisterPrinter.objects.create(organization=organization, register=register, printer=printer)
    html = till.get("/register/print/status/").content.decode()
    assert "🖨" not in html
    indicator = BeautifulSoup(html, "html.parser").select_one("[data-testid=printer-indicator]")
    assert indicator.select_one("svg[data-testid=printer-icon]") is not None
