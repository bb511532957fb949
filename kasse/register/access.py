"""Who is at the register: the paired device, the employee who unlocked it, and auto-lock."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from kasse.register.node_gate import refuse_in_cloud
from kasse.register.selectors import register_settings
from kasse.register.services.pin_guard import PinLockedOut, check_pin
from kasse.tenancy.models import Employee
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import RegisterRequest
from kasse.tenancy.selectors import has_capability, register_staff, register_staff_member

SESSION_EMPLOYEE = "register_employee_id"
SESSION_ACTIVE_AT = "register_active_at"
ACTIVITY_WRITE_INTERVAL = 10  # seconds; the auto-lock is at least 15 s


def picked_employee(request: RegisterRequest, *, prefix: str = "", capability: str | None = None) -> Employee | None:
    """The employee picked on a register form: a tile (``<prefix>employee``) or a typed employee number."""
    store = request.register_device.register.store
    return register_staff_member(
        store,
        employee_id=request.POST.get(f"{prefix}employee", "").strip()[:40],
        employee_number=request.POST.get(f"{prefix}employee_number", "").strip()[:20],
        capability=capability,
    )


def pin_is_right(request: RegisterRequest, employee: Employee, pin: str, *, purpose: str) -> bool:
    """Check the PIN of the one picked employee, counting wrong ones in the database (``pin_guard``)."""
    return check_pin(device=request.register_device, employee=employee, pin=pin.strip()[:20], purpose=purpose)


def approver_from_request(request: RegisterRequest) -> Employee | None:
    """The manager who approved on a form (``approver`` picked, ``manager_pin`` typed), or ``None`` if nobody did.

    A wrong PIN is refused with a clear message, never silently ignored, and counts
    towards the same lockout as the lock screen.
    """
    from kasse.sales.services.errors import SaleError

    pin = request.POST.get("manager_pin", "").strip()
    chosen = request.POST.get("approver", "").strip()
    if not pin and not chosen:
        return None
    store = request.register_device.register.store
    approver = register_staff_member(store, employee_id=chosen[:40])
    if approver is None:
        raise SaleError(_("Please choose the manager who approves."))
    if not pin:
        raise SaleError(_("Please enter the manager's PIN."))
    try:
        right = pin_is_right(request, approver, pin, purpose="approval")
    except PinLockedOut as exc:
        raise SaleError(str(exc)) from exc
    if not right:
        raise SaleError(_("Wrong PIN for %(name)s.") % {"name": approver.display_name})
    return approver


def approvers_for(request: RegisterRequest) -> list[Employee]:
    """Who may approve at this register (manager override or cash management), for the approver list."""
    store = request.register_device.register.store
    found = {
        e.pk: e for cap in (Capability.MANAGER_OVERRIDE, Capability.CASH_MANAGEMENT) for e in register_staff(store, cap)
    }
    return sorted(found.values(), key=lambda e: e.display_name.casefold())


def unlock(request: HttpRequest, employee: Employee) -> None:
    request.session[SESSION_EMPLOYEE] = str(employee.pk)
    request.session[SESSION_ACTIVE_AT] = time.time()


def lock(request: HttpRequest) -> None:
    request.session.pop(SESSION_EMPLOYEE, None)
    request.session.pop(SESSION_ACTIVE_AT, None)


def current_cashier(request: RegisterRequest) -> Employee | None:
    """The employee who unlocked this register, unless the register locked itself meanwhile."""
    device = request.register_device
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


def settings_for(request: RegisterRequest) -> Any:
    """The register settings of the device's store, read once per request."""
    if not hasattr(request, "register_settings"):
        request.register_settings = register_settings(request.register_device.register.store)
    return request.register_settings


def register_view(*, needs_cashier: bool = True) -> Callable[..., Any]:
    """Decorator: a paired device (else the pairing page) and, if asked, an unlocked cashier.

    htmx requests that lose their cashier get an ``HX-Redirect`` to the lock screen.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: RegisterRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            device = getattr(request, "register_device", None)
            if device is None or device.is_display:
                return _go(request, "register:pair")
            refusal = refuse_in_cloud(request, device.register)  # a node's store sells through the node
            if refusal is not None:
                return refusal
            request.register = device.register
            request.cashier = None
            if needs_cashier:
                cashier = current_cashier(request)
                if cashier is None:
                    return _go(request, "register:lock")
                request.cashier = cashier
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
