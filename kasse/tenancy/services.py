"""Writes for tenancy: organizations, stores, registers, employees and roles.

Every function takes the actor, validates, writes in one transaction and logs
an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.sync.engine.changes import record
from kasse.tenancy.models import (
    Employee,
    Organization,
    Register,
    Store,
    StoreRole,
    User,
    pin_digest,
)
from kasse.tenancy.permissions import Capability, Role
from kasse.tenancy.signals import register_saved
from kasse.tenancy.validators import normalize_vat_id

ORGANIZATION_FIELDS = (
    "name",
    "legal_name",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_id",
    "tax_number",
    "email",
    "phone",
    "language",
)
STORE_FIELDS = (
    "name",
    "number",
    "street",
    "postal_code",
    "city",
    "country",
    "time_zone",
    "currency",
    "phone",
    "email",
    "receipt_footer",
    "summary_time",
    "is_active",
)


@dataclass(frozen=True)
class NewOrganization:
    organization: Organization
    store: Store
    register: Register
    owner: User
    employee: Employee


def _full_clean(obj: object, exclude: list[str] | None = None) -> None:
    obj.full_clean(exclude=exclude)  # type: ignore[attr-defined]


@transaction.atomic
def create_organization(
    *,
    actor: Actor,
    organization: dict,
    store: dict,
    owner_email: str,
    owner_password: str | None,
    owner_name: str = "",
    owner_pin: str | None = None,
    email_verified: bool = False,
) -> NewOrganization:
    """Create an organization with its first store, first register and owner account.

    Used by sign-up, by ``kasse createorg`` and by the demo seed. An existing
    user (same e-mail) becomes the owner of the new organization as well.
    """
    from django.utils import timezone

    with scopes_disabled():
        org = Organization(**{k: v for k, v in organization.items() if k in ORGANIZATION_FIELDS})
        org.vat_id = normalize_vat_id(org.vat_id)
        _full_clean(org)
        org.save()
        new_store = Store(organization=org, **{k: v for k, v in store.items() if k in STORE_FIELDS})
        _full_clean(new_store, exclude=["organization"])
        new_store.save()
        register = Register.objects.create(
            organization=org,
            store=new_store,
            number=1,
            name=_("Register 1"),
            serial_number=f"K{new_store.number:02d}-01-{str(org.pk)[-8:].upper()}",
        )
        email = owner_email.strip().lower()
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email,
                owner_password,
                full_name=owner_name,
                language=org.language,
                email_verified_at=timezone.now() if email_verified else None,
            )
        employee = Employee.objects.create(
            organization=org,
            user=user,
            display_name=owner_name or email.split("@")[0],
        )
        if owner_pin:
            validate_pin(owner_pin, long=True)
            _set_pin(employee, owner_pin)
        StoreRole.objects.create(organization=org, employee=employee, store=None, role=Role.OWNER)
        log_action(org, actor, "tenancy.organization.created", org, {"owner": email})
    return NewOrganization(org, new_store, register, user, employee)


@tenant_service
def update_organization(*, actor: Actor, organization: Organization, data: dict) -> Organization:
    changed = {}
    for field in ORGANIZATION_FIELDS:
        if field in data and getattr(organization, field) != data[field]:
            changed[field] = str(data[field])
            setattr(organization, field, data[field])
    organization.vat_id = normalize_vat_id(organization.vat_id)
    organization.full_clean()
    organization.save()
    log_action(organization, actor, "tenancy.organization.changed", organization, changed)
    record("organization", [organization])
    return organization


@tenant_service
def save_store(*, actor: Actor, organization: Organization, data: dict, store: Store | None = None) -> Store:
    """Create a store (``store=None``) or change one."""
    creating = store is None
    if store is None:
        store = Store(organization=organization)
        if "number" not in data:
            with scopes_disabled():
                last = Store.objects.filter(organization=organization).order_by("-number").first()
            data = {**data, "number": (last.number + 1) if last else 1}
    for field in STORE_FIELDS:
        if field in data:
            setattr(store, field, data[field])
    store.full_clean(exclude=["organization"])
    _check_unique(
        Store,
        organization,
        store,
        number=store.number,
        message=_("Another store already has number %(value)s.") % {"value": store.number},
        field="number",
    )
    store.save()
    log_action(
        organization,
        actor,
        "tenancy.store.created" if creating else "tenancy.store.changed",
        store,
        {"name": store.name},
    )
    record("store", [store])
    return store


@tenant_service
def save_register(
    *, actor: Actor, organization: Organization, store: Store, data: dict, register: Register | None = None
) -> Register:
    """Create a register in ``store`` or change one; numbers and serials stay unique."""
    creating = register is None
    if register is None:
        register = Register(organization=organization, store=store)
        if not data.get("number"):
            with scopes_disabled():
                last = Register.objects.filter(store=store).order_by("-number").first()
            data = {**data, "number": (last.number + 1) if last else 1}
    register.store = store
    for field in ("number", "name", "serial_number", "is_active"):
        if field in data:
            setattr(register, field, data[field])
    if not register.serial_number:
        register.serial_number = f"K{store.number:02d}-{register.number:02d}-{str(organization.pk)[-8:].upper()}"
    register.full_clean(exclude=["organization", "store"])
    with scopes_disabled():
        if Register.objects.filter(store=store, number=register.number).exclude(pk=register.pk).exists():
            raise ValidationError({"number": _("This store already has a register with that number.")})
    _check_unique(
        Register,
        organization,
        register,
        serial_number=register.serial_number,
        message=_("Another register already has this serial number."),
        field="serial_number",
    )
    register.save()
    log_action(
        organization,
        actor,
        "tenancy.register.created" if creating else "tenancy.register.changed",
        register,
        {"name": register.name, "store": str(store.pk)},
    )
    record("register", [register])
    transaction.on_commit(lambda: register_saved.send(Register, register=register, actor=actor))
    return register


def _check_unique(
    model: type, organization: Organization, obj: object, *, message: str, field: str, **lookup: object
) -> None:
    with scopes_disabled():
        qs = model.objects.filter(organization=organization, **lookup).exclude(  # type: ignore[attr-defined]
            pk=obj.pk  # type: ignore[attr-defined]
        )
        if qs.exists():
            raise ValidationError({field: message})


PIN_MIN_LENGTH = 4  # cashiers
LONG_PIN_MIN_LENGTH = 6  # owners and managers: their PIN approves refunds, discounts and the drawer
PIN_MAX_LENGTH = 12
LONG_PIN_ROLES = frozenset({Role.OWNER, Role.MANAGER})


def needs_long_pin(roles: list[tuple[Store | None, str]]) -> bool:
    """Whether these roles make the employee's PIN a manager's (6 digits or more)."""
    return any(role in LONG_PIN_ROLES for _store, role in roles)


def validate_pin(pin: str, *, long: bool = False) -> None:
    """A PIN is ASCII digits only, 4 to 12 of them (6 to 12 for owners and managers)."""
    shortest = LONG_PIN_MIN_LENGTH if long else PIN_MIN_LENGTH
    if not (pin.isascii() and pin.isdigit() and shortest <= len(pin) <= PIN_MAX_LENGTH):
        if long:
            raise ValidationError({"pin": _("Owners and managers need a PIN of 6 to 12 digits.")})
        raise ValidationError({"pin": _("A PIN has 4 to 12 digits.")})


def _check_pin_for_roles(employee: Employee, pin: str | None, roles: list[tuple[Store | None, str]]) -> None:
    """A new PIN fits the roles; an owner or manager keeping a short PIN must choose a new one.

    PINs need not be unique: the register asks who is working first and checks the
    PIN of that one employee, so nothing here tells one employee another's PIN.
    """
    long = needs_long_pin(roles)
    if pin:
        validate_pin(pin, long=long)
    elif long and employee.has_pin and not employee.pin_is_long:
        raise ValidationError({"pin": _("Owners and managers need a PIN of 6 to 12 digits. Please set a new PIN.")})


def _set_pin(employee: Employee, pin: str) -> None:
    employee.pin_digest = pin_digest(employee.organization, pin)
    employee.pin_is_long = len(pin) >= LONG_PIN_MIN_LENGTH
    employee.save(update_fields=["pin_digest", "pin_is_long", "updated_at"])


@tenant_service
def save_employee(
    *,
    actor: Actor,
    organization: Organization,
    data: dict,
    employee: Employee | None = None,
    pin: str | None = None,
    roles: list[tuple[Store | None, str]] | None = None,
    login_email: str | None = None,
) -> Employee:
    """Create or change an employee, optionally setting the PIN and replacing the roles.

    ``roles`` is a list of ``(store or None, role)``; ``None`` means all stores.
    ``login_email`` gives the employee a back-office login (an existing user with
    that address is linked, otherwise a user without password is created, and an
    invitation e-mail goes out after commit); ``""`` removes the login, ``None``
    leaves it alone.

    When a back-office user acts, only an owner may grant the owner role or
    change an employee who is an owner.
    """
    creating = employee is None
    _check_owner_rules(organization, actor, employee, roles)
    if employee is None:
        employee = Employee(organization=organization)
    for field in ("display_name", "employee_number", "is_active", "user"):
        if field in data:
            setattr(employee, field, data[field])
    employee.full_clean(exclude=["organization", "user", "pin_digest"])
    _check_employee_number(organization, employee)
    _check_pin_for_roles(employee, pin, roles if roles is not None else _current_roles(employee))
    invite = _apply_login_email(organization, employee, login_email)
    if roles is None and not employee.is_active and employee.pk and _is_owner(employee):
        with scopes_disabled():
            current = [(r.store, r.role) for r in StoreRole.objects.filter(employee=employee)]
        _ensure_owner_remains(organization, employee, current)
    employee.save()
    if pin:
        _set_pin(employee, pin)
    gone_roles: list[StoreRole] = []
    if roles is not None:
        if not roles:
            raise ValidationError({"roles": _("An employee needs at least one role.")})
        seen = set()
        for store, role in roles:
            key = store.pk if store else None
            if key in seen:
                raise ValidationError({"roles": _("Only one role per store, please.")})
            seen.add(key)
            Role(role)
            if store is not None and store.organization_id != organization.pk:
                raise ValidationError({"roles": _("Unknown store.")})
        _ensure_owner_remains(organization, employee, roles)
        with scopes_disabled():
            gone_roles = list(StoreRole.objects.filter(employee=employee))
            StoreRole.objects.filter(employee=employee).delete()
            StoreRole.objects.bulk_create(
                StoreRole(organization=organization, employee=employee, store=s, role=r) for s, r in roles
            )
        employee._role_cache = None  # type: ignore[attr-defined]
    audit: dict[str, object] = {
        "name": employee.display_name,
        "pin_changed": bool(pin),
        "roles": [[str(s.pk) if s else None, r] for s, r in (roles or [])],
    }
    if login_email is not None:
        audit["login"] = employee.user.email if employee.user else ""
    log_action(
        organization, actor, "tenancy.employee.created" if creating else "tenancy.employee.changed", employee, audit
    )
    with scopes_disabled():
        employee.refresh_from_db(fields=["pin_digest", "pin_is_long"])
        record("employee", [employee, *StoreRole.objects.filter(employee=employee)], deleted=gone_roles)
    if isinstance(invite, User):
        from kasse.tenancy.invitations import invite_existing_user

        invite_existing_user(actor=actor, organization=organization, employee=employee, user=invite)
    elif invite and employee.user is not None:
        from kasse.tenancy.accounts import send_invitation_email

        send_invitation_email(user=employee.user, organization=organization, invited_by=actor.label)
    return employee


def _current_roles(employee: Employee) -> list[tuple[Store | None, str]]:
    if not employee.pk:
        return []
    with scopes_disabled():
        return [(r.store, r.role) for r in StoreRole.objects.filter(employee=employee).select_related("store")]


def _check_employee_number(organization: Organization, employee: Employee) -> None:
    """Employee numbers are unique in the organization: a cashier may log in with theirs."""
    if employee.employee_number:
        _check_unique(
            Employee,
            organization,
            employee,
            field="employee_number",
            message=_("Another employee already has this employee number."),
            employee_number=employee.employee_number,
        )


def _is_owner(employee: Employee) -> bool:
    with scopes_disabled():
        return StoreRole.objects.filter(employee=employee, role=Role.OWNER).exists()


def _check_owner_rules(
    organization: Organization, actor: Actor, employee: Employee | None, roles: list[tuple[Store | None, str]] | None
) -> None:
    """What a back-office user who is not an owner may do to an employee.

    Owners are made and changed by owners only. A non-owner changes only
    employees of the stores where they manage employees (every store the
    employee has a role in), and grants or takes roles only in those stores,
    never the all-stores row.
    """
    from kasse.tenancy.selectors import may_manage_employee, stores_with_capability

    if actor.kind != "user" or actor.user is None:
        return
    with scopes_disabled():
        acting = Employee.objects.filter(organization=organization, user=actor.user, is_active=True).first()
        if (
            acting is not None
            and StoreRole.objects.filter(employee=acting, role=Role.OWNER, store__isnull=True).exists()
        ):
            return
        existing = employee is not None and employee.pk is not None and not employee._state.adding
        if existing and _is_owner(employee):  # type: ignore[arg-type]
            raise ValidationError(_("Only an owner can change an owner."))
        if existing and not may_manage_employee(acting, employee):  # type: ignore[arg-type]
            raise ValidationError(_("You can only change employees of the stores where you manage employees."))
        current = {(r.store_id, r.role) for r in StoreRole.objects.filter(employee=employee)} if existing else set()
    own = acting is not None and employee is not None and acting.pk == employee.pk
    if own and roles is not None and current != {(s.pk if s else None, r) for s, r in roles}:
        raise ValidationError({"roles": _("You cannot change your own roles; please ask an owner.")})
    if roles and any(role == Role.OWNER for _store, role in roles):
        raise ValidationError({"roles": _("Only an owner can grant the owner role.")})
    allowed = stores_with_capability(acting, Capability.MANAGE_EMPLOYEES)
    if roles is None:
        if not existing and allowed is not None:
            raise ValidationError({"roles": _("An employee needs at least one role.")})
        return
    for store_id, _role in current ^ {(s.pk if s else None, r) for s, r in roles}:
        if store_id is None:
            raise ValidationError({"roles": _("Only an owner can grant or change a role in all stores.")})
        if allowed is not None and store_id not in allowed:
            raise ValidationError({"roles": _("You can only grant roles in the stores where you manage employees.")})


def _apply_login_email(organization: Organization, employee: Employee, login_email: str | None) -> bool | User:
    """Link (or unlink) the back-office user: ``True`` when a new user was linked and is to be invited,
    an existing :class:`User` who is to be asked to accept, ``False`` otherwise."""
    if login_email is None:
        return False
    email = login_email.strip().lower()
    if not email:
        employee.user = None
        return False
    if employee.user is not None and employee.user.email == email:
        return False
    try:
        EmailValidator()(email)
    except ValidationError as exc:
        raise ValidationError({"login_email": _("Enter a valid e-mail address.")}) from exc
    user = User.objects.filter(email=email).first()
    with scopes_disabled():
        taken = (
            user is not None
            and Employee.objects.filter(organization=organization, user=user).exclude(pk=employee.pk).exists()
        )
    if taken:
        raise ValidationError({"login_email": _("Another employee already logs in with this e-mail address.")})
    if user is not None:
        # An account that exists already (maybe of another organization) is linked only when its owner accepts.
        return user
    user = User.objects.create_user(email, None, full_name=employee.display_name, language=organization.language)
    employee.user = user
    return True


def _ensure_owner_remains(
    organization: Organization, employee: Employee, roles: list[tuple[Store | None, str]]
) -> None:
    """An organization must always keep at least one active owner."""
    if employee.is_active and any(store is None and role == Role.OWNER for store, role in roles):
        return
    with scopes_disabled():
        others = StoreRole.objects.filter(
            organization=organization,
            role=Role.OWNER,
            store__isnull=True,
            employee__is_active=True,
        ).exclude(employee=employee)
        if not others.exists():
            raise ValidationError({"roles": _("The organization must keep at least one owner.")})
