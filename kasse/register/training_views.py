"""Training mode at the register: entered and left with a manager's PIN (docs/fiscal.md, Integration item 6)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from kasse.core.actors import Actor
from kasse.register.access import approver_from_request, register_view
from kasse.register.live import reload_displays
from kasse.register.services.training import enter_training, in_training, leave_training
from kasse.sales.services.errors import SaleError
from kasse.tenancy.requests import CashierRequest


@require_http_methods(["GET", "POST"])
@register_view()
def training(request: CashierRequest) -> HttpResponse:
    """GET: the dialog (enter or leave, with the manager's PIN). POST: switch; the register page reloads."""
    register = request.register
    on = in_training(register)
    if request.method == "GET":
        return render(request, "register/partials/training_form.html", {"on": on})
    try:
        switch = leave_training if on else enter_training
        switch(actor=Actor.for_employee(request.cashier), register=register, approver=approver_from_request(request))
    except SaleError as exc:
        return render(
            request, "register/partials/training_form.html", {"on": on, "error": " ".join(exc.messages)}, status=422
        )
    reload_displays(register)
    response = HttpResponse(status=204)
    response["HX-Redirect"] = reverse("register:main")
    return response
