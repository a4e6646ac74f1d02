"""ClientHello and ServerHello field by field, each with where its bytes lie (properties.md M7).

`read_hello(msg_type, body)` walks a hello with the wire tap's own cursor
(`sandbox.wire.tlshandshake.Cursor`) and the IANA names of `sandbox.wire.tlsnames`, and gives
every field: legacy version, random, session id, each cipher suite, each extension by name with
its value (SNI, supported_groups, key_share with its group and key length, supported_versions,
signature_algorithms, ALPN...). Offsets count from the first byte of the handshake message, its
4-byte header included. Never raises: a truncated hello keeps the fields read and says so.
Every value that comes from the wire is terminal-safe (I5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sandbox.safety.text import escape_bytes
from sandbox.wire.tlshandshake import Cursor, Malformed
from sandbox.wire.tlsnames import (
    EC_POINT_FORMATS,
    HELLO_RETRY_RANDOM,
    PSK_MODES,
    cipher_suite_name,
    extension_name,
    group_name,
    handshake_name,
    signature_scheme_name,
    version_name,
)

HEADER = 4  # msg_type (1) and length (3) before the body
_SUPPORTED_VERSIONS, _KEY_SHARE = 43, 51


@dataclass(frozen=True, slots=True)
class Field:
    """One field: `offset` and `length` in bytes from the start of the message; `depth` 1 for
    the items of a list (each cipher suite, each extension)."""

    name: str
    offset: int
    length: int
    value: str
    depth: int = 0


@dataclass(frozen=True, slots=True)
class Hello:
    name: str  # "ClientHello", "ServerHello" or "HelloRetryRequest"
    random: bytes
    cipher_suites: tuple[int, ...]  # offered, or the one chosen
    version: int  # the chosen (ServerHello) or highest offered version, supported_versions first
    fields: tuple[Field, ...]
    complete: bool  # False: the message ended before its fields did

    @property
    def retry(self) -> bool:
        return self.name == "HelloRetryRequest"


def read_hello(msg_type: int, body: bytes) -> Hello | None:
    """The hello in `body` (the message without its header); None for another message type."""
    if msg_type not in (1, 2):
        return None
    w = _Walk(body, server=msg_type == 2)
    w.add("msg_type", -HEADER, 1, f"{handshake_name(msg_type)} ({msg_type})")
    w.add("length", -HEADER + 1, 3, f"{len(body)} bytes")
    complete = True
    try:
        w.hello()
    except Malformed:
        complete = False
    name = handshake_name(msg_type)
    if w.random == HELLO_RETRY_RANDOM:
        name = "HelloRetryRequest"
    return Hello(name, w.random, tuple(w.suites), w.version, tuple(w.fields), complete)


def hello_basics(msg_type: int, body: bytes) -> tuple[bytes, int, int] | None:
    """(random, cipher suite, version) of a hello, the little the decryptor needs, read
    without the field walk (it runs for every session, the walk only for the handshake view);
    the version is supported_versions' when present (TLS 1.3). None if the hello is cut short."""
    try:
        c = Cursor(body)
        version = c.uint(2)
        random = c.take(32)
        c.skip(1)  # session id
        if msg_type == 1:
            return random, 0, version  # the client's random is all the decryptor reads of it
        suite = c.uint(2)
        c.uint(1)  # compression
        if c.left():
            block = c.sub(2)
            while block.left():
                etype, ext = block.uint(2), block.sub(2)
                if etype == _SUPPORTED_VERSIONS:
                    version = ext.uint(2)
    except Malformed:
        return None
    return random, suite, version


class _Walk:
    def __init__(self, body: bytes, *, server: bool) -> None:
        self.c = Cursor(body)
        self.server = server
        self.fields: list[Field] = []
        self.random = b""
        self.suites: list[int] = []
        self.version = 0

    def add(self, name: str, start: int, length: int, value: str, depth: int = 0) -> None:
        self.fields.append(Field(name, HEADER + start, length, value, depth))

    def hello(self) -> None:
        c = self.c
        at = c.pos
        self.version = c.uint(2)
        self.add("legacy_version", at, 2, _version(self.version))
        at = c.pos
        self.random = c.take(32)
        note = " (HelloRetryRequest)" if self.random == HELLO_RETRY_RANDOM else ""
        self.add("random", at, 32, self.random.hex() + note)
        at = c.pos
        sid = c.sub(1)
        size = sid.left()
        sid_hex = sid.take(size).hex() or "(empty)"
        self.add("legacy_session_id", at, 1 + size, f"{size} bytes: {sid_hex}")
        if self.server:
            at = c.pos
            self.suites = [c.uint(2)]
            self.add("cipher_suite", at, 2, _suite(self.suites[0]))
            at = c.pos
            self.add("legacy_compression_method", at, 1, str(c.uint(1)))
        else:
            at = c.pos
            suites = c.sub(2)
            self.add("cipher_suites", at, 2 + suites.left(), f"{suites.left() // 2} suites")
            while suites.left() >= 2:
                at = suites.pos
                self.suites.append(suites.uint(2))
                self.add("cipher_suite", at, 2, _suite(self.suites[-1]), 1)
            at = c.pos
            methods = c.sub(1)
            self.add(
                "legacy_compression_methods",
                at,
                1 + methods.left(),
                ", ".join(str(b) for b in methods.take(methods.left())) or "(none)",
            )
        self.extensions()

    def extensions(self) -> None:
        c = self.c
        if not c.left():
            return
        at = c.pos
        block = c.sub(2)
        self.add("extensions", at, 2 + block.left(), f"{block.left()} bytes")
        while block.left():
            at = block.pos
            etype = block.uint(2)
            body = block.sub(2)
            size = body.left()
            try:
                value = self.extension(etype, body)
            except Malformed:
                value = f"(malformed, {size} bytes)"
            self.add(f"extension {extension_name(etype)}", at, 4 + size, value, 1)

    def extension(self, etype: int, body: Cursor) -> str:
        if etype == _SUPPORTED_VERSIONS:
            if self.server:
                self.version = body.uint(2)
                return _version(self.version)
            versions = body.sub(1).u16s()
            real = [v for v in versions if v in (0x0301, 0x0302, 0x0303, 0x0304)]
            self.version = max(real, default=self.version)
            return ", ".join(_version(v) for v in versions)
        if etype == _KEY_SHARE:
            return self.key_share(body)
        reader = _READERS.get(etype)
        size = body.left()
        if reader is None:
            return f"{size} bytes" + (f": {body.take(size).hex()}" if 0 < size <= 32 else "")
        return reader(body) if size else "(empty)"

    def key_share(self, body: Cursor) -> str:
        if self.server:
            group = body.uint(2)
            if self.random == HELLO_RETRY_RANDOM:
                return f"selected group {group_name(group)} (send a key share for it)"
            key = body.sub(2).left()
            return f"{group_name(group)}, key {key} bytes"
        shares = body.sub(2)
        parts = []
        while shares.left():
            group = shares.uint(2)
            parts.append(f"{group_name(group)}, key {shares.sub(2).left()} bytes")
        return "; ".join(parts) or "(none: the server picks a group)"


def _version(value: int) -> str:
    return f"{version_name(value)} (0x{value:04x})"


def _suite(value: int) -> str:
    return f"{cipher_suite_name(value)} (0x{value:04x})"


def _server_name(body: Cursor) -> str:
    names = body.sub(2)
    found = []
    while names.left():
        kind, name = names.uint(1), names.sub(2)
        found.append(escape_bytes(name.take(name.left())) if kind == 0 else f"(type {kind})")
    return ", ".join(found)


def _u16_list(namer: Callable[[int], str], length_size: int = 2) -> Callable[[Cursor], str]:
    def read(body: Cursor) -> str:
        return ", ".join(namer(v) for v in body.sub(length_size).u16s())

    return read


def _u8_list(table: dict[int, str]) -> Callable[[Cursor], str]:
    def read(body: Cursor) -> str:
        items = body.sub(1)
        return ", ".join(table.get(b, str(b)) for b in items.take(items.left()))

    return read


def _alpn(body: Cursor) -> str:
    protocols = body.sub(2)
    found = []
    while protocols.left():
        proto = protocols.sub(1)
        found.append(escape_bytes(proto.take(proto.left())))
    return ", ".join(found)


def _record_size_limit(body: Cursor) -> str:
    return f"{body.uint(2)} bytes"


_READERS: dict[int, Callable[[Cursor], str]] = {
    0: _server_name,
    10: _u16_list(group_name),
    11: _u8_list(EC_POINT_FORMATS),
    13: _u16_list(signature_scheme_name),
    16: _alpn,
    28: _record_size_limit,
    45: _u8_list(PSK_MODES),
    50: _u16_list(signature_scheme_name),
}
