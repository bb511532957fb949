"""Sending a receipt by e-mail (text and HTML of one receipt document, its PDF attached) in the organization's
language."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.core.throttle import Limit
from kasse.register.receipt_pdf import receipt_pdf
from kasse.sales.models import Sale
from kasse.sales.receipt import build_receipt
from kasse.sales.services.errors import SaleError

log = logging.getLogger(__name__)

PER_REGISTER = Limit("receipt-email-register", 30, timedelta(hours=1))
PER_ORGANIZATION = Limit("receipt-email-organization", 300, timedelta(hours=1))


def receipt_context(sale: Sale) -> dict[str, object]:
    """The receipt page's and the e-mail's context: the sale (for its links) and its receipt document."""
    return {"sale": sale, "receipt": build_receipt(sale)}


@tenant_service
def email_receipt(*, actor: Actor, sale: Sale, to: str) -> str:
    """E-mail ``sale``'s receipt to ``to`` (after commit); returns the cleaned address.

    Language: the organization's. The audit entry records that it was sent, not
    to whom (the address is personal data and is not needed for the books).
    At most :data:`PER_REGISTER` e-mails an hour leave one register and
    :data:`PER_ORGANIZATION` one organization, so a register cannot be used to
    send mail to anybody without end.
    """
    address = (to or "").strip()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise SaleError(_("Please enter a valid e-mail address.")) from exc
    organization = sale.store.organization
    register_key, organization_key = str(sale.register_id), str(organization.pk)
    if PER_REGISTER.blocked(register_key) or PER_ORGANIZATION.blocked(organization_key):
        log.warning("receipt e-mail of sale %s refused: hourly limit reached", sale.pk)
        raise SaleError(
            _("Too many receipt e-mails were sent in the last hour. Please print the receipt or try again later.")
        )
    PER_REGISTER.note(register_key)
    PER_ORGANIZATION.note(organization_key)
    with translation.override(organization.language or settings.LANGUAGE_CODE):
        receipt = build_receipt(sale)
        context = {"sale": sale, "receipt": receipt}
        subject = " ".join(render_to_string("register/receipts/email_subject.txt", context).split())
        text = render_to_string("register/receipts/email_body.txt", context)
        html = render_to_string("register/receipts/email_body.html", context)
        pdf = receipt_pdf(receipt)
        filename = _("receipt-%(number)s.pdf") % {"number": sale.receipt_number}
    message = EmailMultiAlternatives(
        subject,
        text,
        settings.DEFAULT_FROM_EMAIL,
        [address],
        reply_to=[organization.email] if organization.email else None,
    )
    message.attach_alternative(html, "text/html")
    message.attach(filename, pdf, "application/pdf")
    log_action(organization, actor, "sales.receipt.emailed", sale, {"receipt_number": sale.receipt_number})
    transaction.on_commit(message.send)
    return address
