"""Attaching a customer to the cart: search or create in two taps, or scan the loyalty card."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kasse.core.actors import Actor
from kasse.customers.models import ConsentSource
from kasse.customers.selectors import search_customers
from kasse.customers.services import save_customer
from kasse.marketing.services import request_consent
from kasse.register.access import register_view
from kasse.register.services import cart as carts
from kasse.tenancy.requests import CashierRequest

SEARCH_LIMIT = 12


class QuickCustomerForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    loyalty_card_code = forms.CharField(label=_("Loyalty card (scan)"), max_length=48, required=False)
    marketing_consent = forms.BooleanField(label=_("Agrees to receive offers (confirmed by e-mail)"), required=False)


@require_GET
@register_view()
def customer_search(request: CashierRequest) -> HttpResponse:
    """The customer overlay: a search box and matching customers as big buttons."""
    register = request.register
    query = request.GET.get("q", "").strip()
    results = list(search_customers(register.organization, query)[:SEARCH_LIMIT]) if query else []
    template = (
        "register/partials/customer_results.html"
        if request.GET.get("partial")
        else "register/partials/customer_picker.html"
    )
    return render(request, template, {"results": results, "query": query, "form": QuickCustomerForm()})


@register_view()
def customer_create(request: CashierRequest) -> HttpResponse:
    """Create a customer at the register and attach them to the cart in the same step."""
    register = request.register
    form = QuickCustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        # Consent counts once the customer confirmed it by e-mail (double opt-in, kasse.marketing).
        wants_offers = data.pop("marketing_consent", False)
        if not data.get("loyalty_card_code"):
            data.pop("loyalty_card_code", None)
        try:
            if wants_offers and not data.get("email"):
                raise ValidationError({"email": _("An e-mail address is needed to confirm the consent.")})
            actor = Actor.for_employee(request.cashier)
            customer = save_customer(
                actor=actor, organization=register.organization, data=data, consent_source=ConsentSource.REGISTER
            )
            if wants_offers:
                request_consent(actor=actor, customer=customer, source=ConsentSource.REGISTER)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            cart = carts.active_cart(register, request.cashier)
            carts.attach_customer(cart=cart, customer=customer)
            response = HttpResponse(status=204)
            response["HX-Trigger"] = '{"kasse:customer-attached": true}'
            return response
    return render(request, "register/partials/customer_form.html", {"form": form}, status=422 if form.errors else 200)
