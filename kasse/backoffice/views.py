"""Back office: login, dashboard, language and organization switching."""

from __future__ import annotations

from django import forms
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kasse.backoffice.access import backoffice_view
from kasse.backoffice.login_limits import login_wait, record_failed_login, record_successful_login, wait_message
from kasse.core.throttle import client_address
from kasse.tenancy.middleware import SESSION_ORGANIZATION_KEY
from kasse.tenancy.requests import BackofficeRequest
from kasse.tenancy.selectors import employees_for_user


class LoginForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("backoffice:dashboard")
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        address = client_address(request)
        wait = login_wait(email, address)
        if wait:
            # Refused before the password is looked at, so guessing on costs nothing and learns nothing.
            form.add_error(None, wait_message(wait))
            status = 429
        else:
            user = auth.authenticate(request, username=email, password=form.cleaned_data["password"])
            if user is None:
                record_failed_login(email=email, address=address)
                form.add_error(None, _("E-mail address or password is wrong."))
            elif user.email_verified_at is None:
                form.add_error(None, _("Please confirm your e-mail address first; we sent you a link."))
            else:
                record_successful_login(email=email)
                auth.login(request, user)
                request.session["language"] = user.language
                return HttpResponseRedirect(_safe_next(request, "/"))
    return render(request, "backoffice/login.html", {"form": form, "next": request.GET.get("next", "")}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return redirect("backoffice:login")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language")
    if language in {"de", "en"}:
        request.session["language"] = language
        if request.user.is_authenticated:
            request.user.language = language
            request.user.save(update_fields=["language"])
    return HttpResponseRedirect(_safe_next(request, "/"))


@require_POST
@backoffice_view()
def switch_organization(request: BackofficeRequest) -> HttpResponse:
    wanted = request.POST.get("organization", "")
    if any(str(e.organization_id) == wanted for e in employees_for_user(request.user)):
        request.session[SESSION_ORGANIZATION_KEY] = wanted
    else:
        messages.error(request, _("You do not have access to that organization."))
    return redirect("backoffice:dashboard")


@backoffice_view()
def dashboard(request: BackofficeRequest) -> HttpResponse:
    from kasse.backoffice.overview_views import figures_context
    from kasse.catalog.models import Product
    from kasse.customers.models import Customer
    from kasse.fiscal.tse_pages import alerts as tse_alerts
    from kasse.register.selectors import recent_pin_lockouts
    from kasse.tenancy.models import Register, Store
    from kasse.tenancy.permissions import Capability
    from kasse.tenancy.selectors import has_capability

    org = request.organization
    if has_capability(request.employee, Capability.VIEW_REPORTS):
        context = figures_context(request)
        context["pin_lockouts"] = recent_pin_lockouts(org, request.employee)
        context["tse_alerts"] = tse_alerts(org, request.employee)
        return render(request, "backoffice/overview.html", context)
    context = {
        "stores": Store.objects.filter(organization=org),
        "product_count": Product.objects.filter(organization=org, is_active=True).count(),
        "customer_count": Customer.objects.filter(organization=org).count(),
        "register_count": Register.objects.filter(organization=org, is_active=True).count(),
        "pin_lockouts": recent_pin_lockouts(org, request.employee),
    }
    return render(request, "backoffice/dashboard.html", context)
