"""Property tests: any text encodes without raising, and column rows never exceed the paper width."""

from hypothesis import given
from hypothesis import strategies as st

from kasse.hardware.printers.text import encode_text, fit_columns, printable


@given(st.text())
def test_encode_text_never_raises(text):
    out = encode_text(text)
    assert isinstance(out, bytes)
    assert b"\n" not in out


@given(st.text(max_size=120), st.text(max_size=20), st.sampled_from([32, 42, 48]))
def test_fit_columns_never_exceeds_width(left, right, width):
    lines = fit_columns(printable(left), printable(right), width)
    assert lines
    assert all(len(encode_text(line)) <= width for line in lines)  # bytes on paper, one per column
