"""Names that look like markup are text everywhere a register, a customer display or the back office shows them.

Whoever can edit or import products, customers, stores or employees could otherwise run script on a register where
manager PINs are typed. A product, a customer, the store and the cashier are named like an image with an error
handler and like an attribute break-out with a script; every page and partial must show those names literally
(escaped in HTML, plain in the PDF and the e-mail's text) and contain none of their markup.
"""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup
from django.http import HttpResponse
from django_scopes import scopes_disabled

from kasse.register.models import CartLine
from kasse.sales.models import Sale
from kasse.tenancy.models import Employee, Store
from kasse.testing.factories import CustomerFactory, ProductFactory
from kasse.testing.pdf import pdf_text

pytestmark = pytest.mark.django_db

IMG = "<img src=x onerror=alert(1)>"
BREAKOUT = '"><script>alert(2)</script>'
PRODUCT = f"P{BREAKOUT}{IMG}"
CUSTOMER = f"K{IMG}{BREAKOUT}"
STORE = f"S{BREAKOUT}"
CASHIER = f"C{IMG}"
BARCODE = "4000000000031"
MARKUP = re.compile(rb"<img[^>]*src=x|<script>alert", re.IGNORECASE)


def shows_as_text(content: HttpResponse | bytes | str, *names: str) -> str:
    """Assert that ``content`` (an HTML page or partial) has none of the names' markup and shows each name as text."""
    if isinstance(content, HttpResponse):
        assert content.status_code in (200, 422), content.status_code
        content = content.content
    raw = content.encode() if isinstance(content, str) else content
    assert not MARKUP.search(raw), MARKUP.search(raw)
    soup = BeautifulSoup(raw, "html.parser")
    assert soup.select("img[src=x], img[onerror]") == []
    for script in soup.select("script"):
        if script.get("type") == "application/json":  # data for a script (json_script): no "<" left in it
            assert "<" not in script.get_text()
        else:
            assert script.get("src")
            assert not script.get_text().strip()
    text = soup.get_text().replace("\u00ad", "")  # tiles break long names at soft hyphens
    for name in names:
        assert name in text, (name, text[:400])
    return text


def name_like_markup(organization, store, cashier) -> dict[str, object]:
    """A product, a customer, the store and the cashier, each named like markup."""
    with scopes_disabled():
        Store.objects.filter(pk=store.pk).update(name=STORE)
        Employee.objects.filter(pk=cashier.pk).update(display_name=CASHIER)
    product = ProductFactory(
        organization=organization, name=PRODUCT, price="2.00", is_favourite=True, variant__barcode=BARCODE
    )
    customer = CustomerFactory(organization=organization, first_name="", last_name=CUSTOMER)
    return {"product": product, "customer": customer}


@pytest.fixture
def marked_up(organization, store, cashier, register):
    return name_like_markup(organization, store, cashier)


def _line() -> CartLine:
    with scopes_disabled():
        return CartLine.objects.get()


def test_register_tiles_cart_and_every_dialog_show_the_names_as_text(till, marked_up):
    customer = marked_up["customer"]
    # The selling screen: the tile, the store and the cashier in the bar; the grid and a search
    shows_as_text(till.get("/register/"), PRODUCT, STORE, CASHIER)
    shows_as_text(till.get("/register/products/"), PRODUCT)
    shows_as_text(till.get("/register/products/", {"q": "P"}), PRODUCT)
    # The cart with the product and the customer
    shows_as_text(till.post("/register/cart/scan/", {"code": BARCODE}), PRODUCT)
    shows_as_text(till.get("/register/customers/", {"q": "K"}), CUSTOMER)
    shows_as_text(till.get("/register/customers/", {"q": "K", "partial": "1"}), CUSTOMER)
    shows_as_text(till.post("/register/cart/customer/", {"customer": customer.pk}))
    shows_as_text(till.get("/register/cart/"), PRODUCT, CUSTOMER)
    # Each dialog of a line and of the cart
    line = _line()
    for action in ("discount", "price", "note"):
        shows_as_text(till.get(f"/register/cart/line/{line.pk}/{action}/"), PRODUCT)
    till.post(f"/register/cart/line/{line.pk}/note/", {"note": BREAKOUT + IMG})
    assert (
        BeautifulSoup(till.get(f"/register/cart/line/{line.pk}/note/").content, "html.parser").select_one(
            "[data-testid=note-input]"
        )["value"]
        == BREAKOUT + IMG
    )
    shows_as_text(till.get("/register/cart/"), PRODUCT, BREAKOUT + IMG)
    for action in ("discount", "note", "times"):
        shows_as_text(till.get(f"/register/cart/{action}/"))
    # Pay panel and card step
    shows_as_text(till.get("/register/cart/pay/panel/", {"payments": "[]"}))
    shows_as_text(till.get("/register/cart/pay/card/", {"amount": "2.00"}))
    # Parked carts list the cart by its customer and lines
    till.post("/register/cart/park/", {"label": IMG})
    shows_as_text(till.get("/register/parked/"), IMG)


def test_sale_done_receipts_returns_and_lock_screen_show_the_names_as_text(
    till, marked_up, mailoutbox, django_capture_on_commit_callbacks
):
    till.post("/register/cart/scan/", {"code": BARCODE})
    till.post("/register/cart/customer/", {"customer": marked_up["customer"].pk})
    done = till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": "5.00"}])})
    assert done.status_code == 200
    shows_as_text(done)
    with scopes_disabled():
        sale = Sale.objects.get()
    # The receipt on screen, the receipts list, the return dialog
    shows_as_text(till.get(f"/register/receipt/{sale.pk}/"), PRODUCT, STORE)
    shows_as_text(till.get("/register/receipts/"))
    shows_as_text(till.get(f"/register/returns/{sale.pk}/"), PRODUCT)
    # The PDF and the e-mail: the names as they are (a PDF and a text body are not HTML), the HTML body escaped
    pdf = pdf_text(till.get(f"/register/receipt/{sale.pk}/pdf/").content)
    assert "onerror=alert(1)" in pdf
    assert STORE in pdf
    with django_capture_on_commit_callbacks(execute=True):
        till.post(f"/register/receipt/{sale.pk}/email/", {"email": "kunde@example.org"})
    mail = mailoutbox[0]
    assert PRODUCT in mail.body
    assert STORE in mail.body
    assert "&lt;" not in mail.body
    assert "&quot;" not in mail.body
    shows_as_text(mail.alternatives[0][0], PRODUCT, STORE)
    # The shift's X report names the cashier; the lock screen has a tile for her
    shows_as_text(till.get("/register/shift/x/"), CASHIER)
    till.post("/register/lock/now/")
    shows_as_text(till.get("/register/lock/"), CASHIER)


def test_the_customer_display_shows_the_names_as_text(
    till, register, marked_up, monkeypatch, django_capture_on_commit_callbacks
):
    from kasse.register import live

    pushed: list[str] = []
    monkeypatch.setattr(live, "_send", lambda register_id, payload: pushed.append(payload["html"]))
    live.mark_display_listening(register.pk)
    with django_capture_on_commit_callbacks(execute=True):
        till.post("/register/cart/scan/", {"code": BARCODE})
    with django_capture_on_commit_callbacks(execute=True):
        till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": "5.00"}])})
    assert len(pushed) >= 2
    shows_as_text(pushed[0], PRODUCT)
    for html in pushed[1:]:
        shows_as_text(html)


def test_back_office_lists_show_the_names_as_text(till, owner_client, marked_up, store):
    customer = marked_up["customer"]
    till.post("/register/cart/scan/", {"code": BARCODE})
    till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": "5.00"}])})
    pages = {
        "/catalog/": [PRODUCT],
        f"/catalog/products/{marked_up['product'].pk}/": [],
        "/customers/": [CUSTOMER],
        f"/customers/{customer.pk}/": [CUSTOMER],
        "/settings/stores/": [STORE],
        "/settings/employees/": [CASHIER],
        "/devices/": [STORE],
        "/stock/receipts/": [STORE],  # (one store: straight to its page)
        "/nodes/live/": [STORE],
        "/": [],
    }
    for path, names in pages.items():
        response = owner_client.get(path, HTTP_ACCEPT_LANGUAGE="de", follow=True)
        assert response.status_code == 200, path
        shows_as_text(response, *names)
        # Form fields carry the name as their value, not as markup
        for field in BeautifulSoup(response.content, "html.parser").select("input[value]"):
            assert "<script" not in field["value"] or field["value"] in (PRODUCT, CUSTOMER, STORE, CASHIER), path
