"""The manager-approval fields of register forms: who approves (picked) and their PIN."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("register/partials/approver_fields.html", takes_context=True)
def approver_fields(
    context: template.Context, label: str = "", pin_testid: str = "manager-pin", selected: str = ""
) -> dict[str, Any]:
    """A list of the managers who may approve at this register and a PIN field (``approver``, ``manager_pin``).

    The PIN is checked against the manager picked, never looked up among all PINs.
    """
    from kasse.register.access import approvers_for

    request = context.get("request")
    approvers = approvers_for(request) if request is not None and getattr(request, "register_device", None) else []
    return {"approvers": approvers, "label": label, "pin_testid": pin_testid, "selected": str(selected or "")}
