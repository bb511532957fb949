"""The gift-card pages: the owner creates a voucher type, finds a card by its code, sees its balance and
history and corrects it; the card holder sees the balance by the link on the receipt only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.catalog.models import Product
from kasse.testing.plugin import soup_of
from kasse.vouchers.models import Voucher, VoucherEntryKind, VoucherType
from kasse.vouchers.selectors import balance_of
from kasse.vouchers.tests.conftest import sell

pytestmark = pytest.mark.django_db
D = Decimal


def test_the_owner_creates_voucher_types_and_a_clash_is_a_message(client, owner):
    client.force_login(owner)
    created = client.post("/vouchers/", {"name": "Geschenkgutschein", "vat_class": ""})
    assert created.status_code == 302
    client.post("/vouchers/", {"name": "Massage", "single_purpose": "on", "vat_class": "standard"})
    again = client.post("/vouchers/", {"name": "Massage", "vat_class": "standard"}, HTTP_ACCEPT_LANGUAGE="de")
    assert again.status_code == 422
    assert "Eine Gutscheinart mit diesem Namen gibt es schon." in again.content.decode()
    with scopes_disabled():
        kinds = {t.name: (t.single_purpose, t.vat_class, t.product.is_voucher) for t in VoucherType.objects.all()}
        assert Product.objects.filter(is_voucher=True).count() == 2
    # multi-purpose: not taxable when sold (VAT id 5); single-purpose: at its rate
    assert kinds == {"Geschenkgutschein": (False, "zero", True), "Massage": (True, "standard", True)}


def test_the_owner_finds_a_card_sees_its_history_and_corrects_it_never_below_zero(
    client, owner, register, cashier, shift, gift_card, coffee
):
    sell(register, cashier, cards=[(gift_card, "LISTCARD01", "30.00")])
    sell(register, cashier, [(coffee, 1)], paid_with=[("LISTCARD01", "2.80")])
    sell(register, cashier, cards=[(gift_card, "OTHER00001", "5.00")])
    client.force_login(owner)
    found = soup_of(client.get("/vouchers/", {"q": "listcard"}, HTTP_ACCEPT_LANGUAGE="de"))
    assert found.select_one("[data-testid=vouchers-outstanding]")["data-amount"] == "32.20"  # 27.20 + 5.00
    rows = found.select("[data-testid=voucher-row]")
    assert len(rows) == 1
    assert rows[0].select_one("[data-testid=voucher-balance]").text == "27,20 €"
    with scopes_disabled():
        voucher = Voucher.objects.get(code="LISTCARD01")
    page = soup_of(client.get(f"/vouchers/{voucher.pk}/", HTTP_ACCEPT_LANGUAGE="de"))
    assert [e.select("td")[1].text for e in page.select("[data-testid=voucher-entry]")] == ["Ausgegeben", "Eingelöst"]
    refused = client.post(f"/vouchers/{voucher.pk}/", {"amount": "-30", "note": "Kulanz"}, HTTP_ACCEPT_LANGUAGE="de")
    assert refused.status_code == 422
    assert "er kann nicht unter null fallen" in refused.content.decode()
    done = client.post(f"/vouchers/{voucher.pk}/", {"amount": "-7.20", "note": "Teil bar ausgezahlt"})
    assert done.status_code == 302
    with scopes_disabled():
        assert balance_of(voucher) == D("20.00")
        assert voucher.entries.filter(kind=VoucherEntryKind.ADJUSTED).get().note == "Teil bar ausgezahlt"


def test_the_balance_page_is_reached_by_the_receipts_link_only(client, register, cashier, shift, gift_card, coffee):
    sell(register, cashier, cards=[(gift_card, "PUBLIC0001", "15.00")])
    sell(register, cashier, [(coffee, 1)], paid_with=[("PUBLIC0001", "2.80")])
    with scopes_disabled():
        voucher = Voucher.objects.get(code="PUBLIC0001")
    page = client.get(f"/gift-card/{voucher.public_token}/", HTTP_ACCEPT_LANGUAGE="de")
    assert page["Cache-Control"] == "private, no-store"
    shown = soup_of(page)
    assert shown.select_one("[data-testid=gift-card-balance]")["data-balance"] == "12.20"
    assert "PUBLIC0001" not in page.content.decode()  # only the last characters of the code
    assert client.get("/gift-card/" + "x" * 32 + "/").status_code == 404
    assert client.get("/gift-card/PUBLIC0001/").status_code == 404  # the code is not the link
