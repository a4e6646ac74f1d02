"""What `smtp-tutor check` sees of a server: the probes, run one after another.

At most eight connections (N2): the main session (banner, EHLO, MAIL FROM:<> and RSET, STARTTLS,
the certificate chain, EHLO inside TLS, STARTTLS again inside TLS), one per TLS version, two for
weak TLS 1.2 suites, one for the CVE-2011-0411 probe. No mail is ever sent: one MAIL FROM:<>
(then RSET), never RCPT or DATA (N1). What the probes saw is `Observations`, plain data;
`sandbox/check/findings.py` judges it.
"""

from __future__ import annotations

import ssl
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from sandbox.check.probe import (
    CHECK_TIMEOUTS,
    EHLO_NAME,
    TIMEOUT,
    Budget,
    CheckError,
    Conn,
    Reply,
    Target,
    connect,
    probe_context,
    unverified_chain,
)

Mode = Literal["starttls", "implicit"]
Role = Literal["mx", "submission", "other"]
ROLES: tuple[Role, ...] = ("mx", "submission", "other")
# unread: the server answered the version, but its handshake could not be read here (a 1 MB
# certificate): not a refusal, and not this machine's OpenSSL declining to offer it
Outcome = Literal["accepted", "refused", "untestable", "unread", "not_reached"]
WeakKind = Literal["cbc", "no_pfs"]
VERSIONS: tuple[tuple[str, str], ...] = (
    ("1.0", "TLSv1"),
    ("1.1", "TLSv1_1"),
    ("1.2", "TLSv1_2"),
    ("1.3", "TLSv1_3"),
)
# OpenSSL's own reasons for a handshake it would not even start: this machine, not the server
_LOCAL_REASONS = ("NO_PROTOCOLS_AVAILABLE", "NO_CIPHERS_AVAILABLE", "NO_SUITABLE")
# OpenSSL failing on what the server sent after it chose the version (an alert is the server's)
_UNREAD_REASONS = ("EXCESSIVE_MESSAGE_SIZE", "LENGTH_MISMATCH", "ASN1", "X509")


@dataclass(frozen=True, slots=True)
class VersionProbe:
    version: str  # "1.0" ... "1.3"
    outcome: Outcome
    cipher: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class WeakProbe:
    kind: WeakKind
    outcome: Outcome
    cipher: str | None = None


@dataclass
class Observations:
    """Everything the probes saw; nothing judged yet."""

    target: Target
    mode: Mode
    name: str  # the name the certificate should cover (--name, else the host)
    role: Role = "other"  # a public MX (port 25) or submission (587, 465): what is right differs
    banner: Reply | None = None
    ehlo: tuple[str, ...] = ()  # the EHLO keywords before TLS (upper case), e.g. "AUTH PLAIN"
    starttls_offered: bool = False
    starttls_reply: int | None = None  # the answer to STARTTLS (220 when it goes ahead)
    mail_before_tls: Reply | None = None  # the answer to MAIL FROM:<> before TLS
    tls_version: str | None = None  # the main handshake, the client offering every version
    cipher: str | None = None
    handshake_error: str | None = None
    chain: tuple[bytes, ...] = ()  # DER, as sent
    ehlo_tls: tuple[str, ...] = ()
    starttls_in_tls: int | None = None  # the reply code to STARTTLS sent inside TLS
    injection_answered: bool | None = None  # CVE-2011-0411: NOOP answered inside TLS
    versions: tuple[VersionProbe, ...] = ()
    weak: tuple[WeakProbe, ...] = ()
    connections: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def tls_required(self) -> bool | None:
        """MAIL before TLS refused for want of TLS (Postfix's and Exchange's 530 5.7.0 Must
        issue a STARTTLS command first); None when not asked."""
        reply = self.mail_before_tls
        if reply is None:
            return None
        return reply.code == 530 and "STARTTLS" in reply.text.upper()

    @property
    def auth_before_tls(self) -> tuple[str, ...]:
        """The AUTH mechanisms offered in plaintext (none with implicit TLS)."""
        if self.mode == "implicit":
            return ()
        for kw in self.ehlo:
            if kw.startswith("AUTH ") or kw.startswith("AUTH="):
                return tuple(kw[5:].split())
        return ()

    def version(self, name: str) -> VersionProbe | None:
        return next((v for v in self.versions if v.version == name), None)


def _keywords(reply: Reply) -> tuple[str, ...]:
    return tuple(line.strip().upper() for line in reply.lines[1:]) if reply.code == 250 else ()


def _tls_version(name: str) -> ssl.TLSVersion:
    with warnings.catch_warnings():  # TLSv1 and TLSv1_1 are deprecated names: we probe them
        warnings.simplefilter("ignore", DeprecationWarning)
        return getattr(ssl.TLSVersion, name)  # type: ignore[no-any-return]


def _local_refusal(error: ssl.SSLError) -> bool:
    return any(r in str(error).upper() for r in _LOCAL_REASONS)


def _unread(error: ssl.SSLError) -> bool:
    said = str(error).upper()
    return "ALERT" not in said and any(r in said for r in _UNREAD_REASONS)


def _short(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    reason = getattr(error, "reason", None)
    return str(reason or error.__class__.__name__).lower().replace("_", " ")


class Prober:
    """The probes against one target; each opens its own connection."""

    def __init__(self, target: Target, mode: Mode, name: str, *, timeout: float = TIMEOUT) -> None:
        self.obs = Observations(target, mode, name)
        self.budget = Budget(seconds=CHECK_TIMEOUTS * timeout)
        self.timeout = timeout

    # --- one session up to TLS ------------------------------------------------------------------

    def _open(self, ctx: ssl.SSLContext | None) -> tuple[Conn, Reply | None]:
        """A connection, greeted (banner, EHLO) and, with `ctx`, in TLS; for STARTTLS the
        reply to it is returned (None when it was not 220 or when TLS is implicit)."""
        conn = connect(self.obs.target, self.budget, self.timeout)
        try:
            if self.obs.mode == "implicit":
                if ctx is not None:
                    conn.start_tls(ctx, self._sni)
                conn.reply()  # the banner, inside TLS
                return conn, None
            conn.reply()
            conn.command(f"EHLO {EHLO_NAME}")
            if ctx is None:
                return conn, None
            answer = conn.command("STARTTLS")
            if answer.code == 220:
                conn.start_tls(ctx, self._sni)
            return conn, answer
        except BaseException:
            conn.sock.close()
            raise

    @property
    def _sni(self) -> str | None:
        name = self.obs.name
        return None if not name or name.replace(".", "").isdigit() or ":" in name else name

    # --- the probes -------------------------------------------------------------------------------

    def main_session(self) -> None:
        """Banner, EHLO, STARTTLS, the handshake offering everything, the chain, EHLO and
        STARTTLS again inside TLS."""
        obs = self.obs
        conn = connect(obs.target, self.budget, self.timeout)
        try:
            if obs.mode == "implicit":
                self._handshake(conn)
                if conn.tls is None:
                    return
                obs.banner = conn.reply()
            else:
                obs.banner = conn.reply()
                if obs.banner.code != 220:
                    return
                ehlo = conn.command(f"EHLO {EHLO_NAME}")
                obs.ehlo = _keywords(ehlo)
                obs.starttls_offered = "STARTTLS" in obs.ehlo
                obs.mail_before_tls = self._mail_probe(conn)
                if not obs.starttls_offered:
                    return
                answer = conn.command("STARTTLS")
                obs.starttls_reply = answer.code
                if answer.code != 220:
                    return
                self._handshake(conn)
                if conn.tls is None:
                    return
            obs.ehlo_tls = _keywords(conn.command(f"EHLO {EHLO_NAME}"))
            if obs.mode == "starttls":
                again = conn.command("STARTTLS")
                obs.starttls_in_tls = again.code
                if again.code == 220:
                    return  # it waits for a second handshake: this connection is done
        finally:
            conn.close()

    @staticmethod
    def _mail_probe(conn: Conn) -> Reply:
        """MAIL FROM with the null sender, then RSET: is a transaction allowed before TLS?
        The most `check` ever says toward mail; no RCPT, no DATA (N1)."""
        answer = conn.command("MAIL FROM:<>")
        if answer.code == 250:
            conn.command("RSET")
        return answer

    def _handshake(self, conn: Conn) -> None:
        obs = self.obs
        try:
            tls = conn.start_tls(probe_context(), self._sni)
        except (ssl.SSLError, OSError) as exc:
            obs.handshake_error = _short(exc)
            return
        obs.tls_version = (tls.version() or "").replace("TLSv", "") or None
        obs.cipher = (tls.cipher() or (None,))[0]
        obs.chain = unverified_chain(tls)

    def tls_ready(self) -> bool:
        """STARTTLS offered and answered 220 (or implicit TLS that got a banner)."""
        obs = self.obs
        if obs.mode == "implicit":
            return obs.tls_version is not None or obs.handshake_error is not None
        return obs.starttls_reply == 220

    def _try(self, ctx: ssl.SSLContext) -> tuple[Outcome, str | None, str]:
        try:
            conn, answer = self._open(ctx)
        except CheckError as exc:
            if exc.kind in ("closed", "timeout"):
                return "refused", None, exc.detail
            raise
        except ssl.SSLError as exc:
            if _local_refusal(exc):
                return "untestable", None, _short(exc)
            if _unread(exc):
                return "unread", None, _short(exc)
            return "refused", None, _short(exc)
        except OSError as exc:
            return "refused", None, _short(exc)
        try:
            if conn.tls is None:
                code = answer.code if answer else 0
                return "not_reached", None, f"STARTTLS answered {code}"
            return "accepted", (conn.tls.cipher() or (None,))[0], ""
        finally:
            conn.close()

    def versions(self) -> None:
        out = []
        for label, attr in VERSIONS:
            version = _tls_version(attr)
            try:
                ctx = probe_context(version)
            except (ValueError, ssl.SSLError) as exc:
                out.append(VersionProbe(label, "untestable", None, _short(exc)))
                continue
            outcome, cipher, detail = self._try(ctx)
            out.append(VersionProbe(label, outcome, cipher, detail))
        self.obs.versions = tuple(out)

    def weak_suites(self) -> None:
        """TLS 1.2 with only CBC (non-AEAD) suites offered, then only static-RSA (no forward
        secrecy) ones: does the server take any?"""
        v12 = self.obs.version("1.2")
        if v12 is None or v12.outcome != "accepted":
            return
        out = []
        for kind, pick in _WEAK.items():
            names = [c["name"] for c in probe_context().get_ciphers() if pick(dict(c))]
            try:
                ctx = probe_context(ssl.TLSVersion.TLSv1_2, ":".join(names) + ":@SECLEVEL=0")
            except ssl.SSLError:
                out.append(WeakProbe(kind, "untestable"))
                continue
            outcome, cipher, _ = self._try(ctx)
            out.append(WeakProbe(kind, outcome, cipher))
        self.obs.weak = tuple(out)

    def injection(self) -> None:
        """CVE-2011-0411: `STARTTLS` and `NOOP` in one write. A server that discards the
        plaintext NOOP answers nothing for it; one that kept it answers it inside TLS. No mail:
        NOOP changes nothing on the server."""
        if self.obs.mode != "starttls" or self.obs.starttls_reply != 220:
            return
        conn = connect(self.obs.target, self.budget, self.timeout)
        try:
            conn.reply()
            conn.command(f"EHLO {EHLO_NAME}")
            conn.send_raw(b"STARTTLS\r\nNOOP\r\n")
            if conn.reply().code != 220:
                return
            try:
                tls = conn.start_tls(probe_context(), self._sni)
            except (ssl.SSLError, OSError):
                return
            del tls
            # QUIT inside TLS: a server that discarded the plaintext NOOP answers it first
            # (221); one that kept the NOOP answers that first (250). No timing involved.
            try:
                first = conn.command("QUIT")
            except CheckError as exc:
                self.obs.notes.append(f"injection probe: {exc.detail}")
                return
            self.obs.injection_answered = first.code != 221
        finally:
            conn.close()


_WEAK: dict[WeakKind, Callable[[dict[str, object]], bool]] = {
    "cbc": lambda c: (
        not c["aead"] and c["protocol"] != "TLSv1.3" and "psk" not in str(c["kea"])
        and c["auth"] != "auth-null"
    ),
    "no_pfs": lambda c: c["kea"] == "kx-rsa",
}  # fmt: skip


def observe(
    host: str,
    port: int,
    *,
    mode: Mode = "starttls",
    name: str | None = None,
    timeout: float = TIMEOUT,
    role: Role | None = None,
) -> Observations:
    """Run every probe against `host:port`. Raises `CheckError` when the server cannot be
    reached or is not SMTP (the first connection decides)."""
    prober = Prober(Target(host, port), mode, name or host, timeout=timeout)
    prober.obs.role = role or default_role(port)
    prober.main_session()
    if prober.tls_ready():
        prober.versions()
        prober.weak_suites()
        prober.injection()
    prober.obs.connections = prober.budget.used
    return prober.obs


def default_role(port: int) -> Role:
    return "mx" if port == 25 else "submission" if port in (465, 587) else "other"
