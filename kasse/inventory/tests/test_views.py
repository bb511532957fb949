"""The goods receipt pages: scanning and searching into the form, booking, errors, the labels link."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django_scopes import scopes_disabled

from kasse.core.models import AuditEntry
from kasse.inventory.models import GoodsReceipt, StockMovement
from kasse.inventory.tests.conftest import variant_of
from kasse.printing.models import Printer, PrinterKind, PrintJob
from kasse.testing.factories import ProductFactory
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db


def _url(store) -> str:
    return f"/stock/receipts/store/{store.pk}/"


def _lines(page: BeautifulSoup) -> list[tuple[str, str]]:
    return [
        (row["data-variant"], row.select_one("input[name=quantity]")["value"])
        for row in page.select("[data-testid=receipt-line]")
    ]


def _post(client, store, lines=(), htmx=True, **data):
    payload = {"variant": [str(v.pk) for v, _q in lines], "quantity": [q for _v, q in lines], **data}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(_url(store), payload, HTTP_ACCEPT_LANGUAGE="de", **headers)


def _nothing_booked():
    with scopes_disabled():
        assert not GoodsReceipt.objects.exists()
        assert not StockMovement.objects.exists()
        assert not AuditEntry.objects.filter(action="inventory.goods_receipt.booked").exists()


def test_one_store_goes_straight_to_its_page_and_the_nav_shows_the_section(owner_client, store):
    response = owner_client.get("/stock/receipts/")
    assert response.status_code == 302
    assert response["Location"] == _url(store)
    page = soup_of(owner_client.get(_url(store), HTTP_ACCEPT_LANGUAGE="de"))
    assert "Wareneingang" in [a.text for a in page.select("[data-testid=mainnav] a")]
    assert page.select_one("[data-testid=receipt-code]").has_attr("autofocus")


def test_a_scan_adds_the_product_and_a_second_scan_counts_it_up(owner_client, store, rolls, cheese):
    bread, kaese = variant_of(rolls), variant_of(cheese)
    first = soup_of(_post(owner_client, store, code="4000000000017", action="add"))
    assert _lines(first) == [(str(bread.pk), "1")]
    second = soup_of(_post(owner_client, store, [(bread, "1")], code="4000000000017", action="add"))
    assert _lines(second) == [(str(bread.pk), "2")]
    assert second.select_one("[data-testid=receipt-line]")["data-added"] == "true"
    # goods sold by weight start empty (weighed, then typed) and a second scan does not count them up
    weighed = soup_of(_post(owner_client, store, [(bread, "2")], code="KAE-1", action="add"))
    assert _lines(weighed) == [(str(bread.pk), "2"), (str(kaese.pk), "")]
    again = soup_of(_post(owner_client, store, [(bread, "2"), (kaese, "3,5")], code="4006381333931", action="add"))
    assert _lines(again) == [(str(bread.pk), "2"), (str(kaese.pk), "3,5")]
    _nothing_booked()


def test_a_name_with_several_matches_asks_which_one(owner_client, store, organization, rolls):
    dark = ProductFactory(organization=organization, name="Brötchen dunkel")
    page = soup_of(_post(owner_client, store, code="brotchen", action="add"))
    choices = page.select("[data-testid=receipt-choice]")
    assert [c.text for c in choices] == ["Brötchen", "Brötchen dunkel"]
    picked = soup_of(_post(owner_client, store, pick=str(variant_of(dark).pk)))
    assert _lines(picked) == [(str(variant_of(dark).pk), "1")]
    unknown = soup_of(_post(owner_client, store, code="Schokolade", action="add"))
    assert unknown.select_one("[data-testid=form-errors]").text.strip() == "Nichts gefunden für „Schokolade“."


def test_a_line_can_be_removed_before_booking(owner_client, store, rolls, cheese):
    bread, kaese = variant_of(rolls), variant_of(cheese)
    page = soup_of(_post(owner_client, store, [(bread, "4"), (kaese, "1,2")], remove=str(bread.pk)))
    assert _lines(page) == [(str(kaese.pk), "1,2")]


def test_booking_redirects_to_the_receipt_with_the_prefilled_labels_link(owner_client, store, rolls, cheese):
    bread, kaese = variant_of(rolls), variant_of(cheese)
    response = _post(
        owner_client,
        store,
        [(bread, "12"), (kaese, "2,45")],
        htmx=False,
        action="book",
        reference="Mühle Schulz, LS 815",
    )
    assert response.status_code == 302
    with scopes_disabled():
        receipt = GoodsReceipt.objects.get()
        assert sorted((m.variant_id, m.delta) for m in receipt.movements.all()) == sorted(
            [(bread.pk, Decimal("12.000")), (kaese.pk, Decimal("2.450"))]
        )
    assert response["Location"] == f"/stock/receipts/{receipt.pk}/"
    detail = soup_of(owner_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="de"))
    assert [q.text for q in detail.select("[data-testid=receipt-line-quantity]")] == ["12", "2,45"]
    assert detail.select_one("[data-testid=receipt-reference]").text == "Mühle Schulz, LS 815"
    assert detail.select_one("[data-testid=receipt-print-labels]")["href"] == (
        f"/devices/printers/labels/?goods_receipt={receipt.pk}"
    )
    # the store's page lists it among the recent receipts
    recent = soup_of(owner_client.get(_url(store))).select("[data-testid=recent-receipt]")
    assert [(r["data-number"], r.select("td")[3].text) for r in recent] == [("1", "2")]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([("rolls", "0")], "Die Menge von „Brötchen“ muss größer als null sein."),
        ([("rolls", "-3")], "Die Menge von „Brötchen“ muss größer als null sein."),
        ([("rolls", "zwölf")], "„zwölf“ ist keine Menge."),
        ([("rolls", "2,5")], "„Brötchen“ wird in Stück gezählt: bitte eine ganze Zahl eingeben."),
        ([("rolls", "5"), ("cheese", "1,2345")], "Höchstens 3 Nachkommastellen für „Bergkäse“, bitte."),
        ([("cheese", "")], "Bitte die Menge von „Bergkäse“ eingeben."),
        ([], "Bitte mindestens ein Produkt hinzufügen."),
    ],
)
def test_bad_input_is_refused_with_a_german_message_and_nothing_is_booked(
    owner_client, store, rolls, cheese, lines, message
):
    products = {"rolls": variant_of(rolls), "cheese": variant_of(cheese)}
    response = _post(owner_client, store, [(products[p], q) for p, q in lines], htmx=False, action="book")
    assert response.status_code == 422
    page = soup_of(response)
    assert page.select_one("[data-testid=form-errors]").text.strip() == message
    assert [q for _v, q in _lines(page)] == [q for _p, q in lines]  # what was typed stays
    _nothing_booked()


def test_another_organizations_product_id_is_refused(owner_client, store, rolls):
    foreign = variant_of(ProductFactory(name="Fremd"))
    response = _post(owner_client, store, [(variant_of(rolls), "1"), (foreign, "5")], htmx=False, action="book")
    assert response.status_code == 422  # not booked: the form comes back without the unknown line
    page = soup_of(response)
    assert page.select_one("[data-testid=form-errors]").text.strip() == ("Einige dieser Produkte gibt es nicht (mehr).")
    assert _lines(page) == [(str(variant_of(rolls).pk), "1")]
    _nothing_booked()
    added = soup_of(_post(owner_client, store, pick=str(foreign.pk)))
    assert _lines(added) == []
    _nothing_booked()


def test_a_cashier_gets_no_page_and_a_manager_only_their_store(
    client: Client, store, other_store, manager, cashier, rolls
):
    client.force_login(cashier.user)
    assert client.get("/stock/receipts/").status_code == 403
    assert client.get(_url(store)).status_code == 403
    client.force_login(manager.user)
    assert client.get("/stock/receipts/").status_code == 302  # their one store
    assert client.get(_url(other_store)).status_code == 404  # like a missing store
    assert _post(client, other_store, [(variant_of(rolls), "1")], htmx=False, action="book").status_code == 404
    response = _post(client, store, [(variant_of(rolls), "1")], htmx=False, action="book")
    assert response.status_code == 302
    # a manager manages the store's products and prices, so prints its shelf labels
    detail = soup_of(client.get(response["Location"]))
    assert detail.select_one("[data-testid=receipt-print-labels]") is not None
    assert detail.select_one("[data-testid=receipt-labels-hint]") is None
    client.force_login(cashier.user)
    assert client.get("/devices/printers/labels/").status_code == 403


def test_a_store_manager_prints_labels_only_on_their_stores_label_printers(
    client: Client, organization, store, other_store, manager, rolls
):
    with scopes_disabled():
        theirs = Printer.objects.create(
            organization=organization, store=store, name="Mitte", kind=PrinterKind.LABEL, host="127.0.0.1", port=9
        )
        other = Printer.objects.create(
            organization=organization, store=other_store, name="Süd", kind=PrinterKind.LABEL, host="127.0.0.1", port=9
        )
    client.force_login(manager.user)
    page = soup_of(client.get("/devices/printers/labels/"))
    assert [o["value"] for o in page.select("#label-printer option") if o["value"]] == [str(theirs.pk)]
    refused = client.post(
        "/devices/printers/labels/", {"action": "print", "printer": str(other.pk), f"count-{variant_of(rolls).pk}": "1"}
    )
    assert refused.status_code == 422
    with scopes_disabled():
        assert not PrintJob.objects.exists()


def test_the_labels_page_opens_with_the_receipts_products_counts_and_printer(
    owner_client, organization, store, other_store, rolls, cheese
):
    with scopes_disabled():
        Printer.objects.create(
            organization=organization, store=other_store, name="Süd", kind=PrinterKind.LABEL, host="127.0.0.1", port=9
        )
        mine = Printer.objects.create(
            organization=organization, store=store, name="Mitte", kind=PrinterKind.LABEL, host="127.0.0.1", port=9
        )
    bread, kaese = variant_of(rolls), variant_of(cheese)
    booked = _post(owner_client, store, [(bread, "12"), (kaese, "2,45")], htmx=False, action="book")
    with scopes_disabled():
        receipt = GoodsReceipt.objects.get()
    labels = soup_of(owner_client.get(f"/devices/printers/labels/?goods_receipt={receipt.pk}"))
    assert booked.status_code == 302
    counts = {i["name"]: i["value"] for i in labels.select("[data-testid=label-products] input")}
    assert counts == {f"count-{bread.pk}": "12", f"count-{kaese.pk}": "1"}
    assert labels.select_one("#label-printer option[selected]")["value"] == str(mine.pk)
    assert labels.select_one("[data-testid=label-form] input[name=goods_receipt]")["value"] == str(receipt.pk)


def test_the_labels_page_gives_404_for_a_foreign_or_malformed_receipt(owner_client, organization):
    from kasse.inventory.isolation import _receipt
    from kasse.testing.factories import OrganizationFactory

    with scopes_disabled():
        foreign = _receipt(OrganizationFactory())["receipt_id"]
    assert owner_client.get(f"/devices/printers/labels/?goods_receipt={foreign}").status_code == 404
    assert owner_client.get("/devices/printers/labels/?goods_receipt=nope").status_code == 404
