"""Back-office pages of the customers: list with search as you type, create, edit, detail.

Capability MANAGE_CUSTOMERS. Writes go through
:func:`kasse.customers.services.save_customer`; a ``ValidationError`` is shown
next to its field and nothing is saved.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kasse.backoffice.access import backoffice_view
from kasse.backoffice.paging import page_of
from kasse.core.actors import Actor
from kasse.customers.forms import CustomerForm
from kasse.customers.models import ConsentSource, Customer
from kasse.customers.selectors import purchases, search_customers
from kasse.customers.services import save_customer
from kasse.loyalty.selectors import account, history
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest
from kasse.tenancy.selectors import has_capability_everywhere, stores_with_capability

PAGE_SIZE = 50
customers_view = backoffice_view(Capability.MANAGE_CUSTOMERS)


@require_GET
@customers_view
def customer_list(request: BackofficeRequest) -> HttpResponse:
    org = request.organization
    query = request.GET.get("q", "").strip()
    customers = search_customers(org, query).order_by("last_name", "first_name", "company", "customer_number")
    page = page_of(request, customers, PAGE_SIZE)
    context = {"page": page, "query": query, "filter_query": urlencode({"q": query}) if query else ""}
    template = "customers/customer_list.html"
    if request.htmx and request.htmx.target == "customer-results":
        template = "customers/partials/customer_results.html"
    return render(request, template, context)


def _customer_page(request: BackofficeRequest, customer: Customer | None) -> HttpResponse:
    org = request.organization
    draft = Customer.objects.get(pk=customer.pk) if customer else Customer(organization=org)
    form = CustomerForm(request.POST or None, instance=draft)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = save_customer(
                    actor=Actor.for_user(request.user),
                    organization=org,
                    data=form.service_data(),
                    customer=Customer.objects.get(pk=customer.pk) if customer else None,
                    consent_source=ConsentSource.BACKOFFICE,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("“%(name)s” has been saved.") % {"name": saved.display_name})
                return redirect("customers:customer-detail", pk=saved.pk)
        status = 400
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer}, status=status)


@require_http_methods(["GET", "POST"])
@customers_view
def customer_create(request: BackofficeRequest) -> HttpResponse:
    return _customer_page(request, None)


@require_http_methods(["GET", "POST"])
@customers_view
def customer_edit(request: BackofficeRequest, pk: str) -> HttpResponse:
    return _customer_page(request, get_object_or_404(Customer.objects, pk=pk))


@require_GET
@customers_view
def customer_detail(request: BackofficeRequest, pk: str) -> HttpResponse:
    """The customer's data and, for who may see sales, their purchases in the stores they may see."""
    customer: Customer = get_object_or_404(Customer.objects, pk=pk)
    context: dict[str, object] = {
        "customer": customer,
        "loyalty": account(customer.pk, customer.organization_id),
        "loyalty_history": history(customer.pk, limit=20),
        # points count in every store: an owner or an all-stores manager corrects them (kasse/loyalty)
        "may_correct_points": has_capability_everywhere(request.employee, Capability.MANAGE_CUSTOMERS),
    }
    store_ids = stores_with_capability(request.employee, Capability.VIEW_REPORTS)
    if store_ids is None or store_ids:
        context["purchases"] = purchases(customer, store_ids)
        context["journal_query"] = urlencode({"customer_id": customer.pk})
    return render(request, "customers/customer_detail.html", context)
