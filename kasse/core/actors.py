"""Who did something: the actor every service takes explicitly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kasse.tenancy.models import Employee, User


@dataclass(frozen=True)
class Actor:
    """A user, an employee at a register, an API token, a device or the system.

    ``label`` is what the audit log shows; ``user`` is set for back-office users; ``user_id`` is also an
    employee's login (without loading it).
    """

    kind: str  # "user" | "employee" | "api_token" | "device" | "system"
    label: str
    user: User | None = None
    employee: Employee | None = None
    ref: str = ""

    @classmethod
    def for_user(cls, user: User) -> Actor:
        return cls(kind="user", label=user.email, user=user, ref=str(user.pk))

    @classmethod
    def for_employee(cls, employee: Employee) -> Actor:
        # The employee's login is not loaded (a query on every sale at the register): the audit log keeps
        # its id (``user_id``), and nothing asks an employee at the register for the user itself.
        return cls(kind="employee", label=employee.display_name, employee=employee, ref=str(employee.pk))

    @property
    def user_id(self) -> Any:
        """The id of the user who acted: the back-office user's, or the login of the employee at a register."""
        if self.user is not None:
            return self.user.pk
        if self.employee is not None:
            return self.employee.user_id
        return None

    @classmethod
    def for_api_token(cls, token: Any) -> Actor:
        return cls(kind="api_token", label=f"API: {token.name}", ref=str(token.pk))

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(kind="system", label=label)
