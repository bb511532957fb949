#!/usr/bin/env python3
"""Fill translations into a .po file from a JSON object {msgid: msgstr} on stdin.

    scripts/po_set.py kasse/catalog/locale/de/LC_MESSAGES/django.po < de.json
    scripts/po_set.py --missing FILE   # list msgids that still have no translation

Plural entries take a list of strings as value. Uses babel's catalog reader.
"""

from __future__ import annotations

import json
import sys

from babel.messages.pofile import read_po, write_po


def main() -> int:
    args = sys.argv[1:]
    missing_only = "--missing" in args
    path = [a for a in args if not a.startswith("--")][0]
    with open(path, "rb") as fh:
        catalog = read_po(fh, locale="de")
    if missing_only:
        for message in catalog:
            if message.id and not (message.string if isinstance(message.string, str) else all(message.string)):
                print(json.dumps(message.id, ensure_ascii=False))
        return 0
    mapping = json.load(sys.stdin)
    unknown = []
    for msgid, msgstr in mapping.items():
        key = msgid
        message = catalog.get(key)
        if message is None:
            # plural entries are keyed by (singular, plural)
            message = next((m for m in catalog if isinstance(m.id, tuple) and m.id[0] == msgid), None)
        if message is None:
            unknown.append(msgid)
            continue
        message.string = tuple(msgstr) if isinstance(msgstr, list) else msgstr
        message.flags.discard("fuzzy")
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False)
    for msgid in unknown:
        print(f"not in catalog: {msgid!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
