"""Search normalisation: one folding rule for every searchable name.

``brotchen``, ``Brötchen``, ``BROETCHEN`` and ``broetchen`` must find the same
product. We store a folded copy of the searchable text (``search_text``) and
fold the query the same way: lower case, accents stripped, ``ß`` → ``ss``, and
German transliterations (``oe``, ``ae``, ``ue``) reduced to the bare vowel, so
both spellings meet in the middle.
"""

from __future__ import annotations

import re
import unicodedata

_TRANSLITERATIONS = (("ae", "a"), ("oe", "o"), ("ue", "u"))
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Fold text for case-, accent- and umlaut-insensitive matching."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("ß", "ss")
    for pair, vowel in _TRANSLITERATIONS:
        text = text.replace(pair, vowel)
    return _SPACES.sub(" ", text).strip()


def search_text(*parts: str | None) -> str:
    """Folded, space-joined text of all non-empty parts, for a ``search_text`` column."""
    return fold(" ".join(p for p in parts if p))
