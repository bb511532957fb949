"""Writes for customers: create and change, with consent tracking."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.core.text import search_text
from kasse.customers.events import publish_customer
from kasse.customers.models import ConsentSource, Customer
from kasse.sync.engine import local as sync_local
from kasse.sync.engine.changes import record
from kasse.tenancy.models import Organization
from kasse.tenancy.validators import normalize_vat_id

CLOUD_CUSTOMER_NUMBERS = (10_001, 999_999)  # the cloud numbers customers below the nodes' blocks
CUSTOMER_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "email",
    "phone",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_id",
    "notes",
    "loyalty_card_code",
    "is_active",
)


def customer_search_text(customer: Any) -> str:
    """The folded text a customer is found by (name, company, contact, number, card)."""
    return search_text(
        customer.first_name,
        customer.last_name,
        customer.company,
        customer.email,
        customer.phone,
        customer.city,
        str(customer.customer_number),
        customer.loyalty_card_code,
    )[:400]


def next_customer_number(organization: Organization) -> int:
    """The next number of this place's range: the cloud's, or the block of this store node.

    Serialised by the surrounding transaction (SQLite IMMEDIATE, PostgreSQL unique constraint).
    """
    low, high = sync_local.node_number_block() or CLOUD_CUSTOMER_NUMBERS
    current = Customer.objects.filter(
        organization=organization,
        customer_number__gte=low,
        customer_number__lte=high,
    ).aggregate(n=Max("customer_number"))["n"]
    number = (current or low - 1) + 1
    if number > high:
        raise ValidationError(_("No customer numbers are left in this range; please contact support."))
    return number


def _stamp_changes(customer: Customer, changed: dict[str, Any]) -> None:
    """Stamp the changed fields with this place's hybrid clock (for merging with other edits).

    The stamps the record had before travel along (``base_clocks``) so the
    cloud can tell a later edit from a concurrent one.
    """
    clock = sync_local.clock()
    before = dict(customer.sync_clocks or {})
    for stamp in before.values():
        clock.observe(stamp)  # an edit is always stamped later than what it changes
    fields = set(changed)
    if "marketing_consent" in fields:
        fields |= {"marketing_consent_at", "marketing_consent_source"}
    now = clock.now()
    customer.sync_clocks = {**before, **dict.fromkeys(fields, now)}
    customer._sync_meta = {"base_clocks": {f: before.get(f, "") for f in fields}}  # type: ignore[attr-defined]


@tenant_service
def save_customer(
    *,
    actor: Actor,
    organization: Organization,
    data: dict[str, Any],
    customer: Customer | None = None,
    consent_source: str = ConsentSource.BACKOFFICE,
) -> Customer:
    """Create or change a customer; a change of marketing consent records when and where."""
    creating = customer is None
    if customer is None:
        customer = Customer(organization=organization)
    changed: dict[str, Any] = {}
    for key in CUSTOMER_FIELDS:
        if key in data:
            value = data[key]
            if isinstance(value, str):
                value = value.strip()
            if key == "loyalty_card_code":
                value = value or None
            if key == "vat_id":
                value = normalize_vat_id(value or "")
            if getattr(customer, key) != value:
                changed[key] = value
                setattr(customer, key, value)
    if not (customer.first_name or customer.last_name or customer.company):
        raise ValidationError({"last_name": _("Please enter a name or a company.")})
    if "marketing_consent" in data and bool(data["marketing_consent"]) != customer.marketing_consent:
        if consent_source not in ConsentSource.values:
            raise ValidationError({"marketing_consent_source": _("Unknown consent source.")})
        customer.marketing_consent = bool(data["marketing_consent"])
        customer.marketing_consent_at = timezone.now()
        customer.marketing_consent_source = consent_source
        changed["marketing_consent"] = customer.marketing_consent
    if customer.loyalty_card_code:
        clash = Customer.objects.filter(
            organization=organization, loyalty_card_code=customer.loyalty_card_code
        ).exclude(pk=customer.pk)
        if clash.exists():
            raise ValidationError(
                {"loyalty_card_code": _("This loyalty card is already assigned to another customer.")}
            )
    if creating:
        customer.customer_number = next_customer_number(organization)
    customer.full_clean(exclude=["organization", "search_text", "customer_number", "sync_clocks"])
    customer.search_text = customer_search_text(customer)
    _stamp_changes(customer, changed)
    customer.save()
    record("customer", [customer])
    if creating or changed:
        publish_customer(customer, created=creating)  # after the commit, in the background
    log_action(
        organization,
        actor,
        "customers.customer.created" if creating else "customers.customer.changed",
        customer,
        {k: str(v) for k, v in changed.items()},
    )
    return customer
