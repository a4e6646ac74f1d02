"""Decode one plaintext TLS handshake message into what an eavesdropper learns from it.

`decode_message(type, body)` reads the ClientHello (SNI, offered versions, cipher suites, ALPN),
the ServerHello (chosen version, from supported_versions when present, and suite; a
HelloRetryRequest is recognised by its special random) and the TLS 1.2 Certificate (each
certificate's subject, parsed with `cryptography`). Other messages get their name only. It never
raises: a truncated message keeps what was read and is named "... (malformed)"; every string that
comes from the wire is terminal-safe (properties.md I5).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from sandbox.events import HandshakeInfo
from sandbox.safety.text import escape_bytes, escape_text
from sandbox.wire.quick_events import quick_handshake
from sandbox.wire.tlsnames import (
    EXT_ALPN,
    EXT_SERVER_NAME,
    EXT_SUPPORTED_VERSIONS,
    HELLO_RETRY_RANDOM,
    cipher_suite_name,
    handshake_name,
    version_name,
)


def decode_message(
    mtype: int, msg: bytes, *, tls13: bool = False, careful: bool = False
) -> HandshakeInfo:
    """What `msg` (the body of a handshake message of type `mtype`) shows; never raises.

    `tls13` selects the TLS 1.3 layout of Certificate (only ever seen in plaintext by accident).
    A well-formed hello is read by offsets (`_quick_client_hello`, `_quick_server_hello`);
    anything they do not expect, and everything with `careful`, takes the cursor decoder below,
    which gives the same answer (properties.md I14) and knows how to say "malformed".
    """
    if not careful and (mtype == 1 or mtype == 2):
        try:
            quick = _quick_client_hello(msg) if mtype == 1 else _quick_server_hello(msg)
        except Exception:  # a case the quick reader did not foresee: the careful one decides
            quick = None
        if quick is not None:
            return quick
    found = _Found(handshake_name(mtype))
    try:
        if mtype == 1:
            _client_hello(_Cursor(msg), found)
        elif mtype == 2:
            _server_hello(_Cursor(msg), found)
        elif mtype == 11:
            _certificate(_Cursor(msg), found, tls13=tls13)
    except _Malformed:
        found.name += " (malformed)"
    return HandshakeInfo(
        msg_type=mtype,
        name=found.name,
        sni=found.sni,
        versions=tuple(found.versions),
        cipher_suites=tuple(found.cipher_suites),
        certificates=tuple(found.certificates),
        alpn=tuple(found.alpn),
    )


# --- Hellos by offsets: the common case, a session's two plaintext messages ----------------------
#
# Each returns None at the first thing that is not plainly well formed (a length that does not add
# up exactly, a vector with bytes to spare, an odd count of 16-bit values), and the cursor decoder
# then reads the message. A client offers the same suites and versions every session: their names
# are remembered by the raw bytes (bounded, as a hostile peer can make up many lists).

_H = struct.Struct(">H")
_HH = struct.Struct(">HH")
_LISTS: dict[bytes, tuple[str, ...]] = {}
_MAX_LISTS = 256


def _suite_names(raw: bytes) -> tuple[str, ...]:
    names = _LISTS.get(raw)
    if names is None:
        names = tuple(cipher_suite_name(v) for v in struct.unpack(f">{len(raw) // 2}H", raw))
        if len(_LISTS) < _MAX_LISTS:
            _LISTS[raw] = names
    return names


_VERSION_LISTS: dict[bytes, tuple[str, ...]] = {}


def _version_names(raw: bytes) -> tuple[str, ...]:
    names = _VERSION_LISTS.get(raw)
    if names is None:
        names = tuple(version_name(v) for v in struct.unpack(f">{len(raw) // 2}H", raw))
        if len(_VERSION_LISTS) < _MAX_LISTS:
            _VERSION_LISTS[raw] = names
    return names


def _quick_extensions(msg: bytes, p: int) -> list[tuple[int, int, int]] | None:
    """(type, start, size) of each extension in the block at `p` (none when the message ends
    there: extensions are optional before TLS 1.3); None if the block is not exactly formed."""
    n = len(msg)
    found: list[tuple[int, int, int]] = []
    if p == n:
        return found
    if p + 2 > n:
        return None
    end = p + 2 + _H.unpack_from(msg, p)[0]
    p += 2
    if end > n:
        return None
    while p < end:
        if end - p < 4:
            return None
        etype, size = _HH.unpack_from(msg, p)
        p += 4
        if size > end - p:
            return None
        found.append((etype, p, size))
        p += size
    return found


def _quick_alpn(msg: bytes, p: int, size: int, alpn: list[str]) -> bool:
    """The ALPN extension body at `p`, `size` bytes, into `alpn`; False if not exactly formed."""
    if size < 2 or _H.unpack_from(msg, p)[0] != size - 2:
        return False
    q, end = p + 2, p + size
    while q < end:
        plen = msg[q]
        q += 1
        if plen > end - q:
            return False
        alpn.append(escape_bytes(msg[q : q + plen]))
        q += plen
    return True


def _quick_client_hello(msg: bytes) -> HandshakeInfo | None:
    n = len(msg)
    if n < 35:
        return None
    p = 35 + msg[34]  # after legacy_version, random and legacy_session_id
    if p + 2 > n:
        return None
    slen = _H.unpack_from(msg, p)[0]
    p += 2
    if slen & 1 or p + slen >= n:  # odd, or no room for the compression methods
        return None
    suites = _suite_names(msg[p : p + slen])
    p += slen
    p += 1 + msg[p]  # compression methods
    versions: tuple[str, ...] = (version_name(_H.unpack_from(msg, 0)[0]),)
    sni: str | None = None
    alpn: list[str] = []
    extensions = _quick_extensions(msg, p)
    if extensions is None:
        return None
    for etype, p, size in extensions:
        if etype == EXT_SERVER_NAME:
            if size < 2 or _H.unpack_from(msg, p)[0] != size - 2:
                return None
            q, qend = p + 2, p + size
            while q < qend:
                if qend - q < 3:
                    return None
                kind = msg[q]
                nlen = _H.unpack_from(msg, q + 1)[0]
                q += 3
                if nlen > qend - q:
                    return None
                if kind == 0:
                    sni = escape_bytes(msg[q : q + nlen])
                q += nlen
        elif etype == EXT_ALPN and not _quick_alpn(msg, p, size, alpn):
            return None
        elif etype == EXT_SUPPORTED_VERSIONS:
            if size < 1 or msg[p] != size - 1 or msg[p] & 1:
                return None
            versions = _version_names(msg[p + 1 : p + size])
    return quick_handshake(1, "ClientHello", sni, versions, suites, tuple(alpn))


def _quick_server_hello(msg: bytes) -> HandshakeInfo | None:
    n = len(msg)
    if n < 35:
        return None
    p = 35 + msg[34]  # after legacy_version, random and legacy_session_id_echo
    if p + 3 > n:  # cipher suite, compression method
        return None
    name = "HelloRetryRequest" if msg[2:34] == HELLO_RETRY_RANDOM else "ServerHello"
    suites = (cipher_suite_name(_H.unpack_from(msg, p)[0]),)
    p += 3
    versions: tuple[str, ...] = (version_name(_H.unpack_from(msg, 0)[0]),)
    alpn: list[str] = []
    extensions = _quick_extensions(msg, p)
    if extensions is None:
        return None
    for etype, p, size in extensions:
        if etype == EXT_SUPPORTED_VERSIONS:
            if size != 2:
                return None
            versions = (version_name(_H.unpack_from(msg, p)[0]),)
        elif etype == EXT_ALPN and not _quick_alpn(msg, p, size, alpn):
            return None
    return quick_handshake(2, name, None, versions, suites, tuple(alpn))


# --- The careful decoder: a cursor that raises at the first overrun -------------------------------


class _Malformed(Exception):
    """A length points past the end of the message."""


class _Cursor:
    __slots__ = ("data", "end", "pos")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def left(self) -> int:
        return self.end - self.pos

    def take(self, n: int) -> bytes:
        if n > self.end - self.pos:
            raise _Malformed
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def uint(self, size: int) -> int:
        return int.from_bytes(self.take(size), "big")

    def sub(self, size: int) -> _Cursor:
        """A cursor over the next length-prefixed vector (`size` = bytes of the length)."""
        n = self.uint(size)
        if n > self.end - self.pos:
            raise _Malformed
        self.pos += n
        return _Cursor(self.data, self.pos - n, self.pos)

    def skip(self, size: int) -> None:
        """Step over a length-prefixed vector (`size` = bytes of the length)."""
        self.sub(size)

    def u16s(self) -> tuple[int, ...]:
        """The rest as big-endian 16-bit numbers (an odd last byte is ignored)."""
        count = (self.end - self.pos) // 2
        values = struct.unpack_from(f">{count}H", self.data, self.pos)
        self.pos = self.end
        return values


class _Found:
    """Fields decoded so far; kept when a message turns out to be truncated."""

    __slots__ = ("alpn", "certificates", "cipher_suites", "name", "sni", "versions")

    def __init__(self, name: str) -> None:
        self.name = name
        self.sni: str | None = None
        self.versions: list[str] = []
        self.cipher_suites: list[str] = []
        self.certificates: list[str] = []
        self.alpn: list[str] = []


_WANTED = frozenset((EXT_SERVER_NAME, EXT_ALPN, EXT_SUPPORTED_VERSIONS))


def _extensions(c: _Cursor) -> Iterator[tuple[int, _Cursor]]:
    """The extensions the parser reads; the others are stepped over without a cursor each."""
    if not c.left():
        return  # extensions are optional before TLS 1.3
    block = c.sub(2)
    data, pos, end = block.data, block.pos, block.end
    while pos < end:
        if end - pos < 4:
            raise _Malformed
        etype, size = struct.unpack_from(">HH", data, pos)
        pos += 4
        if size > end - pos:
            raise _Malformed
        if etype in _WANTED:
            yield etype, _Cursor(data, pos, pos + size)
        pos += size


def _client_hello(c: _Cursor, found: _Found) -> None:
    legacy = c.uint(2)
    found.versions = [version_name(legacy)]
    c.take(32)  # random
    c.skip(1)  # legacy_session_id
    found.cipher_suites = [cipher_suite_name(v) for v in c.sub(2).u16s()]
    c.skip(1)  # compression methods
    for etype, body in _extensions(c):
        if etype == EXT_SERVER_NAME:
            names = body.sub(2)
            while names.left():
                kind, name = names.uint(1), names.sub(2)
                if kind == 0:  # host_name
                    found.sni = escape_bytes(name.take(name.left()))
        elif etype == EXT_ALPN:
            protocols = body.sub(2)
            while protocols.left():
                proto = protocols.sub(1)
                found.alpn.append(escape_bytes(proto.take(proto.left())))
        elif etype == EXT_SUPPORTED_VERSIONS:
            found.versions = [version_name(v) for v in body.sub(1).u16s()]


def _server_hello(c: _Cursor, found: _Found) -> None:
    legacy = c.uint(2)
    found.versions = [version_name(legacy)]
    if c.take(32) == HELLO_RETRY_RANDOM:
        found.name = "HelloRetryRequest"
    c.skip(1)  # legacy_session_id_echo
    found.cipher_suites = [cipher_suite_name(c.uint(2))]
    c.uint(1)  # compression method
    for etype, body in _extensions(c):
        if etype == EXT_SUPPORTED_VERSIONS:
            found.versions = [version_name(body.uint(2))]
        elif etype == EXT_ALPN:
            protocols = body.sub(2)
            while protocols.left():
                proto = protocols.sub(1)
                found.alpn.append(escape_bytes(proto.take(proto.left())))


def _certificate(c: _Cursor, found: _Found, *, tls13: bool) -> None:
    if tls13:
        c.skip(1)  # certificate_request_context
    entries = c.sub(3)
    while entries.left():
        der = entries.sub(3)
        found.certificates.append(_subject(der.take(der.left())))
        if tls13:
            entries.skip(2)  # per-certificate extensions


def _subject(der: bytes) -> str:
    """The certificate's subject as RFC 4514 text, terminal-safe; never raises."""
    from cryptography import x509  # imported late: only TLS 1.2 handshakes need it

    try:
        return escape_text(x509.load_der_x509_certificate(der).subject.rfc4514_string())
    except Exception:  # garbage from the wire; cryptography raises several types
        return f"(unreadable certificate, {len(der)} bytes)"


# The annotated handshake (sandbox/tlsview/hello.py) walks the hellos field by field with the same
# cursor, so both read the wire the same way and stop at the same truncation.
Cursor = _Cursor
Malformed = _Malformed
