"""IPv4 and TCP headers, and the Ethernet frame around them (RFC 791, RFC 9293, IEEE 802.3).

Pure functions that build the bytes of one packet; the checksums are the Internet checksum
(RFC 1071): the ones' complement of the ones' complement sum of the 16-bit words, over the IPv4
header alone, and over a pseudo-header (addresses, protocol, TCP length) plus the TCP segment.
"""

from __future__ import annotations

import functools
import ipaddress
import struct

from sandbox.capture.pcapng import LinkType

FIN = 0x01
SYN = 0x02
RST = 0x04
PSH = 0x08
ACK = 0x10

PROTO_TCP = 6
ETHERTYPE_IPV4 = 0x0800
TTL = 64
WINDOW = 65535
MSS = 1460  # Ethernet's: 1500 bytes of IP minus the two 20-byte headers
TCP_MAX = 2**32


def internet_checksum(data: bytes) -> int:
    """RFC 1071; an odd byte at the end counts as the high half of a last word.

    The ones' complement sum of 16-bit words is their sum modulo 0xFFFF (2**16 is 1 modulo
    0xFFFF), so the whole buffer read as one big-endian integer gives it at C speed: 0 only
    when every byte is 0, 0xFFFF for any other multiple."""
    if len(data) % 2:
        data += b"\0"
    whole = int.from_bytes(data, "big")
    folded = whole % 0xFFFF or (0xFFFF if whole else 0)
    return ~folded & 0xFFFF


@functools.cache
def _addr(text: str) -> bytes:
    return ipaddress.IPv4Address(text).packed  # checked once per address, not per packet


def tcp_segment(
    src: tuple[str, int],
    dst: tuple[str, int],
    *,
    seq: int,
    ack: int,
    flags: int,
    payload: bytes = b"",
    mss: int | None = None,
) -> bytes:
    """A TCP header (with an MSS option on a SYN, when given) and its payload, checksummed."""
    opts = struct.pack("!BBH", 2, 4, mss) if mss is not None else b""
    offset_words = (20 + len(opts)) // 4
    header = struct.pack(
        "!HHIIBBHHH",
        src[1],
        dst[1],
        seq % TCP_MAX,
        ack % TCP_MAX if flags & ACK else 0,
        offset_words << 4,
        flags,
        WINDOW,
        0,  # checksum, filled below
        0,  # urgent pointer
    )
    segment = header + opts + payload
    pseudo = _addr(src[0]) + _addr(dst[0]) + struct.pack("!BBH", 0, PROTO_TCP, len(segment))
    checksum = internet_checksum(pseudo + segment)
    return segment[:16] + struct.pack("!H", checksum) + segment[18:]


def ipv4_packet(src: str, dst: str, segment: bytes, ident: int) -> bytes:
    """An IPv4 header (no options, Don't Fragment) in front of a TCP segment, checksummed."""
    header = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,  # version 4, header of 5 words
        0,
        20 + len(segment),
        ident & 0xFFFF,
        0x4000,  # DF, offset 0
        TTL,
        PROTO_TCP,
        0,
        _addr(src),
        _addr(dst),
    )
    checksum = internet_checksum(header)
    return header[:10] + struct.pack("!H", checksum) + header[12:] + segment


def mac_for(address: str) -> bytes:
    """A locally administered unicast MAC made from the IPv4 address (02:00 + its 4 bytes)."""
    return b"\x02\x00" + _addr(address)


def frame(link: LinkType, src: str, dst: str, ip_packet: bytes) -> bytes:
    """The packet as the interface's link type carries it."""
    if link is LinkType.RAW:
        return ip_packet
    return mac_for(dst) + mac_for(src) + struct.pack("!H", ETHERTYPE_IPV4) + ip_packet
