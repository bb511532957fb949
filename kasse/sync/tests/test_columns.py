"""Column converters for rows from a node: the compiled decoder agrees with the one converter per column."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import models

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.sales.models import SaleLine
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sync.engine.columns import ColumnError, codec_for
from kasse.sync.engine.registry import BY_LABEL
from kasse.testing.sync import node_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def sale_rows(register, cashier, shift, rolls, coffee):
    def sell():
        lines = [LineInput(rolls.variants.get().pk, Decimal(2)), LineInput(coffee.variants.get().pk, Decimal(1))]
        complete_sale(
            actor=Actor.for_employee(cashier),
            register=register,
            employee=cashier,
            cart=SaleInput(id=uuid7(), lines=lines, payments=[PaymentInput("cash", Decimal("20.00"))]),
        )

    return [(label, values) for record in node_records(sell) for label, values, *_meta in record["rows"]]


def test_the_compiled_decoder_gives_what_the_converters_give(sale_rows):
    assert {label for label, _values in sale_rows} >= {"sales.Sale", "sales.SaleLine", "core.AuditEntry"}
    for label, values in sale_rows:
        codec = codec_for(BY_LABEL[label].model)
        compiled, generic = codec.decode(values), codec.decode_generic(values)
        assert compiled.keys() == generic.keys()
        for name, value in generic.items():
            if isinstance(value, Decimal):  # a plain decimal that fits stays the text it came as
                assert compiled[name] == values[name]
                assert Decimal(compiled[name]) == value
            else:
                assert compiled[name] == value


def _plain(values):
    return {
        key: Decimal(value) if isinstance(value, str) and key in DECIMALS else value for key, value in values.items()
    }


# Every decimal column of a sale line (read from the model, so that a new one is compared as a number too).
DECIMALS = {field.attname for field in SaleLine._meta.concrete_fields if isinstance(field, models.DecimalField)}


def test_rows_with_fewer_columns_or_other_spellings_decode_too(sale_rows):
    label, values = next((label, values) for label, values in sale_rows if label == "sales.SaleLine")
    codec = codec_for(BY_LABEL[label].model)
    partial = {key: value for key, value in values.items() if key != "note"}
    assert _plain(codec.decode(partial)) == {
        key: value for key, value in _plain(codec.decode(values)).items() if key != "note"
    }
    shouted = {**values, "variant_id": values["variant_id"].upper()}
    assert codec.decode(shouted)["variant_id"] == values["variant_id"]
    with pytest.raises(KeyError):
        codec.decode({**values, "colour": "red"})
    with pytest.raises(ColumnError) as error:
        codec.decode({**values, "quantity": "1e400"})
    assert error.value.column == "quantity"


def test_uuid_texts_seen_canonical_are_remembered_and_nothing_else(sale_rows, monkeypatch):
    from kasse.sync.engine import columns

    label, values = next((label, values) for label, values in sale_rows if label == "sales.SaleLine")
    codec = codec_for(BY_LABEL[label].model)
    columns._CANONICAL_UUIDS.clear()
    assert codec.decode(values) == codec.decode(values)  # the second time from what the first remembered
    assert {values["id"], values["variant_id"], values["sale_id"]} <= columns._CANONICAL_UUIDS
    shouted, braced, wrong = values["variant_id"].upper(), "{" + values["variant_id"] + "}", values["id"][:-1] + "g"
    assert codec.decode({**values, "variant_id": shouted})["variant_id"] == values["variant_id"]
    assert codec.decode({**values, "variant_id": braced})["variant_id"] == values["variant_id"]
    with pytest.raises(ColumnError) as error:
        codec.decode({**values, "id": wrong})
    assert error.value.column == "id"
    assert not {shouted, braced, wrong} & columns._CANONICAL_UUIDS
    monkeypatch.setattr(columns, "_CANONICAL_UUIDS_MAX", 2)
    columns._CANONICAL_UUIDS.clear()
    codec.decode(values)
    assert 0 < len(columns._CANONICAL_UUIDS) <= 2  # emptied when full
