"""The pcapng writer, read back by the independent reader in capture_reader.py: block lengths and
32-bit alignment, the byte-order magic, the interface's link type, the Decryption Secrets Block
holding the key log byte for byte, timestamps, IPv4 and TCP checksums, and files written 0600,
atomically."""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path
from typing import Any

import pytest
from capture_reader import ones_complement_sum, read_blocks, read_segments
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.capture.packets import internet_checksum
from sandbox.capture.pcapng import (
    DSB_TYPE,
    EPB_TYPE,
    IDB_TYPE,
    SHB_TYPE,
    TLS_KEY_LOG,
    LinkType,
    Packet,
    pcapng,
)
from sandbox.capture.write import capture_bytes, write_capture, write_keylog
from sandbox.events import SessionStarted, Side, WireChunk

KEYLOG = (
    b"# TLS secrets log file\n"
    b"CLIENT_HANDSHAKE_TRAFFIC_SECRET " + b"ab" * 32 + b" " + b"cd" * 32 + b"\n"
)


def session(*chunks: tuple[Side, bytes]) -> list[Any]:
    events: list[Any] = [SessionStarted(scenario="t", server="s", via_tap="t", ts=100.0)]
    offsets = {Side.CLIENT: 0, Side.SERVER: 0}
    for n, (side, data) in enumerate(chunks):
        events.append(WireChunk(sender=side, offset=offsets[side], data=data, ts=100.5 + n))
        offsets[side] += len(data)
    return events


@settings(deadline=None)  # no time limit per example: a busy machine is slow, not wrong
@given(
    st.lists(st.binary(max_size=70), max_size=6),
    st.binary(max_size=90),
    st.sampled_from(list(LinkType)),
)
def test_m20_blocks_are_whole_and_aligned(
    payloads: list[bytes], keylog: bytes, link: LinkType
) -> None:
    """Every block's two length fields agree, are multiples of 4, and the blocks tile the file."""
    data = pcapng(
        [Packet(1_700_000_000_000_000 + i, p) for i, p in enumerate(payloads)],
        link=link,
        keylog=keylog,
    )
    blocks = read_blocks(data)
    assert [b.type for b in blocks] == [SHB_TYPE, IDB_TYPE] + [DSB_TYPE] * bool(keylog) + [
        EPB_TYPE
    ] * len(payloads)
    assert all(b.offset % 4 == 0 for b in blocks)
    magic, major, minor, section_len = struct.unpack_from("<IHHq", blocks[0].body)
    assert (magic, major, minor, section_len) == (0x1A2B3C4D, 1, 0, -1)
    assert struct.unpack_from("<HHI", blocks[1].body) == (link.value, 0, 262144)
    for block, payload in zip(blocks[-len(payloads) or len(blocks) :], payloads, strict=False):
        caplen = struct.unpack_from("<I", block.body, 12)[0]
        assert block.body[20 : 20 + caplen] == payload
        assert set(block.body[20 + caplen :]) <= {0} and len(block.body[20 + caplen :]) < 4


def test_m21_the_secrets_block_holds_the_key_log() -> None:
    data = capture_bytes(session((Side.SERVER, b"220 hi\r\n")), port=587, keylog=KEYLOG)
    blocks = read_blocks(data)
    dsb = [b for b in blocks if b.type == DSB_TYPE]
    assert len(dsb) == 1
    secrets_type, length = struct.unpack_from("<II", dsb[0].body)
    assert secrets_type == TLS_KEY_LOG == int.from_bytes(b"TLSK", "big")
    assert dsb[0].body[8 : 8 + length] == KEYLOG
    # Wireshark applies secrets to the packets after them: the block comes before any packet.
    assert blocks.index(dsb[0]) < min(i for i, b in enumerate(blocks) if b.type == EPB_TYPE)


def test_m21_no_secrets_no_secrets_block() -> None:
    data = capture_bytes(session((Side.SERVER, b"220 hi\r\n")), port=25)
    assert DSB_TYPE not in [b.type for b in read_blocks(data)]


def test_m22_timestamps_follow_the_events_in_microseconds() -> None:
    events = session((Side.SERVER, b"220 hi\r\n"), (Side.CLIENT, b"QUIT\r\n"))
    data = capture_bytes(events, port=587, offset=1_700_000_000.0)
    times = [s.ts_us for s in read_segments(data)]
    assert times == sorted(set(times))  # strictly increasing: the file reads in order
    banner = next(s for s in read_segments(data) if s.payload == b"220 hi\r\n")
    assert banner.ts_us == 1_700_000_100_500_000  # the chunk's ts 100.5, on the wall clock
    quit_ = next(s for s in read_segments(data) if s.payload == b"QUIT\r\n")
    assert quit_.ts_us == 1_700_000_101_500_000


@pytest.mark.parametrize("link", list(LinkType))
def test_m23_ip_and_tcp_checksums_verify(link: LinkType) -> None:
    """The reader checks each checksum its own way (a sum that must come to 0xFFFF)."""
    events = session((Side.SERVER, b"220 odd length\r\n!"), (Side.CLIENT, bytes(range(256)) * 9))
    segments = read_segments(capture_bytes(events, port=465, link=link), link.value)
    assert len(segments) > 20


@settings(deadline=None)
@given(st.binary(max_size=200))
def test_m23_internet_checksum_is_rfc_1071(data: bytes) -> None:
    """Data followed by its checksum sums to 0xFFFF (RFC 1071's check), for any length."""
    checksum = internet_checksum(data)
    padded = data + b"\0" * (len(data) % 2)
    assert ones_complement_sum(padded + checksum.to_bytes(2, "big")) == 0xFFFF


@pytest.mark.parametrize(
    ("data", "checksum"),
    [
        # RFC 1071 section 3's example: the words 0001 f203 f4f5 f6f7 sum to ddf2
        ("0001f203f4f5f6f7", 0x220D),
        ("", 0xFFFF),  # nothing: a sum of 0
        ("0000", 0xFFFF),
        ("ffff", 0x0000),  # a sum of 0xffff, "negative zero"
        ("ffffffff", 0x0000),
        ("80008000", 0xFFFE),  # a carry out of the top, added back in
        ("ab", 0x54FF),  # an odd byte is the high half of a word
    ],
)
def test_m23_internet_checksum_known_values(data: str, checksum: int) -> None:
    assert internet_checksum(bytes.fromhex(data)) == checksum


def test_m24_files_are_private_from_the_first_byte(tmp_path: Path) -> None:
    old = os.umask(0)  # even a umask that would make them world-readable
    try:
        write_capture(tmp_path / "s.pcapng", session((Side.SERVER, b"220\r\n")), port=587)
        write_keylog(tmp_path / "s.keys", KEYLOG)
    finally:
        os.umask(old)
    for name in ("s.pcapng", "s.keys"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert (tmp_path / "s.keys").read_bytes() == KEYLOG


def test_m24_writing_replaces_atomically(tmp_path: Path) -> None:
    """An existing file is replaced whole (a new inode by rename), a link at the path is
    replaced rather than followed, and no temporary file is left behind."""
    target = tmp_path / "elsewhere"
    target.write_bytes(b"keep me")
    (tmp_path / "s.pcapng").symlink_to(target)
    write_capture(tmp_path / "s.pcapng", session((Side.SERVER, b"220\r\n")), port=587)
    assert target.read_bytes() == b"keep me"
    assert not (tmp_path / "s.pcapng").is_symlink()
    assert (tmp_path / "s.pcapng").read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "s.pcapng"]


def test_m24_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "s.keys"
    write_keylog(path, b"old\n")
    with pytest.raises(TypeError):
        write_keylog(path, "not bytes")  # type: ignore[arg-type]
    assert path.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["s.keys"]
