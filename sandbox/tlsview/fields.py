"""The handshake messages after the hellos, field by field (properties.md M7).

EncryptedExtensions, Certificate, CertificateVerify, Finished, NewSessionTicket, KeyUpdate and
TLS 1.2's ServerKeyExchange, ServerHelloDone and ClientKeyExchange (ECDHE), with the wire tap's
cursor and names, as `sandbox.tlsview.hello` reads the hellos. Offsets count from the first
byte of the message, header included. Never raises: a truncated message keeps what was read.
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.tlsview.hello import HEADER, Field
from sandbox.wire.tlshandshake import Cursor, Malformed, decode_message
from sandbox.wire.tlsnames import extension_name, group_name, signature_scheme_name


def message_fields(msg_type: int, body: bytes, *, tls13: bool) -> tuple[tuple[Field, ...], bool]:
    """(fields, complete) of a message that is not a hello; no fields for a type not read."""
    reader = _READERS.get(msg_type)
    out: list[Field] = []
    if reader is None:
        return (), True
    try:
        reader(_Out(Cursor(body), out, tls13))
    except Malformed:
        return tuple(out), False
    return tuple(out), True


class _Out:
    __slots__ = ("c", "fields", "tls13")

    def __init__(self, c: Cursor, fields: list[Field], tls13: bool) -> None:
        self.c, self.fields, self.tls13 = c, fields, tls13

    def add(self, name: str, start: int, value: str, depth: int = 0) -> None:
        self.fields.append(Field(name, HEADER + start, self.c.pos - start, value, depth))

    def number(self, name: str, size: int, unit: str = "") -> int:
        at = self.c.pos
        value = self.c.uint(size)
        self.add(name, at, f"{value}{unit}")
        return value

    def vector(self, name: str, size: int, show: Callable[[bytes], str] | None = None) -> bytes:
        at = self.c.pos
        sub = self.c.sub(size)
        data = sub.take(sub.left())
        self.add(name, at, show(data) if show else f"{len(data)} bytes")
        return data


def _hex(data: bytes) -> str:
    return data.hex() if data else "(empty)"


def _extensions(o: _Out) -> None:
    at = o.c.pos
    block = o.c.sub(2)
    o.add("extensions", at, f"{block.left()} bytes")
    while block.left():
        at = block.pos
        etype = block.uint(2)
        size = block.sub(2).left()
        o.fields.append(
            Field(f"extension {extension_name(etype)}", HEADER + at, 4 + size, f"{size} bytes", 1)
        )


def _certificate(o: _Out) -> None:
    subjects = iter(decode_message(11, o.c.data, tls13=o.tls13).certificates)
    if o.tls13:
        o.vector("certificate_request_context", 1, _hex)
    at = o.c.pos
    entries = o.c.sub(3)
    o.add("certificate_list", at, f"{entries.left()} bytes")
    n = 0
    while entries.left():
        at = entries.pos
        der = entries.sub(3)
        der.take(der.left())
        if o.tls13:
            entries.skip(2)  # this certificate's extensions
        n += 1
        subject = next(subjects, "(unread)")
        o.fields.append(
            Field(f"certificate {n}", HEADER + at, entries.pos - at, f"subject {subject}", 1)
        )


def _certificate_verify(o: _Out) -> None:
    at = o.c.pos
    o.add("algorithm", at, signature_scheme_name(o.c.uint(2)))
    o.vector("signature", 2)


def _finished(o: _Out) -> None:
    at = o.c.pos
    data = o.c.take(o.c.left())
    o.add("verify_data", at, data.hex())


def _new_session_ticket(o: _Out) -> None:
    o.number("ticket_lifetime", 4, " s")
    if o.tls13:
        o.number("ticket_age_add", 4)
        o.vector("ticket_nonce", 1, _hex)
    o.vector("ticket", 2)
    if o.tls13:
        _extensions(o)


def _key_update(o: _Out) -> None:
    at = o.c.pos
    value = o.c.uint(1)
    o.add("request_update", at, "update_requested" if value else "update_not_requested")


def _server_key_exchange(o: _Out) -> None:
    at = o.c.pos
    if o.c.uint(1) != 3:  # only named_curve ECDHE (RFC 8422 5.4) is read
        o.add("curve_type", at, "not a named curve")
        return
    o.add("curve_type", at, "named_curve (3)")
    at = o.c.pos
    o.add("named_curve", at, group_name(o.c.uint(2)))
    o.vector("public key", 1)
    _certificate_verify(o)


def _client_key_exchange(o: _Out) -> None:
    o.vector("public key", 1)  # ECDHE (RFC 8422 5.7)


_READERS: dict[int, Callable[[_Out], None]] = {
    4: _new_session_ticket,
    8: _extensions,
    11: _certificate,
    12: _server_key_exchange,
    15: _certificate_verify,
    16: _client_key_exchange,
    20: _finished,
    24: _key_update,
}
