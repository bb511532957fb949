"""Back-office pages of loyalty: the program with its tiers and stamp cards (MANAGE_SETTINGS), a customer's
points: correct them, send the digital card's link (MANAGE_CUSTOMERS). Writes go through the services.

Points are worth money in every store, so correcting them needs MANAGE_CUSTOMERS in every store (an owner or an
all-stores manager); a manager bound to one store sees the points but cannot correct them (the service checks
it again)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kasse.backoffice.access import backoffice_view
from kasse.core.actors import Actor
from kasse.customers.models import Customer
from kasse.loyalty.forms import AdjustForm, ProgramForm, StampCardForm, TierForm
from kasse.loyalty.models import LoyaltyProgram, LoyaltyTier, StampCard
from kasse.loyalty.services import adjust_points, delete_tier, issue_card_link, save_program, save_stamp_card, save_tier
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest
from kasse.tenancy.selectors import has_capability_everywhere

settings_view = backoffice_view(Capability.MANAGE_SETTINGS)
customers_view = backoffice_view(Capability.MANAGE_CUSTOMERS)


def _errors(form: object, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)  # type: ignore[attr-defined]


@require_http_methods(["GET", "POST"])
@settings_view
def program(request: BackofficeRequest) -> HttpResponse:
    """The program's settings, its tiers and its stamp cards on one page."""
    organization = request.organization
    actor = Actor.for_user(request.user)
    current = LoyaltyProgram.objects.filter(organization=organization).first() or LoyaltyProgram(
        organization=organization
    )
    action = request.POST.get("action", "") if request.method == "POST" else ""
    program_form = ProgramForm(
        request.POST if action == "program" else None, instance=current, organization=organization
    )
    tier_form = TierForm(request.POST if action == "tier" else None, prefix="tier")
    card_form = StampCardForm(request.POST if action == "card" else None, prefix="card", organization=organization)
    status = 200
    if action == "program" and program_form.is_valid():
        try:
            save_program(actor=actor, organization=organization, data=program_form.service_data())
        except ValidationError as exc:
            _errors(program_form, exc)
        else:
            messages.success(request, _("The loyalty program is saved."))
            return redirect("loyalty:program")
    elif action == "tier" and tier_form.is_valid():
        try:
            save_tier(actor=actor, organization=organization, data=tier_form.cleaned_data)
        except ValidationError as exc:
            _errors(tier_form, exc)
        else:
            return redirect("loyalty:program")
    elif action == "card" and card_form.is_valid():
        try:
            save_stamp_card(actor=actor, organization=organization, data=card_form.cleaned_data)
        except ValidationError as exc:
            _errors(card_form, exc)
        else:
            return redirect("loyalty:program")
    elif action == "delete-tier":
        tier: LoyaltyTier = get_object_or_404(LoyaltyTier.objects, pk=request.POST.get("tier"))
        delete_tier(actor=actor, tier=tier)
        return redirect("loyalty:program")
    if action:
        status = 422
    context = {
        "program_form": program_form,
        "tier_form": tier_form,
        "card_form": card_form,
        "tiers": LoyaltyTier.objects.filter(organization=organization),
        "cards": StampCard.objects.filter(organization=organization).select_related("product", "category"),
    }
    return render(request, "loyalty/program.html", context, status=status)


@require_POST
@customers_view
def adjust(request: BackofficeRequest, pk: str) -> HttpResponse:
    if not has_capability_everywhere(request.employee, Capability.MANAGE_CUSTOMERS):
        raise PermissionDenied
    customer: Customer = get_object_or_404(Customer.objects, pk=pk)
    form = AdjustForm(request.POST)
    if form.is_valid():
        try:
            adjust_points(
                actor=Actor.for_user(request.user),
                customer=customer,
                points=form.cleaned_data["points"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The points are corrected."))
    else:
        messages.error(request, _("Please enter the points and a reason."))
    return redirect("customers:customer-detail", pk=customer.pk)


@require_POST
@customers_view
def card_link(request: BackofficeRequest, pk: str) -> HttpResponse:
    """A new link to the customer's digital card (the old one stops working), e-mailed to them if they have
    an address, and shown once here to be sent another way."""
    customer: Customer = get_object_or_404(Customer.objects, pk=pk)
    token = issue_card_link(actor=Actor.for_user(request.user), customer=customer)
    link = settings.PUBLIC_URL.rstrip("/") + reverse("loyalty-public:card", args=[token])
    if customer.email:
        subject = _("Your loyalty card at %(shop)s") % {"shop": request.organization.name}
        body = _("Your digital loyalty card: %(link)s\nAdd it to your home screen to have it at hand.") % {"link": link}
        recipient = customer.email
        transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient]))
    return render(request, "loyalty/card_link.html", {"customer": customer, "link": link})
