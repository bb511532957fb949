"""Back-office forms of the tenancy app: organization, stores, registers, employees, sign-up.

Model forms validate against the model (tax IDs, time zones) on a throw-away
copy of the object; the views hand ``cleaned_data`` to the services, which
do the writing.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kasse.tenancy.models import Employee, Organization, Register, Store, User
from kasse.tenancy.permissions import Role

ORGANIZATION_FORM_FIELDS = [
    "name",
    "legal_name",
    "street",
    "postal_code",
    "city",
    "vat_id",
    "tax_number",
    "email",
    "phone",
    "language",
]
STORE_FORM_FIELDS = [
    "name",
    "number",
    "street",
    "postal_code",
    "city",
    "time_zone",
    "currency",
    "phone",
    "email",
    "receipt_footer",
    "summary_time",
    "is_active",
]


def time_zone_choices() -> list[tuple[str, str]]:
    """IANA zones, the German one first (nearly every shop is there)."""
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/"))
    return [("Europe/Berlin", "Europe/Berlin"), *((z, z) for z in zones if z != "Europe/Berlin"), ("UTC", "UTC")]


class TimeZoneField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("time zone"))
        super().__init__(choices=time_zone_choices, initial="Europe/Berlin", **kwargs)
        self.error_messages["invalid_choice"] = gettext_lazy("“%(value)s” is not a known time zone.")


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ORGANIZATION_FORM_FIELDS
        help_texts = {
            "vat_id": gettext_lazy("DE followed by 9 digits. A VAT ID or a tax number is required."),
            "tax_number": gettext_lazy("As on your tax office letters, e.g. 21/815/08150."),
        }


class StoreForm(forms.ModelForm):
    time_zone = TimeZoneField()

    class Meta:
        model = Store
        fields = STORE_FORM_FIELDS
        widgets = {
            "receipt_footer": forms.Textarea(attrs={"rows": 3}),
            "summary_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        usual = str(getattr(settings, "KASSE_DAILY_SUMMARY_TIME", "22:00"))
        self.fields["summary_time"].help_text = _(
            "Your closing time: the day's summary goes out after it, in the store's time zone. Empty: %(usual)s."
        ) % {"usual": usual}
        self.fields["number"].required = False
        self.fields["number"].help_text = _("Leave empty for the next free number.")
        self.fields["currency"].help_text = _("kasse works in euro.")


class RegisterForm(forms.ModelForm):
    class Meta:
        model = Register
        fields = ["number", "name", "serial_number", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["number"].required = False
        self.fields["number"].help_text = _("Leave empty for the next free number.")
        self.fields["serial_number"].required = False
        self.fields["serial_number"].help_text = _("The serial of the till or tablet; leave empty to have one made up.")


# --- Employees ------------------------------------------------------------------------------------

ALL_STORES = "all"


class EmployeeForm(forms.ModelForm):
    """Name, number, active, PIN and login; the roles grid is added per store in ``__init__``."""

    pin = forms.CharField(
        label=gettext_lazy("Register PIN"),
        required=False,
        min_length=4,
        max_length=12,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}, render_value=False),
        help_text=gettext_lazy(
            "4 to 12 digits (owners and managers: at least 6). Leave empty to keep the current PIN."
        ),
    )
    login_email = forms.EmailField(
        label=gettext_lazy("Back-office login (e-mail)"),
        required=False,
        help_text=gettext_lazy("Optional. We e-mail an invitation; leave empty for register-only staff."),
    )

    class Meta:
        model = Employee
        fields = ["display_name", "employee_number", "is_active"]

    def __init__(
        self,
        *args: Any,
        stores: list[Store],
        may_grant_owner: bool,
        current_roles: dict[str, str] | None = None,
        may_grant_all_stores: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.stores = stores
        if self.instance.pk is None:
            self.fields["pin"].help_text = _(
                "4 to 12 digits (owners and managers: at least 6), used to log in at the register."
            )
        elif self.instance.user_id:
            self.fields["login_email"].initial = self.instance.user.email
        owner: tuple[str, str] = (Role.OWNER.value, str(Role.OWNER.label))
        choices: list[tuple[str, str]] = [("", _("– no role –"))]
        if may_grant_owner:
            choices.append(owner)
        choices += [(r.value, str(r.label)) for r in (Role.MANAGER, Role.CASHIER)]
        store_choices = [c for c in choices if c[0] != Role.OWNER]
        current_roles = current_roles or {}
        self.role_fields: list[tuple[str, str]] = []
        for key, label in [(ALL_STORES, _("All stores")), *((str(s.pk), s.name) for s in stores)]:
            name = f"role_{key}"
            field_choices = choices if key == ALL_STORES else store_choices
            if current_roles.get(key) == Role.OWNER and not may_grant_owner:
                field_choices = [*field_choices, owner]
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=field_choices,
                required=False,
                initial=current_roles.get(key, ""),
                # Only owners grant all-stores roles; others see the row as it is.
                disabled=key == ALL_STORES and not may_grant_all_stores,
            )
            self.role_fields.append((name, key))

    def clean_pin(self) -> str:
        pin = self.cleaned_data.get("pin", "")
        if pin and not (pin.isascii() and pin.isdigit()):
            raise forms.ValidationError(_("A PIN has 4 to 12 digits."))
        return pin

    def role_field_list(self) -> list[forms.BoundField]:
        return [self[name] for name, _key in self.role_fields]

    def basic_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("display_name", "employee_number", "pin", "login_email", "is_active")]

    def roles(self) -> list[tuple[Store | None, str]]:
        by_pk = {str(s.pk): s for s in self.stores}
        result: list[tuple[Store | None, str]] = []
        for name, key in self.role_fields:
            role = self.cleaned_data.get(name)
            if role:
                result.append((None if key == ALL_STORES else by_pk[key], role))
        return result


# --- Sign-up --------------------------------------------------------------------------------------


class SignupOrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "legal_name", "street", "postal_code", "city", "vat_id", "tax_number", "language"]
        labels = {"name": gettext_lazy("Shop name")}
        help_texts = OrganizationForm.Meta.help_texts


class SignupStoreForm(forms.ModelForm):
    time_zone = TimeZoneField()

    class Meta:
        model = Store
        fields = ["name", "street", "postal_code", "city", "time_zone"]
        labels = {"name": gettext_lazy("Name of your first store")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("street", "postal_code", "city"):
            self.fields[name].required = False
            self.fields[name].help_text = _("Leave empty if it is the organization's address.")


class SignupOwnerForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Your name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    password1 = forms.CharField(
        label=gettext_lazy("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(
                _(
                    "There is already an account with this e-mail address. Please log in; "
                    "if you never confirmed it, ask for a new confirmation e-mail on the login page."
                )
            )
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("password1")
        if password and data.get("password2") != password:
            self.add_error("password2", _("The two passwords differ."))
        elif password:
            probe = User(email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class SetPasswordForm(forms.Form):
    password1 = SignupOwnerForm.base_fields["password1"]
    password2 = SignupOwnerForm.base_fields["password2"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("password1")
        if password and data.get("password2") != password:
            self.add_error("password2", _("The two passwords differ."))
        elif password:
            try:
                password_validation.validate_password(password, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class ResendForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"))
