"""Quick construction of the wire decoder's events, for its hot path (properties.md I14).

A frozen dataclass's __init__ sets each field through object.__setattr__ looked up anew each
time; a session's decoder makes some sixty of these events, and their construction was a third
of its time (issue 15). These build the same objects (equal, same type, every field set) by
writing the slots directly. They skip nothing a public constructor checks, since those check
nothing, but they take positional arguments in a fixed order: only the decoder, which knows its
values, calls them; everything else uses the classes in `sandbox.events`.
tests/sandbox/wire/test_decoder_quick_paths.py holds them to the public constructors.
"""

from __future__ import annotations

from typing import Any

from sandbox.events import Endpoints, Event, HandshakeInfo, Side, WireChunk, WireLine, WireRecord

_new = object.__new__


def _setter(cls: type, name: str) -> Any:
    """The `__set__` of the slot `name` (its member descriptor): it writes the slot directly."""
    return getattr(cls, name).__set__


_set_ts = _setter(Event, "ts")


_chunk_sender, _chunk_offset, _chunk_data, _chunk_endpoints = (
    _setter(WireChunk, n) for n in ("sender", "offset", "data", "endpoints")
)


def quick_chunk(
    sender: Side, offset: int, data: bytes, ts: float, endpoints: Endpoints | None = None
) -> WireChunk:
    """`WireChunk(sender=sender, offset=offset, data=data, endpoints=endpoints, ts=ts)`."""
    event: WireChunk = _new(WireChunk)
    _set_ts(event, ts)
    _chunk_sender(event, sender)
    _chunk_offset(event, offset)
    _chunk_data(event, data)
    _chunk_endpoints(event, endpoints)
    return event


_line_fields = tuple(
    _setter(WireLine, n) for n in ("sender", "offset", "text", "injected", "more", "last")
)


def quick_line(sender: Side, offset: int, text: str, injected: bool, ts: float) -> WireLine:
    """`WireLine(sender=sender, offset=offset, text=text, injected=injected, ts=ts)`."""
    s_sender, s_offset, s_text, s_injected, s_more, s_last = _line_fields
    event: WireLine = _new(WireLine)
    _set_ts(event, ts)
    s_sender(event, sender)
    s_offset(event, offset)
    s_text(event, text)
    s_injected(event, injected)
    s_more(event, 0)
    s_last(event, "")
    return event


_record_fields = tuple(
    _setter(WireRecord, n)
    for n in (
        "sender",
        "offset",
        "content_type",
        "content_type_name",
        "version",
        "length",
        "preview_hex",
        "handshake",
        "encrypted",
    )
)


def quick_record(
    sender: Side,
    offset: int,
    content_type: int,
    content_type_name: str,
    version: str,
    length: int,
    preview_hex: str,
    handshake: tuple[HandshakeInfo, ...],
    encrypted: bool,
    ts: float,
) -> WireRecord:
    """`WireRecord(sender, offset, ..., encrypted, ts=ts)`: the same arguments in the same order."""
    s0, s1, s2, s3, s4, s5, s6, s7, s8 = _record_fields
    event: WireRecord = _new(WireRecord)
    _set_ts(event, ts)
    s0(event, sender)
    s1(event, offset)
    s2(event, content_type)
    s3(event, content_type_name)
    s4(event, version)
    s5(event, length)
    s6(event, preview_hex)
    s7(event, handshake)
    s8(event, encrypted)
    return event


_info_fields = tuple(
    _setter(HandshakeInfo, n)
    for n in ("msg_type", "name", "sni", "versions", "cipher_suites", "certificates", "alpn")
)


def quick_handshake(
    msg_type: int,
    name: str,
    sni: str | None,
    versions: tuple[str, ...],
    cipher_suites: tuple[str, ...],
    alpn: tuple[str, ...],
) -> HandshakeInfo:
    """`HandshakeInfo(msg_type, name, sni, versions, cipher_suites, alpn=alpn)`: a hello's."""
    s0, s1, s2, s3, s4, s5, s6 = _info_fields
    info: HandshakeInfo = _new(HandshakeInfo)
    s0(info, msg_type)
    s1(info, name)
    s2(info, sni)
    s3(info, versions)
    s4(info, cipher_suites)
    s5(info, ())
    s6(info, alpn)
    return info
