"""``kasse tse_export``: the TSE's TR-03151 TAR written to a file to archive, audited; refusals write nothing."""

from __future__ import annotations

import tarfile

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from kasse.core.ids import uuid7
from kasse.core.models import AuditEntry
from kasse.fiscal.services import finish_transaction, start_transaction
from kasse.fiscal.tests.test_development_tse import SALE

pytestmark = pytest.mark.django_db


def test_the_command_writes_the_stores_tse_export_and_audits_it(
    organization, store, signing_register, dev_tse, tmp_path
):
    tx = uuid7()
    start_transaction(register=signing_register, tx_id=tx)
    finish_transaction(register=signing_register, tx_id=tx, receipt=SALE)
    out = tmp_path / "tse.tar"
    call_command("tse_export", "--org", str(organization.pk), "--store", str(store.number), "--out", str(out))
    with tarfile.open(out) as tar:
        names = tar.getnames()
    assert names[0] == f"{dev_tse.serial_number.upper()}_X509.cer"
    assert [n for n in names if "_Start_" in n or "_Finish_" in n] == names[1:3]
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="fiscal.tse.exported")
    assert entry.data["serial"] == dev_tse.serial_number
    assert not (tmp_path / "tse.tar.partial").exists()


def test_without_a_tse_the_command_refuses_and_writes_nothing(organization, store, tmp_path):
    out = tmp_path / "tse.tar"
    with pytest.raises(CommandError, match="no TSE set up"):
        call_command("tse_export", "--org", str(organization.pk), "--out", str(out))
    with pytest.raises(CommandError, match="no store number 99"):
        call_command("tse_export", "--org", str(organization.pk), "--store", "99", "--out", str(out))
    assert list(tmp_path.iterdir()) == []
