"""The receipt's QR payload (DSFinV-K Anhang I, ``V0``) carries processData as signed, to the cent (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasse.fiscal.process_data import BonTyp, VatSlot, kassenbeleg, parse_kassenbeleg
from kasse.fiscal.qr import qr_payload
from kasse.fiscal.tests.test_process_data import payments, slots

# hypothesis takes naive bounds and attaches the time zone itself
FIRST, LAST = (
    datetime(2020, 1, 1, tzinfo=UTC).replace(tzinfo=None),
    datetime(2040, 1, 1, tzinfo=UTC).replace(tzinfo=None),
)
moments = st.datetimes(min_value=FIRST, max_value=LAST, timezones=st.just(UTC))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared, loaded CI machine
@given(st.sampled_from(list(BonTyp)), slots, payments, moments, st.integers(min_value=1, max_value=2**31))
def test_the_qr_payload_carries_the_signed_amounts_to_the_cent(bon_typ, vat, pay, start, number):
    signed = kassenbeleg(bon_typ, vat, pay)
    end = start + timedelta(seconds=3)
    payload = qr_payload(
        client_serial="REG-1",
        process_type=signed.process_type,
        process_data=signed.process_data,
        transaction_number=number,
        signature_counter=number + 1,
        time_start=start,
        log_time=end,
        signature_algorithm="ecdsa-plain-SHA384",
        log_time_format="unixTime",
        signature="c2lnbmF0dXJl",
        public_key="cHVibGljIGtleQ==",
    )
    fields = payload.split(";")
    assert len(fields) == 12
    assert fields[:3] == ["V0", "REG-1", "Kassenbeleg-V1"]
    assert fields[3] == signed.process_data
    assert fields[4:6] == [str(number), str(number + 1)]
    parsed_typ, parsed_vat, parsed_pay = parse_kassenbeleg(fields[3])
    assert parsed_typ is bon_typ
    assert parsed_vat == {slot: vat.get(slot, Decimal("0")) for slot in VatSlot}
    assert parsed_pay == {key: amount for key, amount in pay.items() if amount != 0}
    assert fields[6].endswith("Z")
    assert fields[6] < fields[7]
