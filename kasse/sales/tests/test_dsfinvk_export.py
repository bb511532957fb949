"""The DSFinV-K export of a day: every file checked against the specification (docs/fiscal.md)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.fiscal.services import (
    create_development_tse,
    register_tse_client,
)
from kasse.sales.dsfinvk.export import closings
from kasse.sales.fiscal_signing import sign_abort, sign_sale
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.refunds import RefundLineInput, refund_sale
from kasse.sales.services.shifts import close_shift, record_cash_movement
from kasse.sales.tests.dsfinvk_check import decimal_of, export_zip, read_export

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dev_tse(organization, store, register):
    device = create_development_tse(organization=organization, actor=Actor.system(), store=store)
    register_tse_client(register=register, actor=Actor.system())
    return device


def _variant(product):
    with scopes_disabled():
        return product.variants.get()


def _sale(register, employee, product, qty, method="cash", amount="50"):
    return complete_sale(
        actor=Actor.for_employee(employee),
        register=register,
        employee=employee,
        cart=SaleInput(
            id=uuid7(),
            lines=[LineInput(_variant(product).pk, D(qty))],
            payments=[PaymentInput(method, D(amount))],
        ),
    )


def _day(register, cashier, manager, shift, coffee, rolls):
    """Sales, a return, an aborted cart, a training receipt, cash in and out, and the closing."""
    sold = _sale(register, cashier, coffee, 2)  # 5.60 cash
    sign_sale(sold)
    card = _sale(register, cashier, rolls, 3, method="card", amount="1.35")
    sign_sale(card)
    with scopes_disabled():
        line = sold.lines.get()
    back = refund_sale(
        actor=Actor.for_employee(cashier),
        register=register,
        employee=cashier,
        original=sold,
        lines=[RefundLineInput(line.pk, D("1"))],
        refund_id=uuid7(),
    )
    sign_sale(back)
    aborted = uuid7()
    sign_abort(register=register, cart_id=aborted, gross={1: D("2.80"), 2: D("0.45")})
    training = complete_sale(  # rung up in training mode: signed AVTraining, no money in the drawer
        actor=Actor.for_employee(cashier),
        register=register,
        employee=cashier,
        cart=SaleInput(
            id=uuid7(),
            lines=[LineInput(_variant(coffee).pk, D(1))],
            payments=[PaymentInput("cash", D("2.80"))],
            training=True,
        ),
    )
    sign_sale(training)
    record_cash_movement(
        actor=Actor.system(), shift=shift, employee=manager, kind="pay_in", amount=D("20"), reason="Wechselgeld"
    )
    record_cash_movement(
        actor=Actor.system(), shift=shift, employee=manager, kind="pay_out", amount=D("12.50"), reason="Milch"
    )
    closed = close_shift(actor=Actor.system(), shift=shift, employee=cashier, count={"100": 1, "50": 1, "10": 1})
    return {"sold": sold, "card": card, "back": back, "aborted": aborted, "training": training, "closed": closed}


def test_a_day_exported_and_checked_file_by_file(
    organization, register, cashier, manager, shift, coffee, rolls, dev_tse
):
    day = _day(register, cashier, manager, shift, coffee, rolls)
    closed = day["closed"]
    # The closing keeps the master data of its moment
    assert closed.master_data["company"]["NAME"]
    assert closed.master_data["cashregister"]["KASSE_SERIENNR"] == register.serial_number
    assert [t["TSE_SERIAL"] for t in closed.master_data["tse"]] == [dev_tse.serial_number]
    # A later change of the store's address does not change the exported closing
    with scope(organization=organization):
        register.store.street = "Neue Straße 1"
        register.store.save()
        today = timezone.localdate()
        shifts = closings([register], today - timedelta(days=1), today + timedelta(days=1))
    assert [s.pk for s in shifts] == [closed.pk]
    with scope(organization=organization):
        files = read_export(export_zip(shifts))

    z = {"Z_KASSE_ID": register.serial_number, "Z_NR": "1"}
    for table, rows in files.items():
        for row in rows:
            assert {k: row[k] for k in z} == z, table

    # location.csv: the address at the closing
    assert files["location.csv"][0]["LOC_STRASSE"] == closed.master_data["location"]["LOC_STRASSE"] != "Neue Straße 1"
    assert files["location.csv"][0]["LOC_LAND"] == "DEU"
    # cashregister.csv, vat.csv, tse.csv
    assert files["cashregister.csv"][0]["KASSE_SW_BRAND"] == "kasse"
    assert {(r["UST_SCHLUESSEL"], r["UST_SATZ"]) for r in files["vat.csv"]} >= {("1", "19,00"), ("2", "7,00")}
    assert files["tse.csv"][0]["TSE_SERIAL"] == dev_tse.serial_number
    assert files["tse.csv"][0]["TSE_ZEITFORMAT"] == "unixTime"
    assert files["tse.csv"][0]["TSE_ZERTIFIKAT_I"]

    # transactions.csv: one Vorgang each, with its BON_TYP
    by_id = {row["BON_ID"]: row for row in files["transactions.csv"]}
    assert by_id[str(day["sold"].pk)]["BON_TYP"] == "Beleg"
    assert by_id[str(day["sold"].pk)]["UMS_BRUTTO"] == "5,60"
    assert by_id[str(day["back"].pk)]["UMS_BRUTTO"] == "-2,80"
    assert by_id[str(day["aborted"])]["BON_TYP"] == "AVBelegabbruch"
    assert by_id[str(day["aborted"])]["UMS_BRUTTO"] == "3,25"
    assert by_id[str(day["training"].pk)]["BON_TYP"] == "AVTraining"
    transfers = [r for r in files["transactions.csv"] if r["BON_TYP"] == "AVTransfer"]
    assert sorted(r["UMS_BRUTTO"] for r in transfers) == sorted(
        [
            f"{shift.opening_float:.2f}".replace(".", ","),
            "20,00",
            "-12,50",
            f"{closed.difference:.2f}".replace(".", ","),
        ]
    )

    # lines.csv / lines_vat.csv: GV_TYP per line, gross equal to the receipt
    gv = defaultdict(list)
    for row in files["lines.csv"]:
        gv[row["GV_TYP"]].append(row["BON_ID"])
    assert {"Umsatz", "Anfangsbestand", "Einzahlung", "Auszahlung", "DifferenzSollIst"} <= set(gv)
    line_gross = defaultdict(Decimal)
    for row in files["lines_vat.csv"]:
        line_gross[row["BON_ID"]] += decimal_of(row["POS_BRUTTO"])
        assert decimal_of(row["POS_NETTO"]) + decimal_of(row["POS_UST"]) == decimal_of(row["POS_BRUTTO"])
    for bon_id, row in by_id.items():
        assert line_gross[bon_id] == decimal_of(row["UMS_BRUTTO"]), bon_id

    # transactions_vat.csv: as printed (the stored VAT rows)
    vat_rows = [r for r in files["transactions_vat.csv"] if r["BON_ID"] == str(day["card"].pk)]
    assert [(r["UST_SCHLUESSEL"], r["BON_BRUTTO"]) for r in vat_rows] == [("2", "1,35000")]

    # datapayment.csv: cash and card
    payments = {(r["BON_ID"], r["ZAHLART_TYP"]): r["BASISWAEH_BETRAG"] for r in files["datapayment.csv"]}
    assert payments[(str(day["card"].pk), "Unbar")] == "1,35"
    assert payments[(str(day["back"].pk), "Bar")] == "-2,80"

    # references.csv: the return points to its original
    ref = files["references.csv"][0]
    assert (ref["BON_ID"], ref["REF_TYP"], ref["REF_BON_ID"], ref["REF_Z_NR"]) == (
        str(day["back"].pk),
        "Transaktion",
        str(day["sold"].pk),
        "1",
    )

    # transactions_tse.csv: signed receipts carry their TSE data; the float was never signed
    tse = {row["BON_ID"]: row for row in files["transactions_tse.csv"]}
    signed = tse[str(day["sold"].pk)]
    assert signed["TSE_ID"] == "1"
    assert signed["TSE_TA_SIG"]
    assert not signed["TSE_TA_FEHLER"]
    assert signed["TSE_VORGANGSDATEN"] == "Beleg^5.60_0.00_0.00_0.00_0.00^5.60:Bar"
    assert tse[str(day["aborted"])]["TSE_VORGANGSDATEN"].startswith("AVBelegabbruch^2.80_0.45")
    assert tse[str(shift.pk)]["TSE_TA_FEHLER"]  # opened before the TSE was set up

    # businesscases.csv: revenue per VAT id equals the receipts (training and abort left out)
    cases = {(r["GV_TYP"], r["UST_SCHLUESSEL"]): decimal_of(r["Z_UMS_BRUTTO"]) for r in files["businesscases.csv"]}
    assert cases[("Umsatz", "1")] == D("5.60") - D("2.80")
    assert cases[("Umsatz", "2")] == D("1.35")
    assert cases[("Einzahlung", "5")] == D("20")
    assert cases[("Auszahlung", "5")] == D("-12.50")

    # payment.csv and cash_per_currency.csv: the cash counted in the drawer
    paid = {r["ZAHLART_TYP"]: decimal_of(r["Z_ZAHLART_BETRAG"]) for r in files["payment.csv"]}
    assert paid["Unbar"] == D("1.35")
    # (the training receipt's 2.80 are neither in the shift's expected cash nor in the closing's sums)
    assert closed.counted_cash == D("160.00")
    assert paid["Bar"] == closed.counted_cash
    assert [(r["ZAHLART_WAEH"], r["ZAHLART_BETRAG_WAEH"]) for r in files["cash_per_currency.csv"]] == [
        ("EUR", "160,00")
    ]
    # cashpointclosing.csv: company data, first and last Vorgang, the sums
    closing = files["cashpointclosing.csv"][0]
    assert closing["TAXONOMIE_VERSION"] == "2.3"
    assert closing["Z_SE_BARZAHLUNGEN"] == "160,00"
    assert decimal_of(closing["Z_SE_ZAHLUNGEN"]) == sum(paid.values())
    assert closing["Z_START_ID"] == str(shift.pk)
    assert files["slaves.csv"] == []
    assert files["pa.csv"] == []
    assert files["subitems.csv"] == []


def test_a_tse_outage_mid_day_shows_in_transactions_tse(
    organization, register, cashier, shift, coffee, dev_tse, monkeypatch
):
    from kasse.fiscal.tse.development import DevelopmentTse
    from kasse.fiscal.tse.interface import TseUnavailable

    signed = _sale(register, cashier, coffee, 1)
    sign_sale(signed)

    def gone(*args, **kwargs):
        raise TseUnavailable("TSE unreachable")

    monkeypatch.setattr(DevelopmentTse, "start", gone)
    unsigned = _sale(register, cashier, coffee, 1)
    sign_sale(unsigned)
    monkeypatch.undo()
    monkeypatch.setattr(DevelopmentTse, "finish", gone)
    half = _sale(register, cashier, coffee, 1)
    sign_sale(half)
    monkeypatch.undo()
    close_shift(actor=Actor.system(), shift=shift, employee=cashier, count={"100": 1, "50": 1, "5": 1})
    with scope(organization=organization):
        today = timezone.localdate()
        files = read_export(export_zip(closings([register], today, today)))
    tse = {row["BON_ID"]: row for row in files["transactions_tse.csv"]}
    assert tse[str(signed.pk)]["TSE_TA_FEHLER"] == ""
    assert tse[str(signed.pk)]["TSE_TA_SIG"]
    # Unsigned: no signature, the reason the TSE gave (TSE_TA_FEHLER)
    assert tse[str(unsigned.pk)]["TSE_TA_SIG"] == ""
    assert "unreachable" in tse[str(unsigned.pk)]["TSE_TA_FEHLER"]
    # Started but not finished: the start's transaction number and time, no signature, the failure
    assert tse[str(half.pk)]["TSE_TANR"]
    assert tse[str(half.pk)]["TSE_TA_START"]
    assert tse[str(half.pk)]["TSE_TA_SIG"] == ""
    assert tse[str(half.pk)]["TSE_TA_FEHLER"]
    # The receipts are in the single records and the sums like any other
    totals = {row["BON_ID"]: row["UMS_BRUTTO"] for row in files["transactions.csv"]}
    assert totals[str(unsigned.pk)] == totals[str(half.pk)] == "2,80"


def test_without_a_tse_every_receipt_says_so(organization, register, cashier, shift, coffee):
    sold = _sale(register, cashier, coffee, 1)
    close_shift(actor=Actor.system(), shift=shift, employee=cashier, count={"100": 1, "50": 1, "2": 1, "0.50": 1})
    with scope(organization=organization):
        today = timezone.localdate()
        files = read_export(export_zip(closings([register], today, today)))
    row = next(r for r in files["transactions_tse.csv"] if r["BON_ID"] == str(sold.pk))
    assert row["TSE_TA_FEHLER"].startswith("Keine TSE")
    assert files["tse.csv"] == []


def test_a_cart_given_up_at_the_register_lists_its_items(
    organization, register, cashier, shift, coffee, rolls, dev_tse
):
    from kasse.register.services.cart import active_cart, add_variant, cancel_cart
    from kasse.sales.fiscal_start import wait_idle
    from kasse.sales.models import AbortedCart

    # Two coffees and three rolls on the cart, then the customer walks away
    with scope(organization=organization):
        cart = active_cart(register, cashier)
        add_variant(cart=cart, variant=_variant(coffee), quantity=D(2), barcode="4000000000024")
        # the cart's TSE start runs on a thread after the first item's commit (this test commits at once); let
        # it end first: on the tests' shared-cache SQLite its writes and the next item's (or the abort's) lock
        # each other ("database table is locked"; a node's SQLite file waits instead)
        wait_idle()
        add_variant(cart=cart, variant=_variant(rolls), quantity=D(3))
    cart_id = cart.pk
    wait_idle()
    cancel_cart(actor=Actor.for_employee(cashier), cart=cart)
    with scopes_disabled():
        kept = AbortedCart.objects.get(pk=cart_id)
        assert [(i["sku"], i["quantity"], i["total"]) for i in kept.lines] == [
            (_variant(coffee).sku, "2.000", "5.60"),
            (_variant(rolls).sku, "3.000", "1.35"),
        ]
        assert (kept.total, kept.employee_name, kept.shift_id) == (D("6.95"), cashier.display_name, shift.pk)
        if connection.vendor == "postgresql":  # GoBD: the database refuses to change or delete it
            with pytest.raises(IntegrityError):
                AbortedCart.objects.filter(pk=cart_id).update(total=D(0))
            with pytest.raises(IntegrityError):
                AbortedCart.objects.filter(pk=cart_id).delete()
    close_shift(actor=Actor.system(), shift=shift, employee=cashier, count={"100": 1})
    with scope(organization=organization):
        today = timezone.localdate()
        files = read_export(export_zip(closings([register], today, today)))
    bon = str(cart_id)
    transaction_row = next(r for r in files["transactions.csv"] if r["BON_ID"] == bon)
    assert (transaction_row["BON_TYP"], transaction_row["UMS_BRUTTO"]) == ("AVBelegabbruch", "6,95")
    assert transaction_row["BEDIENER_NAME"] == cashier.display_name
    # lines.csv: the items as they were on the cart, not one sum per VAT rate
    items = [r for r in files["lines.csv"] if r["BON_ID"] == bon]
    assert [(r["POS_ZEILE"], r["ART_NR"], r["GTIN"], r["MENGE"], r["GV_TYP"]) for r in items] == [
        ("1", _variant(coffee).sku, "4000000000024", "2,000", "Umsatz"),
        ("2", _variant(rolls).sku, "", "3,000", "Umsatz"),
    ]
    vats = {
        r["POS_ZEILE"]: (r["UST_SCHLUESSEL"], decimal_of(r["POS_BRUTTO"]))
        for r in files["lines_vat.csv"]
        if r["BON_ID"] == bon
    }
    assert vats == {"1": ("1", D("5.60")), "2": ("2", D("1.35"))}
    # The TSE signed the same amounts per VAT rate; the closing's sums leave the abort out
    tse = next(r for r in files["transactions_tse.csv"] if r["BON_ID"] == bon)
    assert tse["TSE_VORGANGSDATEN"] == "AVBelegabbruch^5.60_1.35_0.00_0.00_0.00^"
    assert not any(r["GV_TYP"] == "Umsatz" for r in files["businesscases.csv"])
