"""Employee pages: list, create, edit with PIN, roles per store and back-office login.

Capability MANAGE_EMPLOYEES; owners are made and changed by owners only (the
service enforces it, the page explains it). A store-bound manager sees and
changes only employees of the stores where they manage employees, and only
those stores' role rows; another store's employee is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kasse.backoffice.access import backoffice_view
from kasse.tenancy.backoffice_views import actor_of, show_service_errors
from kasse.tenancy.forms import ALL_STORES, EmployeeForm
from kasse.tenancy.models import Employee, Store, StoreRole
from kasse.tenancy.permissions import Capability, Role
from kasse.tenancy.requests import BackofficeRequest
from kasse.tenancy.selectors import manageable_employees, may_manage_employee, stores_with_capability
from kasse.tenancy.services import save_employee

employees_view = backoffice_view(Capability.MANAGE_EMPLOYEES)


def _is_owner(employee: Employee | None) -> bool:
    if employee is None:
        return False
    return StoreRole.objects.filter(employee=employee, role=Role.OWNER, store__isnull=True).exists()


@require_GET
@employees_view
def employee_list(request: BackofficeRequest) -> HttpResponse:
    org = request.organization
    employees = (
        manageable_employees(request.employee, Employee.objects.filter(organization=org))
        .select_related("user")
        .prefetch_related(Prefetch("roles", queryset=StoreRole.objects.select_related("store")))
        .order_by("-is_active", "display_name")
    )
    return render(request, "tenancy/employee_list.html", {"employees": employees})


def _employee_page(request: BackofficeRequest, employee: Employee | None) -> HttpResponse:
    org = request.organization
    acting = request.employee
    managed = stores_with_capability(acting, Capability.MANAGE_EMPLOYEES)
    stores = [s for s in Store.objects.filter(organization=org) if managed is None or s.pk in managed]
    may_grant_owner = _is_owner(acting)
    current_roles = (
        {str(r.store_id) if r.store_id else ALL_STORES: r.role for r in StoreRole.objects.filter(employee=employee)}
        if employee
        else {}
    )
    locked = employee is not None and not may_grant_owner and Role.OWNER in current_roles.values()
    draft = Employee.objects.select_related("user").get(pk=employee.pk) if employee else Employee(organization=org)
    form = EmployeeForm(
        request.POST or None,
        instance=draft,
        stores=stores,
        may_grant_owner=may_grant_owner,
        current_roles=current_roles,
        may_grant_all_stores=may_grant_owner,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in ("display_name", "employee_number", "is_active")}
            try:
                saved = save_employee(
                    actor=actor_of(request),
                    organization=org,
                    data=data,
                    employee=Employee.objects.select_related("user").get(pk=employee.pk) if employee else None,
                    pin=form.cleaned_data["pin"] or None,
                    roles=form.roles(),
                    login_email=form.cleaned_data["login_email"],
                )
            except ValidationError as exc:
                show_service_errors(form, exc)
            else:
                messages.success(request, _("“%(name)s” has been saved.") % {"name": saved.display_name})
                wanted = (form.cleaned_data["login_email"] or "").strip().lower()
                if wanted and (saved.user is None or saved.user.email != wanted):
                    messages.info(
                        request,
                        _(
                            "%(email)s already has a kasse account: we asked them by e-mail to "
                            "accept; the login works once they have."
                        )
                        % {"email": wanted},
                    )
                return redirect("tenancy:employee-edit", pk=saved.pk)
        status = 400
    context = {"form": form, "employee": employee, "locked": locked}
    return render(request, "tenancy/employee_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@employees_view
def employee_create(request: BackofficeRequest) -> HttpResponse:
    return _employee_page(request, None)


@require_http_methods(["GET", "POST"])
@employees_view
def employee_edit(request: BackofficeRequest, pk: str) -> HttpResponse:
    employee: Employee = get_object_or_404(Employee.objects, pk=pk)
    if not may_manage_employee(request.employee, employee):
        raise Http404  # another store's employee: the same answer as a missing one
    return _employee_page(request, employee)
