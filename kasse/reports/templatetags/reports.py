"""Cells of a report table: amounts, counts and percentages in the page's language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

from kasse.reports.selectors import Column

register = template.Library()


@register.filter
def money(value: Any) -> str:
    if value is None:
        return "–"
    return f"{number_format(Decimal(value), 2, force_grouping=True)} €"


@register.filter
def money_short(value: Any) -> str:
    """An amount in whole euros (heat map cells); empty for nothing sold."""
    if not value:
        return ""
    return number_format(Decimal(value).quantize(Decimal("1")), 0, force_grouping=True)


@register.simple_tag
def cell(row: dict[str, Any], column: Column) -> str:
    value = row.get(column.key)
    if value is None:
        return "–" if column.kind != "text" else ""
    if column.kind == "money":
        return money(value)
    if column.kind == "percent":
        return f"{number_format(value, 1)} %"
    if column.kind == "quantity":
        return number_format(Decimal(value).normalize(), force_grouping=True)
    if column.kind == "count":
        return number_format(value, 0, force_grouping=True)
    return str(value)
