"""Template filters of the register's product grid."""

from __future__ import annotations

from functools import lru_cache

import pyphen
from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString

register = template.Library()

SOFT_HYPHEN = "\u00ad"
MIN_WORD = 6  # shorter words always fit a tile line; hyphenating them only looks fussy


@lru_cache(maxsize=1)
def _dictionary() -> pyphen.Pyphen:
    # German rules for the shop's (German) product names; left=3/right=3 keeps "Ka-" or "-en" off a line.
    return pyphen.Pyphen(lang="de_DE", left=3, right=3)


@lru_cache(maxsize=4096)
def hyphenated(text: str) -> str:
    """``text`` with soft hyphens where a German word may break ("Kai­ser­bröt­chen")."""
    words = text.split(" ")
    return " ".join(
        _dictionary().inserted(word, hyphen=SOFT_HYPHEN) if len(word) >= MIN_WORD else word for word in words
    )


@register.filter
def hyphenate(value: object) -> SafeString:
    """Soft hyphens, then escaped: the browser breaks long names at a syllable and shows the hyphen."""
    return escape(hyphenated(str(value)))


@register.filter
def unit_label(unit: str) -> str:
    """ "kg", "100 g", "litre" for a stored unit code; empty for pieces (a count needs no unit)."""
    from kasse.catalog.models import Unit

    if not unit or unit == Unit.PIECE:
        return ""
    return str(Unit(unit).label) if unit in Unit.values else unit
