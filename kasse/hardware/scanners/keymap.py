"""Linux key codes (input-event-codes.h, a stable kernel ABI) to characters for a **US** layout.

USB HID scanners are keyboards. They are set to a US layout at the factory; decoding their key codes
with a US table here (not with the desktop's German QWERTZ layout) keeps Y and Z where they belong.
"""

from __future__ import annotations

KEY_ESC = 1
KEY_BACKSPACE = 14
KEY_TAB = 15
KEY_ENTER = 28
KEY_LEFTCTRL = 29
KEY_LEFTSHIFT = 42
KEY_RIGHTSHIFT = 54
KEY_LEFTALT = 56
KEY_SPACE = 57
KEY_CAPSLOCK = 58
KEY_KPENTER = 96
KEY_RIGHTCTRL = 97
KEY_RIGHTBRACE = 27

SHIFT_KEYS = frozenset({KEY_LEFTSHIFT, KEY_RIGHTSHIFT})
CTRL_KEYS = frozenset({KEY_LEFTCTRL, KEY_RIGHTCTRL})
ENTER_KEYS = frozenset({KEY_ENTER, KEY_KPENTER})

# code: (unshifted, shifted)
US_LAYOUT: dict[int, tuple[str, str]] = {
    2: ("1", "!"),
    3: ("2", "@"),
    4: ("3", "#"),
    5: ("4", "$"),
    6: ("5", "%"),
    7: ("6", "^"),
    8: ("7", "&"),
    9: ("8", "*"),
    10: ("9", "("),
    11: ("0", ")"),
    12: ("-", "_"),
    13: ("=", "+"),
    16: ("q", "Q"),
    17: ("w", "W"),
    18: ("e", "E"),
    19: ("r", "R"),
    20: ("t", "T"),
    21: ("y", "Y"),
    22: ("u", "U"),
    23: ("i", "I"),
    24: ("o", "O"),
    25: ("p", "P"),
    26: ("[", "{"),
    27: ("]", "}"),
    30: ("a", "A"),
    31: ("s", "S"),
    32: ("d", "D"),
    33: ("f", "F"),
    34: ("g", "G"),
    35: ("h", "H"),
    36: ("j", "J"),
    37: ("k", "K"),
    38: ("l", "L"),
    39: (";", ":"),
    40: ("'", '"'),
    41: ("`", "~"),
    43: ("\\", "|"),
    44: ("z", "Z"),
    45: ("x", "X"),
    46: ("c", "C"),
    47: ("v", "V"),
    48: ("b", "B"),
    49: ("n", "N"),
    50: ("m", "M"),
    51: (",", "<"),
    52: (".", ">"),
    53: ("/", "?"),
    57: (" ", " "),
    # keypad (scanners in "keypad emulation" send digits here)
    55: ("*", "*"),
    71: ("7", "7"),
    72: ("8", "8"),
    73: ("9", "9"),
    74: ("-", "-"),
    75: ("4", "4"),
    76: ("5", "5"),
    77: ("6", "6"),
    78: ("+", "+"),
    79: ("1", "1"),
    80: ("2", "2"),
    81: ("3", "3"),
    82: ("0", "0"),
    83: (".", "."),
    98: ("/", "/"),
}

KEY_DOWN, KEY_UP, KEY_HOLD = 1, 0, 2


class KeyDecoder:
    """Turns (keycode, value) key events into complete codes, one per Enter.

    Shift is tracked from the shift keys' own down/up events (scanners press and release shift around
    each capital); Ctrl+] gives GS (0x1D), the way wedge scanners can type the GS1 separator.
    Auto-repeat events are ignored. A line longer than `max_length` is discarded up to the next Enter.
    """

    def __init__(self, *, max_length: int = 256) -> None:
        self.max_length = max_length
        self._chars: list[str] = []
        self._shift: set[int] = set()
        self._ctrl: set[int] = set()
        self._caps = False
        self._overflow = False
        self.discarded = 0

    def feed(self, keycode: int, value: int) -> str | None:
        if keycode in SHIFT_KEYS:
            if value == KEY_DOWN:
                self._shift.add(keycode)
            elif value == KEY_UP:
                self._shift.discard(keycode)
            return None
        if keycode in CTRL_KEYS:
            if value == KEY_DOWN:
                self._ctrl.add(keycode)
            elif value == KEY_UP:
                self._ctrl.discard(keycode)
            return None
        if value != KEY_DOWN:
            return None
        if keycode == KEY_CAPSLOCK:
            self._caps = not self._caps
            return None
        if keycode in ENTER_KEYS:
            return self._finish()
        if self._ctrl and keycode == KEY_RIGHTBRACE:
            self._append("\x1d")
            return None
        pair = US_LAYOUT.get(keycode)
        if pair is None:
            return None
        char = pair[1] if self._shift else pair[0]
        if self._caps and char.isalpha():
            char = char.swapcase()
        self._append(char)
        return None

    def _append(self, char: str) -> None:
        if self._overflow:
            return
        self._chars.append(char)
        if len(self._chars) > self.max_length:
            self._overflow = True
            self._chars.clear()

    def _finish(self) -> str | None:
        if self._overflow:
            self._overflow = False
            self.discarded += 1
            return None
        code = "".join(self._chars)
        self._chars.clear()
        return code or None
