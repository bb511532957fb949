"""processType/processData exactly as DSFinV-K Anhang I writes them, and the amounts to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasse.fiscal.process_data import (
    BonTyp,
    PaymentKey,
    PaymentKind,
    ProcessDataError,
    VatSlot,
    abort,
    cash_movement,
    kassenbeleg,
    parse_kassenbeleg,
    receipt,
)

D = Decimal
CASH = PaymentKey(PaymentKind.CASH)
CARD = PaymentKey(PaymentKind.NON_CASH)


def test_the_specifications_example_is_written_exactly():
    data = receipt({VatSlot.NORMAL: D("4.05"), VatSlot.REDUCED_1: D("3.00")}, {CASH: D("7.05")})
    assert data.process_type == "Kassenbeleg-V1"
    assert data.process_data == "Beleg^4.05_3.00_0.00_0.00_0.00^7.05:Bar"


def test_the_five_slots_keep_the_specifications_order_whatever_the_input_order():
    data = receipt(
        {
            VatSlot.NULL: D("5.00"),
            VatSlot.SPECIAL_RATE_2: D("4.00"),
            VatSlot.SPECIAL_RATE_1: D("3.00"),
            VatSlot.REDUCED_1: D("2.00"),
            VatSlot.NORMAL: D("1.00"),
        },
        {CARD: D("15.00")},
    )
    assert data.process_data == "Beleg^1.00_2.00_3.00_4.00_5.00^15.00:Unbar"


def test_cash_comes_before_non_cash_and_a_foreign_currency_is_named():
    data = receipt(
        {VatSlot.NORMAL: D("30.00")},
        {CARD: D("10.00"), PaymentKey(PaymentKind.CASH, "CHF"): D("5.50"), CASH: D("14.50")},
    )
    assert data.process_data == "Beleg^30.00_0.00_0.00_0.00_0.00^14.50:Bar_5.50:Bar:CHF_10.00:Unbar"


def test_a_return_is_negative_and_a_training_receipt_is_av_training():
    assert receipt({VatSlot.REDUCED_1: D("-2.40")}, {CASH: D("-2.40")}).process_data == (
        "Beleg^0.00_-2.40_0.00_0.00_0.00^-2.40:Bar"
    )
    assert receipt({VatSlot.NORMAL: D("1.19")}, {CASH: D("1.19")}, training=True).process_data == (
        "AVTraining^1.19_0.00_0.00_0.00_0.00^1.19:Bar"
    )


def test_an_abort_lists_what_was_in_the_cart_and_no_payment():
    assert abort().process_data == "AVBelegabbruch^0.00_0.00_0.00_0.00_0.00^"
    assert abort({VatSlot.NORMAL: D("3.50")}).process_data == "AVBelegabbruch^3.50_0.00_0.00_0.00_0.00^"


def test_cash_in_and_out_are_av_transfer_without_vat():
    assert cash_movement(D("100.00")).process_data == "AVTransfer^0.00_0.00_0.00_0.00_0.00^100.00:Bar"
    assert cash_movement(D("-20.00")).process_data == "AVTransfer^0.00_0.00_0.00_0.00_0.00^-20.00:Bar"


def test_exempt_and_not_determinable_vat_ids_go_to_the_zero_slot_and_others_are_refused():
    assert VatSlot.for_dsfinvk_id(1) is VatSlot.NORMAL
    assert VatSlot.for_dsfinvk_id(6) is VatSlot.NULL
    assert VatSlot.for_dsfinvk_id(7) is VatSlot.NULL
    with pytest.raises(ProcessDataError):
        VatSlot.for_dsfinvk_id(11)


@pytest.mark.parametrize("bad", [D("1.005"), D("NaN"), D("Infinity")])
def test_amounts_that_are_not_cents_are_refused(bad):
    with pytest.raises(ProcessDataError):
        receipt({VatSlot.NORMAL: bad}, {CASH: D("1.00")})


def test_floats_and_bad_currencies_are_refused():
    with pytest.raises(ProcessDataError):
        receipt({VatSlot.NORMAL: 1.5}, {CASH: D("1.50")})  # type: ignore[dict-item]
    with pytest.raises(ProcessDataError):
        receipt({}, {PaymentKey(PaymentKind.CASH, "euro"): D("1.00")})


cents = st.integers(min_value=-99_999_999, max_value=99_999_999).map(lambda c: Decimal(c) / 100)
slots = st.dictionaries(st.sampled_from(list(VatSlot)), cents)
payment_keys = st.builds(PaymentKey, st.sampled_from(list(PaymentKind)), st.sampled_from(["EUR", "USD", "CHF"]))
payments = st.dictionaries(payment_keys, cents)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared, loaded CI machine
@given(st.sampled_from(list(BonTyp)), slots, payments)
def test_the_amounts_in_process_data_equal_the_inputs_to_the_cent(bon_typ, vat, pay):
    text = kassenbeleg(bon_typ, vat, pay).process_data
    parsed_typ, parsed_vat, parsed_pay = parse_kassenbeleg(text)
    assert parsed_typ is bon_typ
    assert parsed_vat == {slot: vat.get(slot, Decimal("0")) for slot in VatSlot}
    assert parsed_pay == {key: amount for key, amount in pay.items() if amount != 0}
    for value in text.split("^")[1].split("_"):
        assert value.lstrip("-").split(".")[1].__len__() == 2
    assert sum(parsed_vat.values()) == sum(vat.values())


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(list(BonTyp)),
    slots,
    st.dictionaries(st.builds(PaymentKey, st.sampled_from(list(PaymentKind))), cents),
)
def test_fiskalys_standard_v1_carries_the_same_amounts_and_yields_the_same_process_data(bon_typ, vat, pay):
    from kasse.fiscal.tse.fiskaly import standard_v1
    from kasse.fiscal.tse.interface import Receipt
    from kasse.testing.fiskaly_server import _process

    schema = standard_v1(Receipt(bon_typ, vat, pay))
    rows = schema["standard_v1"]["receipt"]
    assert sum(Decimal(r["amount"]) for r in rows["amounts_per_vat_rate"]) == sum(vat.values())
    assert sum(Decimal(r["amount"]) for r in rows["amounts_per_payment_type"]) == sum(pay.values())
    # The local fiskaly writes processData from the JSON with its own code: it must be kasse's, to the byte.
    assert _process(schema) == ("Kassenbeleg-V1", kassenbeleg(bon_typ, vat, pay).process_data)
