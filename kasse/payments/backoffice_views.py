"""Back-office pages of payments (mounted at /devices/card-terminals/): the registers' card terminals, and
the card payments whose outcome is unknown, with the terminal's own data beside each, for a manager to decide.

A connected terminal is driven by the store node (a browser cannot reach it); the pages say so.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kasse.backoffice.access import backoffice_view
from kasse.core.actors import Actor
from kasse.payments import services
from kasse.payments.forms import CardTerminalForm, ResolveForm
from kasse.payments.models import CardPayment, CardPaymentStatus, CardTerminal
from kasse.tenancy.models import Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest


@backoffice_view(Capability.MANAGE_SETTINGS)
def terminal_list(request: BackofficeRequest) -> HttpResponse:
    stores = list(Store.objects.order_by("number"))
    terminals = list(CardTerminal.objects.select_related("store", "register").order_by("store__number", "name"))
    unclear = CardPayment.objects.filter(status=CardPaymentStatus.UNKNOWN).count()
    return render(
        request,
        "payments/backoffice/terminals.html",
        {"stores": stores, "terminals": terminals, "unclear": unclear},
    )


def _terminal_page(request: BackofficeRequest, store: Store, terminal: CardTerminal | None) -> HttpResponse:
    form = CardTerminalForm(request.POST or None, instance=terminal, store=store)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_card_terminal(
                actor=Actor.for_user(request.user), store=store, terminal=terminal, data=form.terminal_data()
            )
        except services.PaymentError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("Card terminal “%(name)s” saved.") % {"name": saved.name})
            return redirect("payments:terminal-list")
    return render(
        request,
        "payments/backoffice/terminal_form.html",
        {"form": form, "store": store, "terminal": terminal},
        status=422 if request.method == "POST" else 200,
    )


@backoffice_view(Capability.MANAGE_SETTINGS)
def terminal_create(request: BackofficeRequest, store_id: uuid.UUID) -> HttpResponse:
    return _terminal_page(request, get_object_or_404(Store, pk=store_id), None)


@backoffice_view(Capability.MANAGE_SETTINGS)
def terminal_edit(request: BackofficeRequest, terminal_id: uuid.UUID) -> HttpResponse:
    terminal: CardTerminal = get_object_or_404(CardTerminal.objects.select_related("store"), pk=terminal_id)
    return _terminal_page(request, terminal.store, terminal)


@require_POST
@backoffice_view(Capability.MANAGE_SETTINGS)
def terminal_test(request: BackofficeRequest, terminal_id: uuid.UUID) -> HttpResponse:
    """Ask the store node to log on to the terminal (06 00); the list shows its answer within seconds."""
    terminal: CardTerminal = get_object_or_404(CardTerminal, pk=terminal_id)
    try:
        services.request_terminal_test(actor=Actor.for_user(request.user), terminal=terminal)
    except services.PaymentError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The store node tests “%(name)s” within a few seconds.") % {"name": terminal.name})
    return redirect("payments:terminal-list")


@backoffice_view(Capability.MANAGE_SETTINGS)
def unclear_list(request: BackofficeRequest) -> HttpResponse:
    payments = list(
        CardPayment.objects.filter(status=CardPaymentStatus.UNKNOWN)
        .select_related("store", "register", "terminal", "qr_account")
        .order_by("created_at")
    )
    return render(request, "payments/backoffice/unclear.html", {"payments": payments, "form": ResolveForm()})


@require_POST
@backoffice_view(Capability.MANAGE_SETTINGS)
def resolve(request: BackofficeRequest, payment_id: uuid.UUID) -> HttpResponse:
    payment: CardPayment = get_object_or_404(CardPayment, pk=payment_id)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please say whether the card was charged."))
        return redirect("payments:unclear-list")
    try:
        services.resolve_card_payment(
            actor=Actor.for_user(request.user),
            payment=payment,
            paid=form.cleaned_data["paid"],
            note=form.cleaned_data["note"],
        )
    except services.PaymentError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The card payment is cleared up."))
    return redirect("payments:unclear-list")
