"""The pcapng file format, written out from its specification (draft-ietf-opsawg-pcapng).

A file is a sequence of blocks, each `type (4) | total length (4) | body | total length (4)`,
the body padded to 32 bits. We write one section, little-endian on every machine (the Section
Header Block's byte-order magic says so; the same session gives the same file), one interface,
a Decryption Secrets Block carrying the TLS key log (so Wireshark and tshark decrypt with no
setting at all), then one Enhanced Packet Block per packet. Pure functions: bytes in, bytes out.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Iterable
from dataclasses import dataclass

SHB_TYPE = 0x0A0D0D0A
IDB_TYPE = 0x00000001
EPB_TYPE = 0x00000006
DSB_TYPE = 0x0000000A
BYTE_ORDER_MAGIC = 0x1A2B3C4D
TLS_KEY_LOG = 0x544C534B  # "TLSK": the secrets are an NSS key log (SSLKEYLOGFILE format)

OPT_ENDOFOPT = 0
OPT_COMMENT = 1
SHB_USERAPPL = 4
IF_NAME = 2
IF_TSRESOL = 9

SNAPLEN = 262144  # what tcpdump and Wireshark use; no packet of ours comes near it


class LinkType(enum.IntEnum):
    """How each packet starts (tcpdump.org/linktypes.html)."""

    ETHERNET = 1  # a 14-byte Ethernet II header, then IPv4
    RAW = 101  # the IPv4 header first: nothing below IP


@dataclass(frozen=True, slots=True)
class Packet:
    """One captured frame: its bytes and when it crossed, in microseconds since the epoch."""

    ts_us: int
    data: bytes
    comment: str = ""  # shown by Wireshark under the packet (opt_comment); none when empty


def pad4(data: bytes) -> bytes:
    """`data` followed by zeros up to a multiple of 4 bytes."""
    return data + b"\0" * (-len(data) % 4)


def option(code: int, value: bytes) -> bytes:
    """One option: code (2), length of the value unpadded (2), the value padded to 32 bits."""
    return struct.pack("<HH", code, len(value)) + pad4(value)


def options(items: Iterable[tuple[int, bytes]]) -> bytes:
    """An option list ended by opt_endofopt; nothing at all when there are no options."""
    body = b"".join(option(code, value) for code, value in items)
    return body + struct.pack("<HH", OPT_ENDOFOPT, 0) if body else b""


def block(block_type: int, body: bytes) -> bytes:
    """A whole block: its total length is written before and after the (padded) body."""
    body = pad4(body)
    total = 12 + len(body)
    return struct.pack("<II", block_type, total) + body + struct.pack("<I", total)


def section_header(application: str = "smtp-tutor") -> bytes:
    """Section Header Block, version 1.0, section length unknown (-1)."""
    body = struct.pack("<IHHq", BYTE_ORDER_MAGIC, 1, 0, -1)
    return block(SHB_TYPE, body + options([(SHB_USERAPPL, application.encode())]))


def interface_description(link: LinkType, name: str) -> bytes:
    """Interface Description Block; timestamps in microseconds (if_tsresol 6, the default,
    written out so no reader has to know the default)."""
    body = struct.pack("<HHI", link, 0, SNAPLEN)
    return block(IDB_TYPE, body + options([(IF_NAME, name.encode()), (IF_TSRESOL, bytes([6]))]))


def decryption_secrets(keylog: bytes, secrets_type: int = TLS_KEY_LOG) -> bytes:
    """Decryption Secrets Block: type, length of the secrets unpadded, the secrets padded."""
    return block(DSB_TYPE, struct.pack("<II", secrets_type, len(keylog)) + pad4(keylog))


def enhanced_packet(packet: Packet, interface_id: int = 0) -> bytes:
    """Enhanced Packet Block: the timestamp as two 32-bit halves, captured = original length,
    and the packet's comment, if it has one."""
    ts = packet.ts_us
    size = len(packet.data)
    header = struct.pack("<IIIII", interface_id, ts >> 32, ts & 0xFFFFFFFF, size, size)
    notes = options([(OPT_COMMENT, packet.comment.encode())]) if packet.comment else b""
    return block(EPB_TYPE, header + pad4(packet.data) + notes)


def pcapng(
    packets: Iterable[Packet],
    *,
    link: LinkType,
    keylog: bytes = b"",
    interface: str = "smtp-tutor wire tap",
) -> bytes:
    """A whole capture file: header, interface, the secrets (when there are any), the packets."""
    parts = [section_header(), interface_description(link, interface)]
    if keylog:
        parts.append(decryption_secrets(keylog))
    parts.extend(enhanced_packet(p) for p in packets)
    return b"".join(parts)
