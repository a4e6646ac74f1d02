"""The handshake, annotated: every message field by field, with what a listener sees (M7, M8).

`annotate(decryptor)` takes a `TlsDecryptor` that followed a connection and gives a
`Handshake`: the hellos field by field (`sandbox.tlsview.hello`), the messages after them
(`sandbox.tlsview.fields`), each field with its offset in the direction's byte stream where it
travelled in the clear. A message sent in the clear is marked "a listener can read this" (the
TLS 1.2 Certificate among them); one that travelled encrypted is shown decrypted with the
secret that protected it and marked "a listener cannot see this" (TLS 1.3's EncryptedExtensions,
Certificate, CertificateVerify, Finished). Text for the demo (`lines`), or JSON (`to_json`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.events import SandboxEvent, Side
from sandbox.tlsview.decrypt import Keys, SeenMessage, TlsDecryptor
from sandbox.tlsview.fields import message_fields
from sandbox.tlsview.hello import HEADER, Field, read_hello
from sandbox.tlsview.view import TrafficKey
from sandbox.wire.tlsnames import cipher_suite_name, handshake_name, version_name

LISTENER_READS = "a listener can read this"
LISTENER_BLIND = "a listener cannot see this"


@dataclass(frozen=True, slots=True)
class AnnotatedField:
    """`at`: offset in the message (header included); `offset`: in the direction's stream,
    where the field crossed the wire in the clear (None inside an encrypted record)."""

    name: str
    value: str
    depth: int
    at: int
    length: int
    offset: int | None


@dataclass(frozen=True, slots=True)
class AnnotatedMessage:
    sender: Side
    name: str
    msg_type: int
    length: int  # of the body
    key: TrafficKey | None  # the secret it travelled under; None: in the clear
    record_offset: int  # the record that completed it
    offset: int | None  # its first byte in the stream, when in the clear
    fields: tuple[AnnotatedField, ...]
    complete: bool = True

    @property
    def listener_reads(self) -> bool:
        return self.key is None

    @property
    def note(self) -> str:
        return LISTENER_READS if self.listener_reads else LISTENER_BLIND


@dataclass(frozen=True, slots=True)
class Handshake:
    version: str | None  # "TLS 1.3"
    cipher_suite: str | None
    client_random: str  # hex: the name of this session in the key log
    messages: tuple[AnnotatedMessage, ...]

    def lines(self) -> list[str]:
        """The annotated handshake as text: one line per message, then its fields."""
        head = f"Handshake: {self.version or 'TLS ?'}, {self.cipher_suite or 'cipher ?'}"
        out = [head]
        for m in self.messages:
            arrow = "client -> server" if m.sender is Side.CLIENT else "server -> client"
            where = f"byte {m.offset}" if m.offset is not None else f"record at {m.record_offset}"
            sealed = "" if m.key is None else f", decrypted with the {m.key.value}"
            partial = "" if m.complete else " (truncated)"
            out.append(f"{m.name}{partial}  {arrow}, {where}, {m.length} bytes: {m.note}{sealed}")
            for f in m.fields:
                at = f"@{f.offset}" if f.offset is not None else f"+{f.at}"
                indent = "  " * (f.depth + 1)
                out.append(f"{indent}{f.name:<{34 - 2 * f.depth}} {at:>7} {f.length:>5}  {f.value}")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "Handshake",
            "version": self.version,
            "cipher_suite": self.cipher_suite,
            "client_random": self.client_random,
            "messages": [
                {
                    "sender": m.sender.value,
                    "name": m.name,
                    "msg_type": m.msg_type,
                    "length": m.length,
                    "key": m.key.value if m.key is not None else None,
                    "listener_reads": m.listener_reads,
                    "note": m.note,
                    "record_offset": m.record_offset,
                    "offset": m.offset,
                    "complete": m.complete,
                    "fields": [
                        {
                            "name": f.name,
                            "value": f.value,
                            "depth": f.depth,
                            "at": f.at,
                            "length": f.length,
                            "offset": f.offset,
                        }
                        for f in m.fields
                    ],
                }
                for m in self.messages
            ],
        }


def annotate(decryptor: TlsDecryptor) -> Handshake:
    """The handshake the decryptor saw, in the order its messages crossed the tap."""
    seen = sorted(decryptor.messages, key=lambda s: s.ts)
    messages = tuple(_message(s, tls13=decryptor.tls13) for s in seen)
    version = version_name(decryptor.version) if decryptor.version is not None else None
    suite = cipher_suite_name(decryptor.suite_code) if decryptor.suite_code is not None else None
    random = decryptor.client_random.hex() if decryptor.client_random else ""
    return Handshake(version, suite, random, messages)


def annotate_events(events: list[SandboxEvent], keys: Keys) -> Handshake:
    decryptor = TlsDecryptor(keys)
    decryptor.feed_all(events)
    return annotate(decryptor)


def _message(seen: SeenMessage, *, tls13: bool) -> AnnotatedMessage:
    m = seen.message
    hello = read_hello(m.msg_type, m.body)
    if hello is not None:
        name, fields, complete = hello.name, hello.fields, hello.complete
    else:
        name = handshake_name(m.msg_type)
        fields, complete = message_fields(m.msg_type, m.body, tls13=tls13)
        header = _header_fields(m.msg_type, len(m.body))
        fields = header + fields
    clear = seen.key is None
    return AnnotatedMessage(
        sender=seen.sender,
        name=name,
        msg_type=m.msg_type,
        length=len(m.body),
        key=seen.key,
        record_offset=seen.record_offset,
        offset=m.where(0) if clear else None,
        fields=tuple(
            AnnotatedField(
                f.name, f.value, f.depth, f.offset, f.length, m.where(f.offset) if clear else None
            )
            for f in fields
        ),
        complete=complete,
    )


def _header_fields(msg_type: int, length: int) -> tuple[Field, ...]:
    return (
        Field("msg_type", 0, 1, f"{handshake_name(msg_type)} ({msg_type})"),
        Field("length", 1, HEADER - 1, f"{length} bytes"),
    )
