"""The event vocabulary: everything the UI and the headless demo learn about a sandbox session.

Producers (server, client, wire tap, scenarios) emit these frozen dataclasses; consumers only read
them. Every `str` field that can hold bytes from the network is already terminal-safe (see
`sandbox.safety.text`), so a consumer may print it as is.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field


class Side(enum.Enum):
    """Who sent something: the mail client or the mail server."""

    CLIENT = "client"
    SERVER = "server"


def _now() -> float:
    return time.monotonic()


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every event; `ts` is `time.monotonic()` when it happened."""

    ts: float = field(default_factory=_now, kw_only=True)


# --- The conversation, as the client lives it --------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConversationLine(Event):
    """One SMTP line said by `sender`, as the client sent or received it.

    `tls` tells whether it travelled inside TLS; together with `sender` it gives the swaks marker
    (`->`/`<-` in plaintext, `~>`/`<~` inside TLS). The client fills in what it knows as it frames
    the line, so nobody reads it back out of `text`: a server line's reply `code`, and whether it
    is the `final` line of its reply; a client command's `verb` ("MAIL"; empty for a line of the
    message or an AUTH credential).
    """

    sender: Side
    text: str
    tls: bool
    code: int | None = None
    final: bool = False
    verb: str = ""
    # A long message body is one event (properties.md E13): `text` is its first line, `more` the
    # lines after it, the last of them `last`.
    more: int = 0
    last: str = ""

    @property
    def marker(self) -> str:
        if self.sender is Side.CLIENT:
            return "~>" if self.tls else "->"
        return "<~" if self.tls else "<-"


class Level(enum.Enum):
    INFO = "info"  # swaks `===`
    WARNING = "warning"  # shown highlighted: e.g. "AUTH is about to go in the clear, on purpose"
    ERROR = "error"  # swaks `***`
    ATTACK = "attack"  # an attack mode is on (properties.md I7): always shown


@dataclass(frozen=True, slots=True)
class Notice(Event):
    """A sentence for the learner: progress, warnings, errors, attack announcements.

    `text` is the sentence in English (the demo prints it); `key` names it in the table of
    notices (`sandbox.notices.NOTICES`) and `params` hold the values filled into it, as strings,
    so a UI in another language says the same thing in its own words. Nothing is ever decided
    by them: results come from typed events (properties.md J7).
    """

    level: Level
    text: str
    key: str = ""
    params: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def marker(self) -> str:
        return "***" if self.level in (Level.ERROR, Level.ATTACK) else "==="


@dataclass(frozen=True, slots=True)
class PolicyDecided(Notice):
    """A `dane` or `mta-sts` client read the lab world's records and decided how to act
    (`decided` is a key of `sandbox.labdns.world.DECIDED`). A Notice, so every reader that
    does not know it shows its sentence; the facts read the key, never the words."""

    decided: str = ""


@dataclass(frozen=True, slots=True)
class TlsReported(Notice):
    """The lab world's client wrote a TLS-RPT report (RFC 8460) of the session's failures:
    their result types, and the file it saved."""

    result_types: tuple[str, ...] = ()
    path: str = ""


# --- The eavesdropper's view, from the wire tap ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Endpoints:
    """The two ends of a connection the observer watched, as the server's socket has them: the
    client's address and port (its peer) and the server's own (properties.md I15)."""

    client_host: str
    client_port: int
    server_host: str
    server_port: int


@dataclass(frozen=True, slots=True)
class WireChunk(Event):
    """Raw bytes that crossed the tap in one read, from `sender`; `offset` counts that direction.

    `endpoints` is the connection's two ends when the observer watched the server's own socket
    (one object shared by every chunk of the connection); None when the bytes crossed the relay,
    whose two legs are its own addresses (properties.md I15)."""

    sender: Side
    offset: int
    data: bytes
    endpoints: Endpoints | None = None


@dataclass(frozen=True, slots=True)
class WireLine(Event):
    """A readable plaintext line an eavesdropper sees (CRLF removed, escaped).

    `injected` marks plaintext that followed `STARTTLS\\r\\n` in the same write (properties.md I6):
    a correct server discards it.
    """

    sender: Side
    offset: int
    text: str
    injected: bool = False
    # The lines of a message body that came in one read are one event (properties.md I10): `text`
    # is the first, `more` the lines after it, the last of them `last`; WireChunk has every byte.
    more: int = 0
    last: str = ""


@dataclass(frozen=True, slots=True)
class WireSwitch(Event):
    """Plaintext ends here in this direction: the byte at `offset` starts TLS."""

    sender: Side
    offset: int


@dataclass(frozen=True, slots=True)
class HandshakeInfo:
    """What an eavesdropper can decode of one TLS handshake message."""

    msg_type: int
    name: str  # "ClientHello", "ServerHello", "Certificate", ...
    sni: str | None = None  # ClientHello server_name
    versions: tuple[str, ...] = ()  # offered (ClientHello) or chosen (ServerHello), e.g. "TLS 1.3"
    cipher_suites: tuple[str, ...] = ()  # offered or chosen, IANA names where known
    certificates: tuple[str, ...] = ()  # TLS 1.2 Certificate: subject of each cert, readable
    alpn: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WireRecord(Event):
    """One TLS record seen on the wire.

    `content_type_name` is "handshake", "change_cipher_spec", "alert", "application_data" or
    "unknown(N)". `handshake` is empty when the record is encrypted or not a handshake.
    `preview_hex` shows the first bytes of the fragment.
    """

    sender: Side
    offset: int
    content_type: int
    content_type_name: str
    version: str  # legacy record version, e.g. "TLS 1.2"
    length: int
    preview_hex: str
    handshake: tuple[HandshakeInfo, ...] = ()
    encrypted: bool = False


# --- Facts about the session -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CertSummary:
    subject: str
    issuer: str
    not_before: str  # ISO 8601, UTC
    not_after: str
    san: tuple[str, ...]
    sha256: str  # hex fingerprint, colon-separated


@dataclass(frozen=True, slots=True)
class TlsEstablished(Event):
    """The client finished a TLS handshake (STARTTLS or implicit)."""

    version: str  # "TLSv1.3"
    cipher: str
    peer_cert: CertSummary | None
    verified: bool  # chain and hostname checked by the client
    server_hostname: str | None


class TlsFailure(enum.StrEnum):
    """Why a TLS handshake failed, as the client's TLS library said it (not read from text)."""

    UNTRUSTED = "untrusted"  # the chain does not lead to a CA the client trusts
    WRONG_NAME = "wrong-name"  # a trusted certificate, for another host name
    EXPIRED = "expired"  # outside its validity period (expired or not yet valid)
    BAD_CERTIFICATE = "bad-certificate"  # any other certificate problem
    PROTOCOL_VERSION = "protocol-version"  # no TLS version both sides accept
    CUT = "cut"  # the peer hung up in the middle of the handshake
    TIMEOUT = "timeout"  # the handshake did not finish in time
    OTHER = "other"

    @property
    def about_certificate(self) -> bool:
        return self in _CERTIFICATE_FAILURES


_CERTIFICATE_FAILURES = frozenset(
    {TlsFailure.UNTRUSTED, TlsFailure.WRONG_NAME, TlsFailure.EXPIRED, TlsFailure.BAD_CERTIFICATE}
)


@dataclass(frozen=True, slots=True)
class TlsFailed(Event):
    """A handshake failed: `cause` says why, `reason` says it in the library's words."""

    reason: str
    cause: TlsFailure = TlsFailure.OTHER


class NoTls(enum.StrEnum):
    """Why the client has no TLS where its policy wants it."""

    NOT_OFFERED = "not-offered"  # STARTTLS was missing from the EHLO reply
    EHLO_REFUSED = "ehlo-refused"  # EHLO was refused, so no STARTTLS could be offered
    STARTTLS_REFUSED = "starttls-refused"  # STARTTLS was answered with `code`
    NOT_STARTED = "not-started"  # a command that needs TLS (`verb`), before any TLS


@dataclass(frozen=True, slots=True)
class TlsMissing(Event):
    """The client found no TLS, and what its policy made it do (properties.md F2).

    `refused`: the policy requires TLS, so the client refused to go on (it quits, or refuses the
    command); otherwise it carries on in plaintext, as `may` does. The client's `===`/`***`
    notice tells the learner; this is the same fact, typed.
    """

    why: NoTls
    refused: bool
    code: int | None = None  # the reply code, for EHLO_REFUSED and STARTTLS_REFUSED
    verb: str = ""  # the command held back, for NOT_STARTED


@dataclass(frozen=True, slots=True)
class InjectionDiscarded(Event):
    """The server threw away `size` bytes of plaintext that came after STARTTLS, before TLS
    began (properties.md B1); its notice tells the learner."""

    size: int


# --- What a man in the middle reports (threat lab only) -----------------------------------------


class Exposure(enum.StrEnum):
    ENVELOPE = "envelope"  # MAIL FROM / RCPT TO
    MESSAGE = "message"  # the DATA body: headers and text
    PASSWORD = "password"  # AUTH credentials (base64 is no protection)


@dataclass(frozen=True, slots=True)
class AttackerInTls(Event):
    """An impersonating attacker holds the client's TLS session: the client accepted his
    certificate. `detail` is for the learner (escaped)."""

    detail: str


@dataclass(frozen=True, slots=True)
class AttackerRead(Event):
    """An impersonating attacker decrypted `what`; `detail` shows it (escaped)."""

    what: Exposure
    detail: str


@dataclass(frozen=True, slots=True)
class MessageDelivered(Event):
    """The sandbox server accepted a message into its mailbox."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    size: int
    tls: bool
    authenticated_as: str | None
    stored_at: str | None = None  # path of the Maildir file, when kept on disk


@dataclass(frozen=True, slots=True)
class SessionStarted(Event):
    scenario: str
    server: str  # "127.0.0.1:2525"
    via_tap: str | None  # tap address, when the session goes through the tap


@dataclass(frozen=True, slots=True)
class SessionClosed(Event):
    """The client's connection ended; `clean` is True after a 221 or a deliberate stop."""

    clean: bool
    reason: str = ""


SandboxEvent = (
    ConversationLine
    | Notice
    | WireChunk
    | WireLine
    | WireSwitch
    | WireRecord
    | TlsEstablished
    | TlsFailed
    | TlsMissing
    | InjectionDiscarded
    | AttackerInTls
    | AttackerRead
    | MessageDelivered
    | SessionStarted
    | SessionClosed
)
