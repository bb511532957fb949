"""Who is at the register: the paired device, the employee who unlocked it, and auto-lock."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from kasse.register.selectors import register_settings
from kasse.tenancy.models import Employee
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import employee_by_pin, has_capability

SESSION_EMPLOYEE = "register_employee_id"
SESSION_ACTIVE_AT = "register_active_at"
ACTIVITY_WRITE_INTERVAL = 10  # seconds; the auto-lock is at least 15 s


PIN_MAX_FAILURES = 5
PIN_LOCKOUT_SECONDS = 60


class PinLockedOut(Exception):
    """Too many wrong PINs on this device; the message is for the cashier."""


def _failures_key(request: HttpRequest) -> str:
    return f"register-pin-failures:{request.register_device.pk}"  # type: ignore[attr-defined]


def employee_for_pin(request: HttpRequest, pin: str) -> Employee | None:
    """The employee a PIN typed on this device belongs to, counting wrong PINs.

    One counter per device for every PIN the register asks for (switching in,
    manager approvals): after five wrong PINs the device refuses PINs for a
    minute, so a manager PIN cannot be guessed from the register.
    """
    key = _failures_key(request)
    failures = cache.get(key, 0)
    if failures >= PIN_MAX_FAILURES:
        raise PinLockedOut(_("Too many wrong PINs. Please wait a minute."))
    employee = employee_by_pin(request.register_device.register.organization, pin)  # type: ignore[attr-defined]
    if employee is None:
        cache.set(key, failures + 1, PIN_LOCKOUT_SECONDS)
    else:
        cache.delete(key)
    return employee


def approver_from_request(request: HttpRequest) -> Employee | None:
    """The employee whose manager PIN was typed on a form (``manager_pin``), or ``None`` if none was.

    A wrong PIN is refused with a clear message, never silently ignored.
    """
    from kasse.sales.services.errors import SaleError

    pin = request.POST.get("manager_pin", "").strip()
    if not pin:
        return None
    try:
        approver = employee_for_pin(request, pin)
    except PinLockedOut as exc:
        raise SaleError(str(exc)) from exc
    if approver is None:
        raise SaleError(_("Unknown manager PIN."))
    return approver


def unlock(request: HttpRequest, employee: Employee) -> None:
    request.session[SESSION_EMPLOYEE] = str(employee.pk)
    request.session[SESSION_ACTIVE_AT] = time.time()


def lock(request: HttpRequest) -> None:
    request.session.pop(SESSION_EMPLOYEE, None)
    request.session.pop(SESSION_ACTIVE_AT, None)


def current_cashier(request: HttpRequest) -> Employee | None:
    """The employee who unlocked this register, unless the register locked itself meanwhile."""
    device = request.register_device  # type: ignore[attr-defined]
    employee_id = request.session.get(SESSION_EMPLOYEE)
    if device is None or not employee_id:
        return None
    settings = settings_for(request)
    last = float(request.session.get(SESSION_ACTIVE_AT, 0))
    if time.time() - last > settings.auto_lock_seconds:
        lock(request)
        return None
    employee = Employee.objects.filter(pk=employee_id, is_active=True).first()
    if employee is None or not has_capability(employee, Capability.SELL, device.register.store):
        lock(request)
        return None
    now = time.time()
    if now - last > ACTIVITY_WRITE_INTERVAL:
        # Only every few seconds: writing the session on every scan would cost a query each time.
        request.session[SESSION_ACTIVE_AT] = now
    return employee


def settings_for(request: HttpRequest) -> Any:
    """The register settings of the device's store, read once per request."""
    if not hasattr(request, "register_settings"):
        request.register_settings = register_settings(  # type: ignore[attr-defined]
            request.register_device.register.store)  # type: ignore[attr-defined]
    return request.register_settings  # type: ignore[attr-defined]


def register_view(*, needs_cashier: bool = True) -> Callable[..., Any]:
    """Decorator: a paired device (else the pairing page) and, if asked, an unlocked cashier.

    htmx requests that lose their cashier get an ``HX-Redirect`` to the lock screen.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            device = getattr(request, "register_device", None)
            if device is None or device.is_display:
                return _go(request, "register:pair")
            request.register = device.register  # type: ignore[attr-defined]
            request.cashier = None  # type: ignore[attr-defined]
            if needs_cashier:
                cashier = current_cashier(request)
                if cashier is None:
                    return _go(request, "register:lock")
                request.cashier = cashier  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _go(request: HttpRequest, url_name: str) -> HttpResponse:
    from django.urls import reverse

    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse(url_name)
        return response
    return redirect(url_name)
