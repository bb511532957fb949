from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kasse.core.barcodes import BarcodeError, gs1_check_digit, has_valid_check_digit, validate_barcode
from kasse.core.ids import uuid7, uuid7_time_ms
from kasse.core.text import fold, search_text


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("4006381333931", "ean13"),
        ("96385074", "ean8"),
        ("036000291452", "upca"),
    ],
)
def test_valid_gtins_are_accepted_with_their_kind(code, kind):
    assert validate_barcode(code) == (code, kind)


def test_wrong_check_digit_names_the_expected_digit():
    # The message is translated (kasse/core/locale); the default language is German.
    with translation.override("en"), pytest.raises(BarcodeError) as err:
        validate_barcode("4006381333932")
    assert "expected 1" in err.value.message
    with translation.override("de"), pytest.raises(BarcodeError) as err:
        validate_barcode("4006381333932")
    assert "erwartet 1" in err.value.message


@pytest.mark.parametrize(("code", "kind"), [("12345", "ean13"), ("40063813339A1", "ean13"), ("", None)])
def test_malformed_codes_are_refused(code, kind):
    with pytest.raises(BarcodeError):
        validate_barcode(code, kind)


def test_instore_codes_allow_letters_but_not_spaces():
    assert validate_barcode("BROT-01", "instore") == ("BROT-01", "instore")
    with pytest.raises(BarcodeError):
        validate_barcode("BROT 01", "instore")


def test_unknown_barcode_kind_is_a_clear_error():
    with pytest.raises(BarcodeError) as err:
        validate_barcode("4006381333931", "qr")
    assert "qr" in err.value.message


@given(st.text(alphabet="0123456789", min_size=7, max_size=12))
def test_appending_the_check_digit_always_validates(payload):
    assert has_valid_check_digit(payload + str(gs1_check_digit(payload)))


@pytest.mark.parametrize("spelling", ["Brötchen", "BRÖTCHEN", "brotchen", "Broetchen", "broetchen"])
def test_umlaut_spellings_fold_to_the_same_text(spelling):
    assert fold(spelling) == "brotchen"


def test_fold_handles_sharp_s_and_accents():
    assert fold("Weißbrot") == "weissbrot"
    assert fold("Crème  brûlée") == "creme brulee"
    assert search_text("Käse", None, "", "Gouda") == "kase gouda"


def test_uuid7_is_time_ordered_and_version_7():
    ids = [uuid7() for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5000
    assert all(i.version == 7 for i in ids)
    assert abs(uuid7_time_ms(ids[0]) - uuid7_time_ms(ids[-1])) < 5000


def test_uuid7_random_bits_differ_and_a_forked_child_does_not_reuse_its_parents():
    import os
    import uuid

    first = [uuid7() for _ in range(1000)]  # more than one pool of random bytes
    assert len({i.int & ((1 << 62) - 1) for i in first}) == 1000
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, uuid7().bytes)
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = uuid.UUID(bytes=os.read(read, 16))
    os.close(read)
    parent = uuid7()
    assert child.int & ((1 << 62) - 1) != parent.int & ((1 << 62) - 1)
