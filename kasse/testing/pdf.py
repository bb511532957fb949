"""The text a PDF draws, for tests that read our receipts and reports back.

Each content stream is cut out by the ``/Length`` its dictionary gives (never by searching for
``endstream``: deflated bytes may end in ``\\r`` or contain anything), inflated when it is
``/FlateDecode``, and every string shown with ``Tj`` is returned with the PDF escapes undone, decoded
as the core fonts write it (cp1252).
"""

from __future__ import annotations

import re
import zlib

_STREAM = re.compile(rb"<<(?P<dict>(?:(?!>>\s*stream).)*?)>>\s*stream\r?\n", re.S)
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")
_SHOWN = re.compile(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj")


def pdf_streams(data: bytes) -> list[bytes]:
    """The content of every stream with a direct ``/Length``, inflated where it is deflated."""
    streams = []
    for match in _STREAM.finditer(data):
        length = _LENGTH.search(match.group("dict"))
        if length is None:
            continue
        raw = data[match.end() : match.end() + int(length.group(1))]
        if b"/FlateDecode" in match.group("dict"):
            raw = zlib.decompress(raw)
        streams.append(raw)
    return streams


def pdf_text(data: bytes) -> str:
    """Every string the PDF shows, one per line, in drawing order."""
    chunks = []
    for stream in pdf_streams(data):
        for shown in _SHOWN.findall(stream):
            chunks.append(re.sub(rb"\\(.)", rb"\1", shown).decode("cp1252"))
    return "\n".join(chunks)
