"""Double opt-in, campaigns to a real SMTP server on 127.0.0.1, unsubscribing without login."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.customers.models import Customer
from kasse.marketing.models import CampaignRecipient, CampaignStatus
from kasse.marketing.services import deliver, save_campaign, send_campaign
from kasse.testing.factories import CustomerFactory
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db


def _link(text: str, kind: str) -> str:
    return re.search(rf"http://testserver(/m/{kind}/[^/\s]+/)", text).group(1)


def test_consent_given_at_the_register_counts_only_after_the_customer_confirmed_it_by_email(
    till, organization, mailbox, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = till.post(
            "/register/customers/new/",
            {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.org", "marketing_consent": "on"},
        )
    assert response.status_code == 204
    with scopes_disabled():
        customer = Customer.objects.get(last_name="Lovelace")
    assert customer.marketing_consent is False
    (mail,) = mailbox.to("ada@example.org")
    link = _link(mail.part("text/plain"), "confirm")
    assert link in mail.part("text/html")
    asked = client.get(link)  # a mail scanner opening the link changes nothing
    assert soup_of(asked).select_one("[data-testid=marketing-page]")["data-state"] == "confirm-ask"
    with scopes_disabled():
        assert Customer.objects.get(pk=customer.pk).marketing_consent is False
    confirmed = client.post(link)
    assert soup_of(confirmed).select_one("[data-testid=marketing-page]")["data-state"] == "confirmed"
    with scopes_disabled():
        customer.refresh_from_db()
    assert (customer.marketing_consent, customer.marketing_consent_source) == (True, "web")


def test_consent_without_an_email_address_is_refused_at_the_register(till, mailbox):
    response = till.post(
        "/register/customers/new/", {"last_name": "Ohne", "marketing_consent": "on"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    assert "An e-mail address is needed to confirm the consent." in response.content.decode()
    with scopes_disabled():
        assert not Customer.objects.exists()


def test_a_campaign_reaches_only_consenting_customers_and_its_unsubscribe_link_works_without_login(
    organization, mailbox, client, django_capture_on_commit_callbacks
):
    yes = CustomerFactory(organization=organization, email="yes@example.org", marketing_consent=True)
    CustomerFactory(organization=organization, email="no@example.org", marketing_consent=False)
    CustomerFactory(organization=organization, email="", marketing_consent=True)
    CustomerFactory(email="other-org@example.org", marketing_consent=True)
    campaign = save_campaign(
        actor=Actor.system(),
        organization=organization,
        data={
            "name": "Herbst",
            "subject": "Herbstangebot",
            "body": "Alles neu.\n\nBis Sonntag.",
            "coupon_code": "HERBST",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert send_campaign(actor=Actor.system(), campaign=campaign) == 1
    assert [m.recipients for m in mailbox.messages] == [["yes@example.org"]]
    (mail,) = mailbox.messages
    assert mail.message["Subject"] == "Herbstangebot"
    text, html = mail.part("text/plain"), mail.part("text/html")
    assert "Alles neu." in text
    assert "HERBST" in text
    assert "<p>Alles neu.</p>" in html
    link = _link(text, "unsubscribe")
    assert "".join(mail.message["List-Unsubscribe"].split()) == f"<http://testserver{link}>"  # folded header
    assert client.post(link).status_code == 200  # no login, no session
    with scopes_disabled():
        yes.refresh_from_db()
        assert yes.marketing_consent is False
        campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_a_customer_who_unsubscribed_before_their_email_went_out_gets_nothing(
    organization, mailbox, django_capture_on_commit_callbacks
):
    first = CustomerFactory(organization=organization, email="a@example.org", marketing_consent=True)
    second = CustomerFactory(organization=organization, email="b@example.org", marketing_consent=True)
    campaign = save_campaign(
        actor=Actor.system(), organization=organization, data={"name": "X", "subject": "S", "body": "B"}
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        send_campaign(actor=Actor.system(), campaign=campaign)  # both are recipients now
    with scopes_disabled():
        assert CampaignRecipient.objects.count() == 2
        Customer.objects.filter(pk=second.pk).update(marketing_consent=False)  # withdrawn while queued
    for callback in queued:
        callback()
    assert [m.recipients for m in mailbox.messages] == [["a@example.org"]]
    with scopes_disabled():
        assert CampaignRecipient.objects.filter(customer=first).get().sent_at is not None


def test_sending_respects_the_rate_limit(organization, mailbox, settings):
    for n in range(3):
        CustomerFactory(organization=organization, email=f"c{n}@example.org", marketing_consent=True)
    campaign = save_campaign(
        actor=Actor.system(), organization=organization, data={"name": "X", "subject": "S", "body": "B"}
    )
    settings.KASSE_CAMPAIGN_MAILS_PER_MINUTE = 20
    pauses: list[float] = []
    with scopes_disabled():
        from kasse.marketing.models import Campaign

        Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SENDING)
        for customer in Customer.objects.filter(organization=organization):
            CampaignRecipient.objects.create(
                organization=organization, campaign=campaign, customer=customer, email=customer.email
            )
    assert deliver(str(campaign.pk), sleep=pauses.append) == 3
    assert pauses == [3.0, 3.0]  # 20 a minute: one every 3 s
    assert deliver(str(campaign.pk), sleep=pauses.append) == 0  # run again: nothing twice


def test_a_campaign_to_an_empty_segment_or_to_nobody_who_consented_is_refused_and_sends_nothing(organization, mailbox):
    campaign = save_campaign(
        actor=Actor.system(),
        organization=organization,
        data={"name": "X", "subject": "S", "body": "B", "segment": "bought_recently", "segment_value": "90"},
    )
    with pytest.raises(ValidationError, match="No customer is in this segment"):
        send_campaign(actor=Actor.system(), campaign=campaign)
    CustomerFactory(organization=organization, email="n@example.org", marketing_consent=False)
    everyone = save_campaign(
        actor=Actor.system(), organization=organization, data={"name": "Y", "subject": "S", "body": "B"}
    )
    with pytest.raises(ValidationError, match="agreed to receive offers"):
        send_campaign(actor=Actor.system(), campaign=everyone)
    assert mailbox.messages == []
    with scopes_disabled():
        assert not CampaignRecipient.objects.exists()


def test_a_tampered_or_foreign_link_changes_nothing(client, organization):
    customer = CustomerFactory(organization=organization, email="t@example.org", marketing_consent=True)
    from kasse.marketing import tokens

    good = tokens.make(tokens.UNSUBSCRIBE, str(customer.pk))
    for bad in (good[:-2] + "xx", tokens.make(tokens.CONFIRM, str(customer.pk))):
        assert client.post(f"/m/unsubscribe/{bad}/").status_code == 404
    with scopes_disabled():
        customer.refresh_from_db()
    assert customer.marketing_consent is True
