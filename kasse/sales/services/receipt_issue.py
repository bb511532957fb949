"""Handing the receipt to the customer: printed, digital (a link on the customer display's QR code)
or declined (Belegausgabepflicht, §146a (2) AO). Each is recorded per sale (docs/receipts.md)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.sales.models import ReceiptIssue, ReceiptIssueKind, Sale
from kasse.sales.services.errors import SaleError
from kasse.sync.engine.changes import record
from kasse.sync.engine.local import is_node, node_state
from kasse.tenancy.models import Employee

TOKEN_BYTES = 24  # 192 random bits in the link: not guessable, not enumerable


@dataclass(frozen=True)
class IssuedReceipt:
    issue: ReceiptIssue
    url: str = ""  # the digital receipt's link (only now: kasse keeps only the token's digest)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def digital_receipt_days() -> int:
    return int(settings.KASSE_DIGITAL_RECEIPT_DAYS)


def cloud_base_url() -> str:
    """Where the customer's phone opens the receipt: the cloud, also for a register served by a store
    node (the node's cloud address), never the shop's LAN."""
    if is_node():
        with scopes_disabled():
            state = node_state()
        if state is not None and state.cloud_url:
            return state.cloud_url.rstrip("/")
    return str(settings.PUBLIC_URL).rstrip("/")


@tenant_service
def issue_receipt(*, actor: Actor, sale: Sale, employee: Employee | None, kind: str) -> IssuedReceipt:
    """Record how ``sale``'s receipt was handed over. A digital receipt gets a new link, valid for
    ``KASSE_DIGITAL_RECEIPT_DAYS`` (90) days."""
    if kind not in ReceiptIssueKind.values:
        raise SaleError(_("Unknown way of handing over the receipt."))
    token, url, expires_at, digest = "", "", None, ""
    if kind == ReceiptIssueKind.DIGITAL:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        digest = token_digest(token)
        expires_at = timezone.now() + timedelta(days=digital_receipt_days())
        url = f"{cloud_base_url()}/r/{token}/"
    issue = ReceiptIssue.objects.create(
        organization_id=sale.organization_id,
        sale=sale,
        kind=kind,
        employee=employee,
        token_digest=digest,
        expires_at=expires_at,
    )
    log_action(sale.organization_id, actor, f"sales.receipt.{kind}", sale, {"receipt_number": sale.receipt_number})
    record("receipt_issue", [issue])
    return IssuedReceipt(issue, url)


def sale_for_token(token: str) -> Sale | None:
    """The sale a digital receipt link opens, None when unknown (or not arrived from the store node
    yet) or expired. Not scoped: the token is the only key a customer has."""
    if not token or len(token) > 100:
        return None
    with scopes_disabled():
        issue = (
            ReceiptIssue.objects.filter(
                token_digest=token_digest(token), kind=ReceiptIssueKind.DIGITAL, expires_at__gt=timezone.now()
            )
            .select_related("sale")
            .first()
        )
    return issue.sale if issue is not None else None
