"""Writes of marketing: double opt-in, unsubscribing, campaigns and their sending.

Consent to marketing counts only once the customer confirmed it by the link in an e-mail (double opt-in);
withdrawing it takes one click on the link in any campaign e-mail, without login. A campaign goes only to
customers whose consent is confirmed at the moment each e-mail is sent.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.customers.models import ConsentSource, Customer
from kasse.customers.services import save_customer
from kasse.marketing import tokens
from kasse.marketing.models import Campaign, CampaignRecipient, CampaignStatus, ConsentRequest
from kasse.marketing.segments import consenting, segment
from kasse.sync.engine import local as sync_local
from kasse.sync.engine.changes import record
from kasse.tenancy.models import Organization
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import actor_may_everywhere

CAMPAIGN_FIELDS = (
    "name",
    "segment",
    "segment_value",
    "subject",
    "body",
    "coupon_code",
    "display_message",
    "display_from",
    "display_until",
)


def public_url(path: str) -> str:
    """An absolute link to the cloud's public pages (``KASSE_PUBLIC_URL``)."""
    return settings.PUBLIC_URL.rstrip("/") + path


# --- double opt-in --------------------------------------------------------------------------------------


@tenant_service
def request_consent(*, actor: Actor, customer: Customer, source: str = ConsentSource.REGISTER) -> ConsentRequest:
    """The customer said yes to marketing: ask them to confirm by e-mail (consent counts only then)."""
    if not customer.email:
        raise ValidationError({"email": _("An e-mail address is needed to confirm the consent.")})
    consent = ConsentRequest.objects.create(
        organization_id=customer.organization_id, customer=customer, email=customer.email, source=source
    )
    record("consent_request", [consent])
    log_action(customer.organization_id, actor, "marketing.consent.requested", customer, {"source": source})
    if not sync_local.is_node():  # a node's request goes up; the cloud sends the e-mail when it arrives
        from kasse.marketing.tasks import send_consent_mail

        transaction.on_commit(lambda: send_consent_mail.enqueue(str(consent.pk)))
    return consent


def mail_consent_request(consent_id: str) -> None:
    """Send the double opt-in e-mail of a consent request (once)."""
    with scopes_disabled():
        consent = ConsentRequest.objects.select_related("customer", "organization").filter(pk=consent_id).first()
    if consent is None or consent.sent_at is not None:
        return
    link = public_url(f"/m/confirm/{tokens.make(tokens.CONFIRM, str(consent.pk))}/")
    context = {"organization": consent.organization, "customer": consent.customer, "link": link}
    with translation.override(settings.LANGUAGE_CODE):
        message = EmailMultiAlternatives(
            _("Please confirm: offers from %(shop)s") % {"shop": consent.organization.name},
            render_to_string("marketing/email/confirm.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            [consent.email],
        )
        message.attach_alternative(render_to_string("marketing/email/confirm.html", context), "text/html")
    message.send()
    with scopes_disabled():
        ConsentRequest.objects.filter(pk=consent.pk).update(sent_at=timezone.now())


def confirm_consent(token: str) -> Customer | None:
    """The customer clicked the link: their consent counts from now (``None``: the link is not valid)."""
    consent_id = tokens.read(tokens.CONFIRM, token, max_age_days=tokens.CONFIRM_DAYS)
    if consent_id is None:
        return None
    with scopes_disabled():
        consent = ConsentRequest.objects.select_related("customer").filter(pk=consent_id).first()
    if consent is None:
        return None
    customer = consent.customer
    with scope(organization=customer.organization_id), transaction.atomic():
        if consent.confirmed_at is None:
            ConsentRequest.objects.filter(pk=consent.pk).update(confirmed_at=timezone.now())
            save_customer(
                actor=Actor.system(),
                organization=customer.organization,
                customer=customer,
                data={"marketing_consent": True},
                consent_source=ConsentSource.WEB,
            )
    return customer


def unsubscribe_link(customer: Customer) -> str:
    return public_url(f"/m/unsubscribe/{tokens.make(tokens.UNSUBSCRIBE, str(customer.pk))}/")


def unsubscribe(token: str) -> Customer | None:
    """Withdraw marketing consent by the link in an e-mail (``None``: the link is not valid)."""
    customer_id = tokens.read(tokens.UNSUBSCRIBE, token)
    if customer_id is None:
        return None
    with scopes_disabled():
        customer = Customer.objects.select_related("organization").filter(pk=customer_id).first()
    if customer is None:
        return None
    if customer.marketing_consent:
        save_customer(
            actor=Actor.system(),
            organization=customer.organization,
            customer=customer,
            data={"marketing_consent": False},
            consent_source=ConsentSource.WEB,
        )
    return customer


# --- campaigns ------------------------------------------------------------------------------------------


def _check_all_stores(actor: Actor, organization_id: Any) -> None:
    """A campaign reaches every customer and every store's idle screens: a back-office user needs the
    capability in every store (an owner or an all-stores manager), not in one."""
    if not actor_may_everywhere(actor, organization_id, Capability.MANAGE_CUSTOMERS):
        raise ValidationError(
            _(
                "Campaigns reach the customers and screens of every store, so only owners and managers of all "
                "stores write and send them."
            )
        )


@tenant_service
def save_campaign(
    *, actor: Actor, organization: Organization, data: dict[str, Any], campaign: Campaign | None = None
) -> Campaign:
    _check_all_stores(actor, organization.pk)
    campaign = campaign or Campaign(organization=organization)
    for name in CAMPAIGN_FIELDS:
        if name in data:
            setattr(campaign, name, data[name])
    if campaign.display_from and campaign.display_until and campaign.display_until <= campaign.display_from:
        raise ValidationError({"display_until": _("The message must end after it starts.")})
    segment(organization.pk, campaign.segment, campaign.segment_value)  # a bad parameter is refused here
    campaign.full_clean(exclude=["organization"])
    campaign.save()
    record("campaign", [campaign])  # down to the nodes: the idle screens show its message
    log_action(organization, actor, "marketing.campaign.saved", campaign, {"name": campaign.name})
    return campaign


@tenant_service
def send_campaign(*, actor: Actor, campaign: Campaign) -> int:
    """Send ``campaign`` by e-mail to the consenting customers of its segment, in the background at the
    configured rate. Refused with a message, changing nothing, for an empty segment or one where nobody
    consented, a campaign without subject or text, or one that was sent already."""
    _check_all_stores(actor, campaign.organization_id)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError(_("This campaign has been sent already."))
    if not campaign.subject.strip() or not campaign.body.strip():
        raise ValidationError(_("Please write a subject and a text before sending."))
    members = segment(campaign.organization_id, campaign.segment, campaign.segment_value)
    if not members.exists():
        raise ValidationError(_("No customer is in this segment; nothing was sent."))
    recipients = list(consenting(members).values_list("pk", "email"))
    if not recipients:
        raise ValidationError(_("No customer in this segment agreed to receive offers; nothing was sent."))
    CampaignRecipient.objects.bulk_create(
        CampaignRecipient(organization_id=campaign.organization_id, campaign=campaign, customer_id=pk, email=email)
        for pk, email in recipients
    )
    campaign.status = CampaignStatus.SENDING
    campaign.save(update_fields=["status", "updated_at"])
    log_action(campaign.organization_id, actor, "marketing.campaign.sent", campaign, {"recipients": len(recipients)})
    from kasse.marketing.tasks import deliver_campaign

    transaction.on_commit(lambda: deliver_campaign.enqueue(str(campaign.pk)))
    return len(recipients)


def deliver(campaign_id: str, *, sleep: Any = time.sleep) -> int:
    """Send the campaign's e-mails not sent yet, at most ``KASSE_CAMPAIGN_MAILS_PER_MINUTE``. Consent is
    checked again for every e-mail (a customer who unsubscribed meanwhile gets nothing). Returns how many
    were sent; running it again after a crash sends only the rest."""
    pause = 60 / max(1, settings.KASSE_CAMPAIGN_MAILS_PER_MINUTE)
    with scopes_disabled():
        campaign = Campaign.objects.select_related("organization").get(pk=campaign_id)
        waiting = list(
            CampaignRecipient.objects.filter(campaign=campaign, sent_at__isnull=True, error="").select_related(
                "customer"
            )
        )
    sent = 0
    for index, recipient in enumerate(waiting):
        with scopes_disabled():
            customer = Customer.objects.get(pk=recipient.customer_id)
        if not customer.marketing_consent or not customer.email:
            with scopes_disabled():
                CampaignRecipient.objects.filter(pk=recipient.pk).update(error="no consent")
            continue
        if index:
            sleep(pause)
        _mail_campaign(campaign, customer)
        with scopes_disabled():
            CampaignRecipient.objects.filter(pk=recipient.pk).update(sent_at=timezone.now(), email=customer.email)
        sent += 1
    with scopes_disabled():
        Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SENT, sent_at=timezone.now())
    return sent


def _mail_campaign(campaign: Campaign, customer: Customer) -> None:
    context = {
        "campaign": campaign,
        "customer": customer,
        "paragraphs": [p.strip() for p in campaign.body.split("\n\n") if p.strip()],
        "unsubscribe": unsubscribe_link(customer),
        "organization": campaign.organization,
    }
    with translation.override(settings.LANGUAGE_CODE):
        message = EmailMultiAlternatives(
            campaign.subject,
            render_to_string("marketing/email/campaign.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            [customer.email],
            headers={
                "List-Unsubscribe": f"<{context['unsubscribe']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(render_to_string("marketing/email/campaign.html", context), "text/html")
    message.send()
