"""Receipt e-mails are limited per register and per organization (and each one sent is audited)."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from django_scopes import scopes_disabled

from kasse.core.models import AuditEntry
from kasse.core.throttle import Limit
from kasse.register.services import receipts
from kasse.sales.models import Sale


@pytest.mark.django_db
def test_the_register_stops_sending_receipts_at_its_hourly_limit(
    till, bakery, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(receipts, "PER_REGISTER", Limit("receipt-email-register", 2, receipts.PER_REGISTER.window))
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": "5"}])})
    with scopes_disabled():
        sale = Sale.objects.get()
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            answers.append(
                till.post(
                    f"/register/receipt/{sale.pk}/email/", {"email": f"opfer{n}@example.org"}, HTTP_ACCEPT_LANGUAGE="de"
                )
            )
    assert [a.status_code for a in answers] == [200, 200, 422]
    assert BeautifulSoup(answers[2].content, "html.parser").select_one("[data-testid=email-error]").text == (
        "In der letzten Stunde wurden zu viele Belege per E-Mail verschickt. Bitte drucken Sie den Beleg "
        "oder versuchen Sie es später erneut."
    )
    assert [m.to for m in mailoutbox] == [["opfer0@example.org"], ["opfer1@example.org"]]
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="sales.receipt.emailed").count() == 2


def test_the_organization_limit_is_larger_than_a_registers():
    assert receipts.PER_ORGANIZATION.limit > receipts.PER_REGISTER.limit
    assert receipts.PER_ORGANIZATION.scope != receipts.PER_REGISTER.scope
