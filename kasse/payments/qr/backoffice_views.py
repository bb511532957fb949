"""Back-office pages of QR payment accounts (mounted at /devices/card-terminals/qr/): which provider, the
merchant's access id and secret (stored encrypted, never shown again) and the branch id, for the whole
organization or one store."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kasse.backoffice.access import backoffice_view
from kasse.core.actors import Actor
from kasse.payments.qr.models import QrAccount
from kasse.payments.qr.services import save_qr_account
from kasse.payments.services import PaymentError
from kasse.tenancy.models import Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class QrAccountForm(forms.ModelForm):
    store: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("Store"),
        queryset=Store.objects.none(),
        required=False,
        empty_label=gettext_lazy("All stores"),
    )
    api_url = forms.URLField(
        label=gettext_lazy("API address"),
        assume_scheme="https",
        initial="https://merchant-api.bluecode.biz/v4",
        help_text=gettext_lazy("Bluecode's production or sandbox merchant API"),
    )
    secret = forms.CharField(
        label=gettext_lazy("secret key (password)"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Stored encrypted and never shown again. Leave empty to keep the saved one."),
    )

    class Meta:
        model = QrAccount
        fields = ["store", "provider", "api_url", "username", "branch_ext_id", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = Store.objects.order_by("number")  # type: ignore[attr-defined]

    def clean_api_url(self) -> str:
        url = str(self.cleaned_data.get("api_url") or "")
        parts = urlsplit(url)
        if parts.scheme != "https" and parts.hostname not in LOOPBACK:
            raise forms.ValidationError(_("The API address must start with https://."))
        return url.rstrip("/")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("secret") and not self.instance.secret:
            self.add_error("secret", _("Please enter the secret key the provider gave you."))
        return data

    def account_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields or ()}


@backoffice_view(Capability.MANAGE_SETTINGS)
def account_list(request: BackofficeRequest) -> HttpResponse:
    accounts = list(QrAccount.objects.select_related("store").order_by("provider", "store__number"))
    return render(request, "payments/backoffice/qr_accounts.html", {"accounts": accounts})


def _page(request: BackofficeRequest, account: QrAccount | None) -> HttpResponse:
    form = QrAccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        try:
            save_qr_account(
                actor=Actor.for_user(request.user),
                organization=request.organization,
                data=form.account_data(),
                secret=form.cleaned_data.get("secret") or "",
                account=account,
            )
        except PaymentError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("QR payment account saved."))
            return redirect("payments:qr-account-list")
    return render(
        request,
        "payments/backoffice/qr_account_form.html",
        {"form": form, "account": account},
        status=422 if request.method == "POST" else 200,
    )


@backoffice_view(Capability.MANAGE_SETTINGS)
def account_create(request: BackofficeRequest) -> HttpResponse:
    return _page(request, None)


@backoffice_view(Capability.MANAGE_SETTINGS)
def account_edit(request: BackofficeRequest, account_id: uuid.UUID) -> HttpResponse:
    return _page(request, get_object_or_404(QrAccount, pk=account_id))
