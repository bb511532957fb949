"""Text for receipt printers: encoding into the printer's code page and fitting to the paper width."""

from __future__ import annotations

import re
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


# Where a phrase ends: after sentence punctuation, a comma or a middle dot followed by a space.
_PHRASE_END = re.compile(r"(?<=[.!?:;,·])\s+")


def wrap_phrases(text: str, width: int) -> list[str]:
    """Wrap like :func:`wrap`, but keep phrases whole: a line breaks after "Danke!" or "Einkauf," rather than
    in the middle of the next phrase whenever that phrase fits on one line. Only phrases longer than a line
    are broken, at word boundaries."""
    width = max(1, width)
    text = clean(text).rstrip()
    if len(text) <= width:  # most receipt lines: nothing to wrap
        return [text]
    indent = text[: len(text) - len(text.lstrip(" "))]  # an indented line ("  3 x 0,45 €") keeps its indent
    phrases = [p.strip() for p in _PHRASE_END.split(text) if p.strip()]
    if phrases and len(indent) < width // 2:
        phrases[0] = indent + phrases[0]
    lines: list[str] = []
    current = ""
    for phrase in phrases:
        candidate = f"{current} {phrase}" if current else phrase
        if len(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if len(phrase) <= width:
            current = phrase
        else:
            *full, current = wrap(phrase, width)
            lines.extend(full)
    if current:
        lines.append(current)
    return lines or [""]


def fit_table(header: tuple[str, ...], rows: tuple[tuple[str, ...], ...], width: int) -> list[str]:
    """Lay out a table in `width` characters: the first column left-aligned, every other column right-aligned
    so its values end exactly where its heading ends.

    Columns are as wide as their widest cell, two spaces apart (one when the paper is narrow). When the
    first column's cells do not fit before the amounts, each row's first cell goes on a line of its own
    and the amounts follow on the next line, still under their headings.
    """
    width = max(1, width)
    table = [tuple(clean(cell).strip() for cell in row) for row in (header, *rows)]
    rights = [max(len(row[i]) for row in table) for i in range(1, len(header))]
    firsts = [row[0] for row in table]
    for gap in (2, 1):
        room = width - sum(rights) - gap * len(rights)
        if room >= max(len(cell) for cell in firsts):
            return [
                row[0].ljust(room) + "".join(" " * gap + cell.rjust(w) for cell, w in zip(row[1:], rights, strict=True))
                for row in table
            ]
    room = width - sum(rights) - len(rights)
    if room < 0:  # even the amounts alone are too wide: one "heading value" row per cell
        out: list[str] = []
        for row in table[1:]:
            out.extend(wrap(row[0], width))
            for title, cell in zip(table[0][1:], row[1:], strict=True):
                out.extend(fit_columns(title, cell, width))
        return out
    out = []
    for index, row in enumerate(table):
        amounts = "".join(" " + cell.rjust(w) for cell, w in zip(row[1:], rights, strict=True))
        if index == 0 and len(row[0]) <= room:
            out.append(row[0].ljust(room) + amounts)
            continue
        if row[0]:
            out.extend(wrap(row[0], width))
        out.append(" " * room + amounts)
    return out


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
