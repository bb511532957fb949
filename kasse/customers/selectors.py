"""Read queries on customers."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kasse.core.text import fold
from kasse.customers.models import Customer
from kasse.tenancy.models import Organization


def search_customers(organization: Organization, query: str = "") -> QuerySet[Customer]:
    """Customers matching every word (name, company, e-mail, phone, number, card)."""
    qs = Customer.objects.filter(organization=organization)
    words = fold(query).split()
    match = Q()
    for word in words:
        match &= Q(search_text__contains=word)
    raw = query.strip()
    if raw:
        match |= Q(loyalty_card_code=raw)
    return qs.filter(match)
