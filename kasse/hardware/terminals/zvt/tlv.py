"""BER-TLV containers (BMP 06): tags of one or more bytes, lengths of one, two or three bytes, nesting."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from kasse.hardware.terminals.zvt.codec import ZvtDecodeError


@dataclass(frozen=True)
class Tlv:
    """One TLV element: a primitive has `value`, a constructed one (tag bit 0x20) has `children`."""

    tag: int
    value: bytes = b""
    children: tuple[Tlv, ...] = field(default=())

    @property
    def constructed(self) -> bool:
        return bool(_first_tag_byte(self.tag) & 0x20)

    def find(self, tag: int) -> Tlv | None:
        """The first element with `tag` among the children, depth first."""
        return find(self.children, tag)

    def find_all(self, tag: int) -> Iterator[Tlv]:
        for child in self.children:
            if child.tag == tag:
                yield child
            yield from child.find_all(tag)


def _first_tag_byte(tag: int) -> int:
    return tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")[0]


def find(elements: tuple[Tlv, ...] | list[Tlv], tag: int) -> Tlv | None:
    for element in elements:
        if element.tag == tag:
            return element
        found = element.find(tag)
        if found is not None:
            return found
    return None


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    if length <= 0xFF:
        return bytes([0x81, length])
    if length <= 0xFFFF:
        return bytes([0x82]) + length.to_bytes(2, "big")
    raise ValueError("TLV value too long")


def encode(elements: list[Tlv] | tuple[Tlv, ...]) -> bytes:
    """The elements one after the other (the contents of a container, without its own tag)."""
    out = bytearray()
    for element in elements:
        tag = element.tag.to_bytes((element.tag.bit_length() + 7) // 8 or 1, "big")
        value = encode(element.children) if element.constructed else element.value
        out += tag + encode_length(len(value)) + value
    return bytes(out)


def decode(data: bytes) -> tuple[Tlv, ...]:
    """Parse a container's contents; raises `ZvtDecodeError` on a cut or malformed element."""
    out: list[Tlv] = []
    offset = 0
    while offset < len(data):
        start = offset
        tag = data[offset]
        offset += 1
        if tag & 0x1F == 0x1F:
            while True:
                if offset >= len(data):
                    raise ZvtDecodeError(f"TLV tag cut short at byte {start}")
                tag = (tag << 8) | data[offset]
                offset += 1
                if not data[offset - 1] & 0x80:
                    break
        if offset >= len(data):
            raise ZvtDecodeError(f"TLV length missing at byte {offset}")
        length = data[offset]
        offset += 1
        if length & 0x80:
            size = length & 0x7F
            if size not in (1, 2) or offset + size > len(data):
                raise ZvtDecodeError(f"bad TLV length at byte {offset - 1}")
            length = int.from_bytes(data[offset : offset + size], "big")
            offset += size
        value = data[offset : offset + length]
        if len(value) < length:
            raise ZvtDecodeError(f"TLV value of tag {tag:X} cut short")
        offset += length
        element = Tlv(tag, value)
        out.append(Tlv(tag, children=decode(value)) if element.constructed else element)
    return tuple(out)
