"""The receipt e-mail's subject is plain text: an ampersand in the shop's name stays an ampersand."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from kasse.register.tests.test_receipt_outputs import _sell
from kasse.tenancy.models import Organization


@pytest.mark.django_db
def test_email_subject_is_not_html_escaped(till, bakery, organization, mailoutbox, django_capture_on_commit_callbacks):
    with scopes_disabled():
        Organization.objects.filter(pk=organization.pk).update(language="de", legal_name="Bäckerei & Feinkost")
    sale = _sell(till, "4000000000017")
    with django_capture_on_commit_callbacks(execute=True):
        response = till.post(f"/register/receipt/{sale.pk}/email/", {"email": "kunde@example.org"})
    assert response.status_code == 200
    assert [mail.subject for mail in mailoutbox] == ["Ihr Beleg 1 von Bäckerei & Feinkost"]
