"""What the sandbox server allows, in Postfix's terms, and the replies it gives when it refuses.

A lesson picks a `ServerPolicy`; each field names the Postfix setting it stands for, so what the
learner tries here carries over to a real `main.cf`/`master.cf`. The TLS levels and the lowest TLS
versions are defined here once; every list of them (the demo's options, the lab's variants)
derives from these.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from typing import Literal, assert_never, get_args

TlsLevel = Literal["none", "may", "encrypt"]
"""Postfix `smtpd_tls_security_level`, as far as the sandbox enacts it."""
TLS_LEVELS: tuple[TlsLevel, ...] = get_args(TlsLevel)
RelayMode = Literal["keep", "refuse"]
RELAY_MODES: tuple[RelayMode, ...] = get_args(RelayMode)
RelayRestriction = Literal[
    "permit_mynetworks",
    "permit_sasl_authenticated",
    "reject_unauth_destination",
    "defer_unauth_destination",
    "permit",
]
"""The `smtpd_relay_restrictions` the sandbox enacts, in Postfix's words."""
RELAY_RESTRICTIONS: tuple[RelayRestriction, ...] = get_args(RelayRestriction)

MIN_TLS_VERSIONS: dict[str, ssl.TLSVersion] = {
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}
"""The lowest TLS version a server may accept, by the name `smtpd_tls_protocols = >=TLSv<name>`
uses; nothing below 1.2 (RFC 8996, properties.md G1)."""


def exchange_receive(level: TlsLevel) -> str:
    """The Exchange receive-connector setting closest to `smtpd_tls_security_level = level`."""
    match level:
        case "none":
            return "no Tls in -AuthMechanism (no STARTTLS offered)"
        case "may":
            return "-RequireTLS $false (STARTTLS offered: the default)"
        case "encrypt":
            return "-RequireTLS $true"
        case _:
            assert_never(level)


def min_tls_name(version: ssl.TLSVersion) -> str:
    """The name in `MIN_TLS_VERSIONS` of the lowest version `version` lets through."""
    return next(
        (name for name, v in reversed(MIN_TLS_VERSIONS.items()) if version >= v),
        next(iter(MIN_TLS_VERSIONS)),
    )


@dataclass(frozen=True, slots=True)
class ServerPolicy:
    """The sandbox server's settings.

    - `tls_level`: Postfix `smtpd_tls_security_level`. `none` offers no STARTTLS; `may` offers it
      (a public MX on port 25); `encrypt` requires it before anything but EHLO/HELO, NOOP, RSET,
      STARTTLS and QUIT (submission on 587).
    - `implicit_tls`: master.cf `-o smtpd_tls_wrappermode=yes` (port 465): TLS from the first byte.
    - `auth_only_after_tls`: `smtpd_tls_auth_only`. Turned off only by a lab that shows a password
      crossing the wire in the clear; the server then says so with a warning.
    - `auth_required`: like `smtpd_recipient_restrictions = permit_sasl_authenticated, reject`
      on a submission port: MAIL, RCPT and DATA need a successful AUTH first.
    - `min_tls_version`: `smtpd_tls_mandatory_protocols`; never below TLS 1.2 (properties.md G1).
    - `max_message_size`: `message_size_limit`, advertised as SIZE. `max_recipients`:
      `smtpd_recipient_limit`. `max_connections`: `smtpd_client_connection_count_limit`.
    - `idle_timeout`: `smtpd_timeout`, the wait for each command. `data_timeout`: the whole DATA
      phase, however slowly the client trickles it.
    - `max_errors`: `smtpd_hard_error_limit`: after this many error replies (4xx or 5xx) in one
      session the server answers `421 4.7.0 ... too many errors` and hangs up (D10).
    - `max_session_time`: how long one connection may last however busy it keeps itself (E6):
      Postfix bounds a session only per command (`smtpd_timeout`), so a NOOP every minute would
      hold a slot forever; the sandbox answers `421 4.4.2` at this age and hangs up.
    - `strict_bare_newline`: `smtpd_forbid_bare_newline = yes`: a message with a bare CR or LF is
      refused with 550 (otherwise it is accepted and flagged).
    - `relay`: the sandbox never relays (properties.md K2). `keep` keeps mail for outside domains in
      the sandbox mailbox, labelled; `refuse` answers `554 5.7.1 Relay access denied` to clients
      that have not authenticated, as Postfix's `reject_unauth_destination` does.
    - `relay_restrictions`: `smtpd_relay_restrictions`, when a Postfix configuration gives them
      (then `relay` is not used): each RCPT runs down the list, the first that decides wins;
      `permit_mynetworks` looks at the client's address in `mynetworks`. A recipient that passes
      but is not the sandbox's own is still only kept, never relayed (K2).
    - `sasl_enabled`: `smtpd_sasl_auth_enable`: without it AUTH is neither offered nor accepted.
    - `helo_required`: `smtpd_helo_required`: MAIL before HELO/EHLO is answered `503 5.5.1`.
      Postfix's default is no; the sandbox's own labs keep it on (aiosmtpd's behaviour).
    - `max_tls_version`: the highest TLS version (`smtpd_tls_protocols = !TLSv1.3`), None: any.
    - `tls_ciphers`: `smtpd_tls_mandatory_ciphers` or `smtpd_tls_ciphers` (`medium`, `high`):
      shown and logged; both grades give the same modern suites in the sandbox (G2).
    - `tls_loglevel`: `smtpd_tls_loglevel`, for the log lines. `tls_received_header`:
      `smtpd_tls_received_header`: the Received header names the TLS version and cipher.
    - `hostname`: `myhostname`, set explicitly (no DNS look-up at start, E5).
    - `local_domains`: `mydestination`: these domains and their subdomains are the sandbox's own.
    """

    tls_level: TlsLevel = "may"
    implicit_tls: bool = False
    auth_only_after_tls: bool = True
    auth_required: bool = False
    min_tls_version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2
    max_message_size: int = 1024 * 1024
    max_recipients: int = 100
    max_connections: int = 20
    idle_timeout: float = 60.0
    data_timeout: float = 120.0
    max_errors: int = 20
    max_session_time: float = 600.0
    strict_bare_newline: bool = False
    relay: RelayMode = "keep"
    hostname: str = "sandbox.test"
    local_domains: tuple[str, ...] = ("sandbox.test", "localhost")
    max_auth_failures: int = 3
    relay_restrictions: tuple[RelayRestriction, ...] | None = None
    sasl_enabled: bool = True
    mynetworks: tuple[str, ...] = ("127.0.0.0/8", "::1/128")
    helo_required: bool = True
    max_tls_version: ssl.TLSVersion | None = None
    tls_ciphers: str = "medium"
    tls_loglevel: int = 0
    tls_received_header: bool = True

    def __post_init__(self) -> None:
        if self.tls_level not in TLS_LEVELS:
            raise ValueError(
                f"tls_level must be one of {', '.join(TLS_LEVELS)}, not {self.tls_level!r}"
            )
        if self.relay not in RELAY_MODES:
            raise ValueError(f"relay must be one of {', '.join(RELAY_MODES)}, not {self.relay!r}")
        if self.implicit_tls and self.tls_level == "none":
            raise ValueError("implicit_tls (wrapper mode) needs tls_level may or encrypt")
        if self.min_tls_version < ssl.TLSVersion.TLSv1_2:
            raise ValueError("TLS below 1.2 is deprecated (RFC 8996) and never offered")
        if self.auth_required and not self.sasl_enabled:
            raise ValueError("auth_required needs sasl_enabled: nobody could send mail")
        if self.max_tls_version is not None and self.max_tls_version < self.min_tls_version:
            raise ValueError("max_tls_version is below min_tls_version: no TLS version is left")
        for restriction in self.relay_restrictions or ():
            if restriction not in RELAY_RESTRICTIONS:
                known = ", ".join(RELAY_RESTRICTIONS)
                raise ValueError(f"relay restriction {restriction!r} is not one of {known}")
        for network in self.mynetworks:
            ipaddress.ip_network(network, strict=False)  # ValueError names a bad one
        if not self.hostname or any(not (c.isalnum() or c in ".-") for c in self.hostname):
            raise ValueError(f"hostname must be a plain DNS name, not {self.hostname!r}")
        for name, value in (
            ("max_message_size", self.max_message_size),
            ("max_recipients", self.max_recipients),
            ("max_connections", self.max_connections),
            ("max_auth_failures", self.max_auth_failures),
            ("max_errors", self.max_errors),
        ):
            if value < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.idle_timeout <= 0 or self.data_timeout <= 0 or self.max_session_time <= 0:
            raise ValueError("timeouts must be positive")

    @property
    def offers_tls(self) -> bool:
        return self.implicit_tls or self.tls_level != "none"

    @property
    def requires_starttls(self) -> bool:
        return self.tls_level == "encrypt" and not self.implicit_tls

    def in_mynetworks(self, peer: str) -> bool:
        """True when the client address `peer` is in `mynetworks`."""
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(
            address in ipaddress.ip_network(n, strict=False)
            for n in self.mynetworks
            if ipaddress.ip_network(n, strict=False).version == address.version
        )

    def relay_verdict(self, address: str, peer: str, authenticated: bool) -> str | None:
        """The reply refusing RCPT `address` from `peer`, or None when it may go on, after
        `relay_restrictions` (or `relay` when there are none), as Postfix decides it."""
        local = self.is_local(address)
        if self.relay_restrictions is None:
            refuse = self.relay == "refuse" and not authenticated and not local
            return Replies.RELAY_DENIED.format(address=address) if refuse else None
        for restriction in self.relay_restrictions:
            match restriction:
                case "permit":
                    return None
                case "permit_mynetworks":
                    if self.in_mynetworks(peer):
                        return None
                case "permit_sasl_authenticated":
                    if authenticated:
                        return None
                case "reject_unauth_destination":
                    if not local:
                        return Replies.RELAY_DENIED.format(address=address)
                case "defer_unauth_destination":
                    if not local:
                        return Replies.RELAY_DEFERRED.format(address=address)
                case _:
                    assert_never(restriction)
        return None

    def is_local(self, address: str) -> bool:
        """True when `address` is for one of the sandbox's own domains (or has no domain)."""
        domain = address.rpartition("@")[2].rstrip(".").lower()
        return not domain or any(
            domain == d or domain.endswith("." + d) for d in self.local_domains
        )


class _TlsUnavailable:
    """The server's TLS context when its key or certificate could not be loaded: STARTTLS is
    still offered and answered `454 4.7.0 TLS not available due to local problem`, as Postfix
    does (it advertises STARTTLS by its security level, not by whether its key loaded)."""

    verify_mode = ssl.CERT_NONE  # what aiosmtpd inspects of a context when a session starts
    check_hostname = False

    def __repr__(self) -> str:
        return "TLS_UNAVAILABLE"


TLS_UNAVAILABLE = _TlsUnavailable()

RELAY_SERVER = ServerPolicy(tls_level="may")
"""A public MX receiving server-to-server mail on port 25: STARTTLS offered, not required."""


class Replies:
    """The replies the sandbox adds to aiosmtpd's, named so tests read like the RFCs."""

    TLS_ALREADY_ACTIVE = "554 5.5.1 Error: TLS already active"  # B4
    TLS_NOT_AVAILABLE = "454 4.7.0 TLS not available due to local problem"  # B5
    STARTTLS_SYNTAX = "501 5.5.4 Syntax: STARTTLS"  # B5
    MUST_STARTTLS = "530 5.7.0 Must issue a STARTTLS command first"  # B6, C1
    AUTH_TOO_MANY_FAILURES = "421 4.7.0 {host} Error: too many failed authentication attempts"  # C3
    TOO_MANY_RECIPIENTS = "452 4.5.3 Error: too many recipients"  # D6
    TOO_MANY_CONNECTIONS = "421 4.7.0 {host} Error: too many connections"  # E3
    TIMEOUT = "421 4.4.2 {host} Error: timeout exceeded"  # E1, E2
    SESSION_TOO_LONG = "421 4.4.2 {host} Error: session time limit exceeded"  # E6
    TOO_MANY_UNRECOGNIZED = "502 5.5.1 Too many unrecognized commands, goodbye."  # D9
    TOO_MANY_ERRORS = "421 4.7.0 {host} Error: too many errors"  # D10
    RELAY_DENIED = "554 5.7.1 <{address}>: Relay access denied"  # K2
    RELAY_DEFERRED = "454 4.7.1 <{address}>: Relay access denied"  # defer_unauth_destination
    HELO_FIRST = "503 5.5.1 Error: send HELO/EHLO first"  # smtpd_helo_required
    AUTH_NOT_ENABLED = "503 5.5.1 Error: authentication not enabled"  # smtpd_sasl_auth_enable
    DATA_START = "354 End data with <CR><LF>.<CR><LF>"
    LINE_TOO_LONG = "500 5.5.2 Error: line too long (RFC 5321 4.5.3.1.6: 1000 octets)"  # D4
    MESSAGE_TOO_BIG = "552 5.3.4 Error: message file too big"  # D5
    BARE_NEWLINE = "550 5.5.2 Error: bare <CR> or <LF> received"  # D2
    QUEUED = "250 2.0.0 Ok: queued as {queue_id}"
    RCPT_OK = "250 2.1.5 Ok"
    INTERNAL_ERROR = "451 4.3.0 Error: internal error, see the sandbox log"
