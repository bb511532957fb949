"""Text for receipt printers: encoding into the printer's code page and fitting to the paper width."""

from __future__ import annotations

import textwrap
import unicodedata

# Characters outside the code page that have an obvious plain replacement.
_FALLBACK = {
    "\u201e": '"',  # „
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u00ab": '"',
    "\u00bb": '"',
    "\u201a": "'",  # ‚
    "\u2018": "'",
    "\u2019": "'",
    "\u2013": "-",  # –
    "\u2014": "-",  # —
    "\u2212": "-",  # minus sign
    "\u2026": "...",
    "\u2022": "*",  # •
    "\u00a0": " ",  # no-break space
    "\u202f": " ",  # narrow no-break space
    "\u2009": " ",
    "\u20ac": "EUR",  # only used when the code page lacks €
    "\u1e9e": "SS",  # capital sharp s
    "\u2030": "o/oo",
    "\u2122": "TM",
}


def _encodable(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _fallback(char: str, codec: str) -> str:
    replacement = _FALLBACK.get(char)
    if replacement is not None and _encodable(replacement, codec):
        return replacement
    # Strip accents: "ł" has no decomposition, "ő" becomes "o" + combining mark.
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if base and base != char and _encodable(base, codec):
        return base
    return "?"


def printable(text: str, codec: str = "cp858") -> str:
    """The text as the printer will show it: every character in the code page, fallbacks applied.

    Fit and wrap this, not the original, so replacements such as "…" → "..." are counted in the width.
    """
    if _encodable(text, codec):
        return text
    return "".join(c if _encodable(c, codec) else _fallback(c, codec) for c in text)


def encode_text(text: str, codec: str = "cp858") -> bytes:
    """Encode for the printer; characters the code page lacks get an ASCII fallback, never an exception."""
    return printable(clean(text), codec).encode(codec)


def clean(text: str) -> str:
    """Control characters would be read as commands by the printer; tabs become a space."""
    return "".join(" " if c in "\t\r\n" else c for c in text if c in "\t\r\n" or unicodedata.category(c) != "Cc")


def wrap(text: str, width: int) -> list[str]:
    """Wrap at word boundaries; words longer than the line are broken. Always at least one line."""
    width = max(1, width)
    lines = textwrap.wrap(clean(text), width=width, break_long_words=True, break_on_hyphens=False)
    return lines or [""]


def fit_columns(left: str, right: str, width: int) -> list[str]:
    """Lay out "left … right" in `width` characters.

    The right part (a price) stays on the first line, flush right; the left part wraps into the
    space before it and continues on following lines. A right part too wide to share a line goes
    on a line of its own after the wrapped left part.
    """
    left, right = clean(left).strip(), clean(right).strip()
    width = max(1, width)
    if not right:
        return wrap(left, width)
    if len(right) > width:
        right = right[:width]
    room = width - len(right) - 1
    if room >= min(8, width // 3) or (room > 0 and len(left) <= room):
        head = wrap(left, room)[0] if left else ""
        rest = left[len(head) :].strip() if left.startswith(head) else " ".join(wrap(left, room)[1:])
        first = head.ljust(room) + " " + right
        return [first, *wrap(rest, width)] if rest else [first]
    return [*wrap(left, width), right.rjust(width)]
