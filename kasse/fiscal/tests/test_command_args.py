"""The export commands' shared arguments: a clear message for each bad one, and no half-written file."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command

from kasse.fiscal.command_args import by_numbers, day_arg, whole_file


def test_numbers_pick_items_or_name_the_missing_ones():
    items = [SimpleNamespace(number=1), SimpleNamespace(number=2), SimpleNamespace(number=5)]
    assert by_numbers(items, [], "store", "this organization") == items
    assert [i.number for i in by_numbers(items, [5, 1], "store", "this organization")] == [1, 5]
    with pytest.raises(CommandError, match="no register number 3, 4 in this store"):
        by_numbers(items, [4, 3, 2], "register", "this store")


def test_a_day_is_yyyy_mm_dd():
    assert day_arg("2026-03-29").isoformat() == "2026-03-29"
    with pytest.raises(CommandError, match=r"not a date \(YYYY-MM-DD\): 29\.03\.2026"):
        day_arg("29.03.2026")


def _fail_half_way(target) -> None:
    with whole_file(target) as out:
        out.write(b"half")
        raise RuntimeError("disk full")


def test_a_failed_write_leaves_no_file(tmp_path):
    target = tmp_path / "export.zip"
    with pytest.raises(RuntimeError):
        _fail_half_way(target)
    assert not target.exists()
    with whole_file(target) as out:
        out.write(b"whole")
    assert target.read_bytes() == b"whole"
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["datev_export", "dsfinvk_export"])
def test_an_unknown_organization_or_store_is_a_message(command, organization, tmp_path):
    out = str(tmp_path / "x")
    dates = ["--from", "2026-12-01", "--to", "2026-12-02", "--out", out]
    with pytest.raises(CommandError, match="not an organization id: nope"):
        call_command(command, "--org", "nope", *(["--store", "1"] if command == "dsfinvk_export" else []), *dates)
    with pytest.raises(CommandError, match="no store number 99 in this organization"):
        call_command(command, "--org", str(organization.pk), "--store", "99", *dates)
