"""Logging in at the register in tests: pick the employee, then type the PIN (one place for every test).

The register checks a PIN against the one employee picked on the lock screen (a tile or
the employee number), and a manager approval against the manager picked in the form.
"""

from __future__ import annotations

from typing import Any


def unlock_data(employee: Any, pin: str) -> dict[str, str]:
    """POST data for ``/register/unlock/``: the employee's tile and their PIN."""
    return {"employee": str(employee.pk), "pin": pin}


def approval(manager: Any, pin: str) -> dict[str, str]:
    """The manager-approval fields of a register form (``approver`` picked, ``manager_pin`` typed)."""
    return {"approver": str(manager.pk), "manager_pin": pin}


def unlock_in_browser(page: Any, name: str, pin: str) -> None:
    """On the lock screen: tap the tile named ``name``, type ``pin`` on the PIN pad, press OK."""
    page.locator("[data-testid=staff-tile]", has_text=name).first.click()
    for digit in pin:
        page.click(f".pinpad [data-key='{digit}']")
    page.click("[data-testid=pin-submit]")


def approve_in_browser(page: Any, name: str, pin: str, *, pin_testid: str = "manager-pin", scope: str = "") -> None:
    """In an open register form: choose the approving manager ``name`` and type their PIN."""
    prefix = f"{scope} " if scope else ""
    page.select_option(f"{prefix}[data-testid=approver-select]", label=name)
    page.fill(f"{prefix}[data-testid={pin_testid}]", pin)
