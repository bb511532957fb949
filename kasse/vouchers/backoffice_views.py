"""Back-office pages of gift cards (MANAGE_SETTINGS, organization-wide): the voucher types, the list of
vouchers with their balance and a search by code, one voucher's history and a correction. Writes go through
the services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kasse.backoffice.access import backoffice_view
from kasse.core.actors import Actor
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest
from kasse.vouchers.forms import AdjustForm, VoucherTypeForm
from kasse.vouchers.models import Voucher, VoucherType
from kasse.vouchers.selectors import balance_of, history, outstanding, voucher_list
from kasse.vouchers.services import adjust_voucher, create_voucher_type, set_voucher_type_active

settings_view = backoffice_view(Capability.MANAGE_SETTINGS)


@require_http_methods(["GET", "POST"])
@settings_view
def voucher_index(request: BackofficeRequest) -> HttpResponse:
    """The vouchers (newest first, or those whose code contains ``q``) and the voucher types."""
    form = VoucherTypeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                create_voucher_type(
                    actor=Actor.for_user(request.user),
                    organization=request.organization,
                    name=form.cleaned_data["name"],
                    single_purpose=form.cleaned_data["single_purpose"],
                    vat_class=form.cleaned_data["vat_class"] or "standard",
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The voucher type is created; it can be sold at the registers now."))
                return redirect("vouchers:voucher-list")
        status = 422
    query = request.GET.get("q", "")[:60]
    context = {
        "rows": voucher_list(query),
        "outstanding": outstanding(),
        "query": query,
        "types": VoucherType.objects.filter(organization=request.organization),
        "type_form": form,
    }
    return render(request, "vouchers/list.html", context, status=status)


@require_POST
@settings_view
def type_toggle(request: BackofficeRequest, pk: str) -> HttpResponse:
    voucher_type: VoucherType = get_object_or_404(VoucherType.objects, pk=pk)
    set_voucher_type_active(
        actor=Actor.for_user(request.user), voucher_type=voucher_type, active=not voucher_type.is_active
    )
    return redirect("vouchers:voucher-list")


@require_http_methods(["GET", "POST"])
@settings_view
def voucher_detail(request: BackofficeRequest, pk: str) -> HttpResponse:
    """One voucher: balance, every entry with its receipt, and a correction with a reason."""
    voucher: Voucher = get_object_or_404(Voucher.objects.select_related("voucher_type", "store"), pk=pk)
    form = AdjustForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                adjust_voucher(
                    actor=Actor.for_user(request.user),
                    voucher=voucher,
                    amount=form.cleaned_data["amount"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The gift card is corrected."))
                return redirect("vouchers:voucher-detail", pk=voucher.pk)
        status = 422
    context = {"voucher": voucher, "balance": balance_of(voucher), "entries": history(voucher), "form": form}
    return render(request, "vouchers/detail.html", context, status=status)
