"""A session in the format of Exchange's SMTP Receive protocol log (properties.md L47).

    #Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,
             event,data,context

Events: `+` connect, `-` disconnect, `<` received by the server, `>` sent by the server, `*`
information (session permissions, the certificate sent, the TLS negotiation). Lines are CSV, as
Exchange writes them. Everything comes from the session's typed events: a reply's `code` and
`final`, a command's `verb`, `TlsEstablished`'s version, cipher and certificate, `TlsFailed.cause`,
`SessionClosed.clean`; no line is found by reading the text of another.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import assert_never

from sandbox.config.exchange.model import ReceiveConnector
from sandbox.events import (
    AttackerInTls,
    AttackerRead,
    ConversationLine,
    InjectionDiscarded,
    MessageDelivered,
    Notice,
    SandboxEvent,
    SessionClosed,
    SessionStarted,
    Side,
    TlsEstablished,
    TlsFailed,
    TlsFailure,
    TlsMissing,
    WireChunk,
    WireLine,
    WireRecord,
    WireSwitch,
)

FIELDS = (
    "date-time",
    "connector-id",
    "session-id",
    "sequence-number",
    "local-endpoint",
    "remote-endpoint",
    "event",
    "data",
    "context",
)
HEADER = (
    "#Software: Microsoft Exchange Server",
    "#Version: 15.02.0000.000",
    "#Log-type: SMTP Receive Protocol Log",
)

# Schannel's names for what OpenSSL negotiated (Exchange logs Windows' CALG_ names).
_BULK = {"AES_256": ("CALG_AES_256", 256), "AES256": ("CALG_AES_256", 256)}
_BULK |= {"AES_128": ("CALG_AES_128", 128), "AES128": ("CALG_AES_128", 128)}
_BULK |= {"CHACHA20": ("CHACHA20_POLY1305", 256)}
_MAC = {"SHA384": "CALG_SHA_384", "SHA256": "CALG_SHA_256", "SHA": "CALG_SHA1"}
# Schannel's error names for a failed handshake, the nearest for each cause the sandbox knows.
_TLS_ERRORS: dict[TlsFailure, str] = {
    TlsFailure.UNTRUSTED: "CertUnknown",
    TlsFailure.WRONG_NAME: "CertUnknown",
    TlsFailure.EXPIRED: "CertExpired",
    TlsFailure.BAD_CERTIFICATE: "CertUnknown",
    TlsFailure.PROTOCOL_VERSION: "AlgorithmMismatch",
    TlsFailure.CUT: "SocketError",
    TlsFailure.TIMEOUT: "Timeout",
    TlsFailure.OTHER: "IllegalMessage",
}


def tls_negotiated(version: str, cipher: str) -> str:
    """`TLS protocol SP_PROT_TLS1_3_SERVER negotiation succeeded using bulk encryption ...`.

    The key exchange's strength is written as X25519's 255 bits: OpenSSL offers that group first
    and the event does not carry the group.
    """
    proto = "SP_PROT_" + version.upper().replace("V", "").replace(".", "_") + "_SERVER"
    parts = cipher.upper().replace("-", "_").split("_")
    bulk, strength = next(
        (
            _BULK[p]
            for p in (*parts, *("_".join(parts[i : i + 2]) for i in range(len(parts))))
            if p in _BULK
        ),
        (cipher, 0),
    )
    mac = next((_MAC[p] for p in reversed(parts) if p in _MAC), "CALG_SHA_256")
    return (
        f"TLS protocol {proto} negotiation succeeded using bulk encryption algorithm {bulk} "
        f"with strength {strength} bits, MAC hash algorithm {mac} with strength 0 bits and key "
        "exchange algorithm CALG_ECDH_EPHEM with strength 255 bits"
    )


def session_permissions(connector: ReceiveConnector) -> str:
    """What an anonymous session may do on arrival (`Set Session Permissions`)."""
    if not connector.anonymous:
        return "None"
    rights = ["SMTPSubmit", "SMTPAcceptAnySender", "SMTPAcceptAuthoritativeDomainSender"]
    if connector.anonymous_relay:
        rights.append("SMTPAcceptAnyRecipient")
    return " ".join([*rights, "AcceptRoutingHeaders"])


@dataclass(frozen=True, slots=True)
class Endpoints:
    local: str  # "10.0.0.5:25": the connector's binding as Exchange sees it
    remote: str  # the client's address and port


def protocol_log(
    events: Iterable[SandboxEvent],
    connector: ReceiveConnector,
    endpoints: Endpoints,
    *,
    session_id: str,
    started: dt.datetime,
) -> list[str]:
    """The log lines (header first) for one session; `started` is the wall time of the first
    event, the others follow by their monotonic `ts`."""
    log = _Log(connector, endpoints, session_id, started)
    for event in events:
        log.add(event)
    log.close()
    return [
        *HEADER,
        f"#Date: {log.stamp(log.first_ts)}",
        "#Fields: " + ",".join(FIELDS),
        *log.lines,
    ]


class _Log:
    def __init__(
        self, connector: ReceiveConnector, ends: Endpoints, session_id: str, started: dt.datetime
    ) -> None:
        self.connector, self.ends, self.session_id = connector, ends, session_id
        self.started = started.astimezone(dt.UTC)
        self.first_ts: float | None = None
        self.last_ts = 0.0
        self.lines: list[str] = []
        self.reply: list[str] = []
        self.connected = self.closed = False
        self.last_code = 0

    def stamp(self, ts: float | None) -> str:
        offset = 0.0 if ts is None or self.first_ts is None else ts - self.first_ts
        moment = self.started + dt.timedelta(seconds=offset)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def write(self, ts: float, event: str, data: str = "", context: str = "") -> None:
        out = io.StringIO()
        row = [
            self.stamp(ts),
            self.connector.identity,
            self.session_id,
            str(len(self.lines)),
            self.ends.local,
            self.ends.remote,
            event,
            data,
            context,
        ]
        csv.writer(out, lineterminator="").writerow(row)
        self.lines.append(out.getvalue())

    def connect(self, ts: float) -> None:
        if not self.connected:
            self.connected = True
            self.write(ts, "+")
            self.write(ts, "*", session_permissions(self.connector), "Set Session Permissions")

    def add(self, event: SandboxEvent) -> None:
        if self.first_ts is None:
            self.first_ts = event.ts
        self.last_ts = event.ts
        match event:
            case SessionStarted():
                pass  # the connection itself is the `+`, when the banner arrives
            case ConversationLine():
                self.line(event)
            case TlsEstablished():
                self.write(event.ts, "*", "", "Sending certificate")
                cert = event.peer_cert
                if cert is not None:
                    self.write(event.ts, "*", cert.subject, "Certificate subject")
                    self.write(event.ts, "*", cert.issuer, "Certificate issuer name")
                    self.write(event.ts, "*", ";".join(cert.san), "Certificate alternate names")
                self.write(event.ts, "*", "", tls_negotiated(event.version, event.cipher))
            case TlsFailed():
                self.write(
                    event.ts,
                    "*",
                    "",
                    f"TLS negotiation failed with error {_TLS_ERRORS[event.cause]}",
                )
            case SessionClosed():
                if self.connected and not self.closed:
                    self.closed = True
                    self.write(event.ts, "-", "", "Local" if self.last_code == 221 else "Remote")
            case (
                Notice()
                | WireChunk()
                | WireLine()
                | WireSwitch()
                | WireRecord()
                | TlsMissing()
                | InjectionDiscarded()
                | AttackerInTls()
                | AttackerRead()
                | MessageDelivered()
            ):
                pass  # the client's or the tap's view: not in the server's protocol log
            case _:
                assert_never(event)

    def line(self, event: ConversationLine) -> None:
        if event.sender is Side.SERVER:
            self.connect(event.ts)
            self.reply.append(event.text)
            if event.final:
                # Exchange logs a multi-line reply as one line: the code, then every text
                code = event.code or 0
                texts = [line[4:] for line in self.reply]
                data = self.reply[0] if len(self.reply) == 1 else f"{code}  " + " ".join(texts)
                self.write(event.ts, ">", data)
                self.reply, self.last_code = [], code
        elif event.verb:  # message lines and AUTH credentials (no verb) are not logged
            data = event.text
            if event.verb == "AUTH":
                data = " ".join(event.text.split()[:2])  # never the initial response
            self.write(event.ts, "<", data)

    def close(self) -> None:
        if self.connected and not self.closed:
            self.closed = True
            self.write(self.last_ts, "-", "", "Remote")
