"""What a listener learns of one TLS session, from the wire alone (issue 12, section 2).

Folded from the tap's events of the last connection, with no key: the server name the client
asked for (SNI), the version and cipher suite the ServerHello names, the server's certificate if
it crossed the wire readable (TLS 1.2) or that it did not (TLS 1.3), and how many round trips
the handshake took before the client could send its first application data.

Round trips, as a listener counts them: the client's records come in flights (a flight ends
when the server's records cross the tap); the ClientHello opens flight 1, and the first record
the client sends as application_data (outer type 23) is in flight 1 + the number of round
trips. TLS 1.3: the client's Finished already travels as application data, one round trip
after its ClientHello; TLS 1.2: the client waits for the server's Finished, two round trips.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sandbox.events import SandboxEvent, SessionStarted, Side, WireRecord

_APPDATA = 23


@dataclass(frozen=True, slots=True)
class ListenerLearns:
    sni: str | None = None
    version: str | None = None  # as the ServerHello names it: "TLS 1.3"
    cipher: str | None = None  # IANA name
    certificate: tuple[str, ...] = ()  # subjects read on the wire (TLS 1.2)
    certificate_seen: bool = False  # a Certificate message crossed the wire readable
    round_trips: int | None = None  # before the client's first application data
    records: int = 0  # TLS records the listener saw, both ways
    handshake_bytes: int = 0  # bytes of records up to the client's first application data

    @property
    def certificate_hidden(self) -> bool:
        """A TLS 1.3 session: the certificate was sent, encrypted."""
        return self.version == "TLS 1.3" and not self.certificate_seen


def listener_learns(events: Iterable[SandboxEvent]) -> ListenerLearns:
    """What a listener learns of the last connection in `events`."""
    records: list[WireRecord] = []
    for event in events:
        if isinstance(event, SessionStarted):
            records = []
        elif isinstance(event, WireRecord):
            records.append(event)
    sni = version = cipher = None
    subjects: tuple[str, ...] = ()
    seen_cert = False
    for r in records:
        for hs in r.handshake:
            if hs.name == "ClientHello" and r.sender is Side.CLIENT and hs.sni:
                sni = hs.sni
            elif hs.name == "ServerHello" and r.sender is Side.SERVER:
                version = hs.versions[0] if len(hs.versions) == 1 else version
                cipher = hs.cipher_suites[0] if len(hs.cipher_suites) == 1 else cipher
            elif hs.name == "Certificate" and r.sender is Side.SERVER:
                seen_cert, subjects = True, hs.certificates
    trips, size = _round_trips(records)
    return ListenerLearns(
        sni, version, cipher, subjects, seen_cert, trips, len(records), handshake_bytes=size
    )


def _round_trips(records: list[WireRecord]) -> tuple[int | None, int]:
    start = next(
        (
            i
            for i, r in enumerate(records)
            if r.sender is Side.CLIENT and any(h.name == "ClientHello" for h in r.handshake)
        ),
        None,
    )
    if start is None:
        return None, 0
    flight, last, size = 0, Side.SERVER, 0
    for r in records[start:]:
        size += 5 + r.length
        if r.sender is Side.CLIENT:
            if last is Side.SERVER:
                flight += 1
            if r.content_type == _APPDATA:
                return flight - 1, size
        last = r.sender
    return None, size
