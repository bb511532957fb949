"""Code 128 for the receipt's reference code, drawn as bars (no Django imports).

Code 128 encodes ASCII in three code sets; we use set B (printable ASCII) and
switch to set C (two digits per symbol) for runs of at least four digits, which
keeps receipt codes such as ``R-1-2-1042`` short enough for an 80 mm receipt.
Each symbol is six alternating bar/space widths of 11 modules in total; the stop
symbol has seven (13 modules). The check symbol is the weighted sum mod 103.
"""

from __future__ import annotations

from dataclasses import dataclass

# Widths (bar, space, bar, space, bar, space) of the symbols 0..106.
PATTERNS = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
    "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
    "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
    "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
    "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
    "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
    "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
    "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
)
START_B = 104
START_C = 105
CODE_B = 100  # switch to set B (from set C)
CODE_C = 99  # switch to set C (from set B)
STOP = 106
QUIET_ZONE = 10  # modules of white on each side


class Code128Error(ValueError):
    """Text that Code 128 set B/C cannot carry (outside printable ASCII)."""


def _digit_run(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end].isascii() and text[end].isdigit():
        end += 1
    return end - start


def symbols(text: str) -> list[int]:
    """Symbol values for ``text``: start, data, check symbol and stop."""
    if not text:
        raise Code128Error("nothing to encode")
    for char in text:
        if not " " <= char <= "~":
            raise Code128Error(f"not printable ASCII: {char!r}")
    values: list[int] = []
    position = 0
    code_set = ""
    while position < len(text):
        run = _digit_run(text, position)
        # Set C pays off for four digits or more (or a whole code of two or more digits).
        use_c = run >= 4 or (run >= 2 and run == len(text))
        if use_c:
            run -= run % 2  # an odd digit is left for set B
            if code_set != "C":
                values.append(START_C if not values else CODE_C)
                code_set = "C"
            for i in range(position, position + run, 2):
                values.append(int(text[i:i + 2]))
            position += run
            continue
        if code_set != "B":
            values.append(START_B if not values else CODE_B)
            code_set = "B"
        values.append(ord(text[position]) - 32)
        position += 1
    check = values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))
    values.append(check % 103)
    values.append(STOP)
    return values


@dataclass(frozen=True)
class Bars:
    """The bars of a code in modules: ``(x, width)`` for each dark bar, and the total width."""

    bars: list[tuple[int, int]]
    width: int


def bars(text: str) -> Bars:
    """Dark bars of ``text`` as Code 128, with a quiet zone on both sides."""
    x = QUIET_ZONE
    dark: list[tuple[int, int]] = []
    for value in symbols(text):
        for index, width_char in enumerate(PATTERNS[value]):
            width = int(width_char)
            if index % 2 == 0:
                dark.append((x, width))
            x += width
    return Bars(bars=dark, width=x + QUIET_ZONE)
