"""Organizations, stores, registers and the people who work there.

Organization → Store → Register. People: a global ``User`` (e-mail and password,
for the back office) and a per-organization ``Employee`` (name, register PIN,
roles), optionally linked to a user.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
import zoneinfo
from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel, TimestampedModel, UUIDModel
from kasse.tenancy.permissions import Role


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class Language(models.TextChoices):
    GERMAN = "de", _("German")
    ENGLISH = "en", _("English")


class Currency(models.TextChoices):
    EUR = "EUR", _("Euro")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("an e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("email_verified_at", timezone.now())
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin, UUIDModel):
    """A person who logs in to the back office with e-mail and password."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.GERMAN)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("operator"), default=False)
    email_verified_at = models.DateTimeField(_("e-mail verified"), null=True, blank=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email


class Organization(TimestampedModel):
    """A tenant: one business with its legal identity, as receipts must show it."""

    name = models.CharField(_("name"), max_length=120)
    legal_name = models.CharField(_("legal name"), max_length=200)
    street = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=20)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="DE")
    vat_id = models.CharField(_("VAT ID"), max_length=20, blank=True)
    tax_number = models.CharField(_("tax number"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.GERMAN)
    # Key for register PIN digests; synced to store nodes with the employees.
    pin_pepper = models.CharField(max_length=64, default=secrets.token_hex, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    @property
    def organization(self) -> Organization:
        """An organization is its own tenant (lets generic tenancy checks treat it alike)."""
        return self

    def clean(self) -> None:
        from kasse.tenancy.validators import validate_german_tax_ids

        validate_german_tax_ids(self.country, self.vat_id, self.tax_number)


class Store(OrganizationScopedModel):
    """A shop location with its address, time zone and currency."""

    name = models.CharField(_("name"), max_length=120)
    number = models.PositiveIntegerField(_("store number"), default=1)
    street = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=20)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="DE")
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Berlin", validators=[validate_time_zone]
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    receipt_footer = models.TextField(_("receipt footer"), blank=True)
    # The summary covers the calendar day, so it may not go out before noon (a time after midnight would send
    # the next day's first sale as that day's summary).
    summary_time = models.TimeField(
        _("daily summary after"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(
                datetime.time(12, 0),
                message=_("The summary covers the calendar day: please choose a time between 12:00 and 23:59."),
            )
        ],
        help_text=_("Your closing time: the day's summary goes out after it, in the store's time zone."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["number", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="store_number_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Register(OrganizationScopedModel):
    """A till in a store: a paired browser or terminal that sells."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="registers", verbose_name=_("store"))
    number = models.PositiveIntegerField(_("register number"))
    name = models.CharField(_("name"), max_length=120)
    serial_number = models.CharField(_("serial number"), max_length=64)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("register")
        verbose_name_plural = _("registers")
        ordering = ["store__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="register_number_unique"),
            models.UniqueConstraint(fields=["organization", "serial_number"], name="register_serial_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.store.name} · {self.name}"


PIN_HASH = "pbkdf2_sha256"
MAX_PIN_ITERATIONS = 5_000_000  # a digest asking for more is refused, not computed


def pin_digest(organization: Organization, pin: str, *, salt: str | None = None, iterations: int | None = None) -> str:
    """Salted, slow digest of a register PIN, keyed with the organization's pepper.

    ``pbkdf2_sha256$<iterations>$<salt>$<hex>``: a PIN is checked against the one
    employee who picked themselves at the register (PINs need not be unique), so the
    digest can be salted per employee and slow; a stolen store node's replica then
    costs a brute force per employee instead of one table lookup for everybody.
    """
    from django.conf import settings

    salt = salt or secrets.token_hex(8)
    iterations = iterations or settings.KASSE_PIN_HASH_ITERATIONS
    secret = f"{organization.pin_pepper}:{organization.pk}:{pin}".encode()
    value = hashlib.pbkdf2_hmac("sha256", secret, salt.encode(), iterations).hex()
    return f"{PIN_HASH}${iterations}${salt}${value}"


def _legacy_pin_digest(organization: Organization, pin: str) -> str:
    """The unsalted HMAC of PINs set before salted digests (still accepted until the PIN changes)."""
    key = organization.pin_pepper.encode()
    return hmac.new(key, f"{organization.pk}:{pin}".encode(), hashlib.sha256).hexdigest()


def pin_matches(organization: Organization, digest: str, pin: str) -> bool:
    """Whether ``pin`` is the PIN behind ``digest`` (constant time; ``False`` for no PIN)."""
    if not digest or not pin or not pin.isascii() or not pin.isdigit():
        return False
    parts = digest.split("$")
    if len(parts) == 4 and parts[0] == PIN_HASH and parts[1].isdigit() and 0 < int(parts[1]) <= MAX_PIN_ITERATIONS:
        expected = pin_digest(organization, pin, salt=parts[2], iterations=int(parts[1]))
    elif len(parts) == 1:
        expected = _legacy_pin_digest(organization, pin)
    else:
        return False
    return hmac.compare_digest(expected, digest)


class Employee(OrganizationScopedModel):
    """Somebody who works for an organization: register PIN, roles, optional login user."""

    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employees",
        verbose_name=_("login"),
    )
    display_name = models.CharField(_("name"), max_length=120)
    employee_number = models.CharField(_("employee number"), max_length=20, blank=True)
    pin_digest = models.CharField(max_length=128, blank=True, editable=False)
    # Set with the PIN: it has the length an owner or manager needs (6+ digits); a cashier
    # promoted to manager with a shorter one must choose a new PIN.
    pin_is_long = models.BooleanField(default=False, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=models.Q(user__isnull=False),
                name="employee_user_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def has_pin(self) -> bool:
        return bool(self.pin_digest)

    def check_pin(self, pin: str) -> bool:
        """Whether ``pin`` is this employee's register PIN."""
        return pin_matches(self.organization, self.pin_digest, pin)


class StoreRole(OrganizationScopedModel):
    """A role an employee holds in one store, or in all stores when ``store`` is empty."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="roles", verbose_name=_("employee"))
    store = models.ForeignKey(
        Store,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="roles",
        verbose_name=_("store"),
        help_text=_("Empty means all stores."),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["employee", "store"], name="store_role_unique"),
            models.UniqueConstraint(
                fields=["employee"], condition=models.Q(store__isnull=True), name="store_role_org_wide_unique"
            ),
        ]

    def __str__(self) -> str:
        where = self.store.name if self.store else _("all stores")
        return f"{self.employee} · {self.get_role_display()} · {where}"


class EmailVerification(UUIDModel):
    """A one-time token sent to confirm a user's e-mail address after sign-up."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="verifications")
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)


class LoginInvitation(OrganizationScopedModel):
    """An existing user asked to log in for an employee of this organization.

    The user's account already exists (maybe for another organization), so it is
    linked to the employee only when that user accepts, signed in as themselves.
    The link carries a random token; only its SHA-256 digest is stored.
    """

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="login_invitations")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_invitations")
    token_digest = models.CharField(max_length=64, unique=True)
    invited_by = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("login invitation")
        verbose_name_plural = _("login invitations")

    def __str__(self) -> str:
        return f"{self.user} → {self.employee}"
