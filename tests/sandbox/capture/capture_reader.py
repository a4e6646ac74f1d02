"""A pcapng and IPv4/TCP reader for the capture tests, written apart from sandbox.capture from
the specifications, so the tests check the writer against an independent reading of its bytes."""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    type: int
    body: bytes
    offset: int  # where the block starts in the file


@dataclass(frozen=True)
class Segment:
    src: tuple[str, int]
    dst: tuple[str, int]
    seq: int
    ack: int
    flags: int
    payload: bytes
    options: bytes
    ts_us: int


def read_blocks(data: bytes) -> list[Block]:
    """Every block; each length must be a multiple of 4, and written the same at both ends."""
    blocks, at = [], 0
    while at < len(data):
        block_type, total = struct.unpack_from("<II", data, at)
        assert total % 4 == 0 and total >= 12, (at, total)
        assert struct.unpack_from("<I", data, at + total - 4)[0] == total, at
        blocks.append(Block(block_type, data[at + 8 : at + total - 4], at))
        at += total
    assert at == len(data)
    return blocks


def ones_complement_sum(data: bytes) -> int:
    """Summed byte by byte (high, then low), folded at each step: not the writer's method."""
    total = 0
    for i in range(0, len(data), 2):
        word = data[i] * 256 + (data[i + 1] if i + 1 < len(data) else 0)
        total += word
        total = (total & 0xFFFF) + (total >> 16)
    return total


def read_segments(data: bytes, link: int = 101) -> list[Segment]:
    """The TCP segments of a capture's packets, each checksum verified on the way."""
    segments = []
    for b in read_blocks(data):
        if b.type != 6:
            continue
        _iface, hi, lo, caplen, origlen = struct.unpack_from("<IIIII", b.body)
        assert caplen == origlen
        frame = b.body[20 : 20 + caplen]
        if link == 1:
            assert frame[12:14] == b"\x08\x00"
            frame = frame[14:]
        assert frame[0] == 0x45
        total_len = struct.unpack_from("!H", frame, 2)[0]
        assert total_len == len(frame)
        assert ones_complement_sum(frame[:20]) == 0xFFFF, "IPv4 header checksum"
        src, dst = (str(ipaddress.IPv4Address(frame[i : i + 4])) for i in (12, 16))
        tcp = frame[20:]
        pseudo = frame[12:20] + struct.pack("!BBH", 0, 6, len(tcp))
        assert ones_complement_sum(pseudo + tcp) == 0xFFFF, "TCP checksum"
        sport, dport, seq, ack, off, flags = struct.unpack_from("!HHIIBB", tcp)
        hlen = (off >> 4) * 4
        segments.append(
            Segment(
                (src, sport),
                (dst, dport),
                seq,
                ack,
                flags,
                tcp[hlen:],
                tcp[20:hlen],
                (hi << 32) | lo,
            )
        )
    return segments
