"""What a finished lab session meant, worked out from its events alone (pure: no I/O).

    result = outcome(events, client_policy="may")
    result.sent, result.encrypted, result.to, result.read, result.why

Did the message go, was it encrypted, to whom (the real server or the attacker), what someone on
the path read of it (envelope, message, password), and one plain sentence why. What "someone on
the path" read is what crossed the client's leg in plaintext (the tap's `WireLine`s) plus what an
impersonating attacker decrypted, which the attack reports with `attacker_read` notices (the
format lives here, so the attacks and this module never disagree).

`CLIENT_POLICIES` names each client policy as Postfix (`smtp_tls_security_level`) and an Exchange
send connector say it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sandbox.events import (
    ConversationLine,
    Level,
    MessageDelivered,
    Notice,
    SandboxEvent,
    SessionStarted,
    Side,
    TlsEstablished,
    TlsFailed,
    WireLine,
)

# --- the policies, as admins know them ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicyNames:
    postfix: str  # main.cf
    exchange: str  # Set-SendConnector parameters
    in_short: str  # what it does, for a table legend


CLIENT_POLICIES: dict[str, PolicyNames] = {
    "none": PolicyNames(
        "smtp_tls_security_level = none",
        "-IgnoreSTARTTLS $true",
        "never uses TLS",
    ),
    "may": PolicyNames(
        "smtp_tls_security_level = may",
        "-RequireTLS $false (the default: opportunistic)",
        "TLS if offered, any certificate; else plaintext",
    ),
    "encrypt": PolicyNames(
        "smtp_tls_security_level = encrypt",
        "-RequireTLS $true -TlsAuthLevel EncryptionOnly",
        "TLS required, any certificate",
    ),
    "verify": PolicyNames(
        "smtp_tls_security_level = verify",
        "-RequireTLS $true -TlsAuthLevel DomainValidation -TlsDomain <MX host name>",
        "TLS required, trusted CA and the MX host name",
    ),
    "secure": PolicyNames(
        "smtp_tls_security_level = secure",
        "-RequireTLS $true -TlsAuthLevel DomainValidation (the recipient domain)",
        "TLS required, trusted CA and the next-hop domain",
    ),
}
"""Exchange's `CertificateValidation` checks the chain but not the name: like no Postfix level, it
would accept `impersonate-wrong-name`. The sandbox's `verify` and `secure` both check the name."""

# --- what an attacker reports reading ----------------------------------------------------------


class Exposure(enum.StrEnum):
    ENVELOPE = "envelope"  # MAIL FROM / RCPT TO
    MESSAGE = "message"  # the DATA body: headers and text
    PASSWORD = "password"  # AUTH credentials (base64 is no protection)


_READ = "Attacker decrypted the "
ATTACKER_IN_TLS = "The attacker holds the client's TLS session"


def attacker_read(what: Exposure, detail: str) -> Notice:
    """The notice an impersonating attacker emits for what it decrypted (`detail`: escaped)."""
    return Notice(level=Level.ATTACK, text=f"{_READ}{what.value}: {detail}")


def attacker_in_tls(detail: str) -> Notice:
    """The notice an impersonating attacker emits once the client finished its handshake."""
    return Notice(level=Level.ATTACK, text=f"{ATTACKER_IN_TLS}: {detail}")


def _reported(event: SandboxEvent) -> Exposure | None:
    if not (isinstance(event, Notice) and event.level is Level.ATTACK):
        return None
    if event.text.startswith(_READ):
        try:
            return Exposure(event.text[len(_READ) :].partition(":")[0])
        except ValueError:
            return None
    return None


def _attacker_in_tls(events: Iterable[SandboxEvent]) -> bool:
    return any(
        isinstance(e, Notice) and e.level is Level.ATTACK and e.text.startswith(ATTACKER_IN_TLS)
        for e in events
    )


# --- following a conversation ------------------------------------------------------------------


def _verb(text: str) -> str:
    words = text.split(maxsplit=1)
    return words[0].upper() if words else ""


def _final_code(line: str) -> str | None:
    """The code of a reply's last line ("250 OK", "250"); None for "250-..." or a non-reply."""
    if len(line) >= 3 and line[:3].isdigit() and (len(line) == 3 or line[3] == " "):
        return line[:3]
    return None


class SmtpReader:
    """Follows one SMTP conversation line by line, and says what each client line gives away.

    Feed it both sides in order: `server(line)` for reply lines, `client(line)` for what the
    client said; `client` returns the `Exposure` that line reveals, if any. `messages` counts the
    messages whose final "." the client sent (after a 354).
    """

    def __init__(self) -> None:
        self.in_data = False
        self._auth_sent = False  # AUTH went; its reply decides whether a credential line follows
        self._credential_next = False  # the server said 334: the next client line is a secret
        self.messages = 0

    def server(self, line: str) -> None:
        code = _final_code(line)
        if code is None:
            return
        if code == "354":
            self.in_data = True
        self._credential_next = self._auth_sent and code == "334"
        if code != "334":
            self._auth_sent = False

    def client(self, line: str) -> Exposure | None:
        if self.in_data:
            if line == ".":
                self.in_data = False
                self.messages += 1
                return None
            return Exposure.MESSAGE
        if self._credential_next:
            self._credential_next = False
            return Exposure.PASSWORD
        verb = _verb(line)
        if verb == "AUTH":
            self._auth_sent = True
            # "AUTH LOGIN" alone gives nothing away; "AUTH PLAIN <token>" carries the password.
            return Exposure.PASSWORD if len(line.split()) > 2 else None
        if verb in ("MAIL", "RCPT"):
            return Exposure.ENVELOPE
        return None


# --- the outcome -------------------------------------------------------------------------------


class Peer(enum.StrEnum):
    SERVER = "the real server"
    ATTACKER = "the attacker"
    NOBODY = "nobody"


@dataclass(frozen=True, slots=True)
class Outcome:
    scenario: str
    client_policy: str | None
    sent: bool  # the client sent the whole message (its final ".")
    encrypted: bool  # ... inside TLS
    delivered: bool  # the sandbox server stored it
    to: Peer  # whom the client really handed it to
    read: frozenset[Exposure]  # what someone on the path read
    why: str

    @property
    def safe(self) -> bool:
        """Nothing was read, whatever happened to the mail."""
        return not self.read

    @property
    def cell(self) -> str:
        """A matrix cell, at most 10 characters."""
        if not self.sent:
            return "not sent" if self.safe else "not sent!"
        if self.safe:
            return "TLS, safe"
        if self.to is Peer.ATTACKER:
            return "MITM READ"
        return "TLS READ" if self.encrypted else "plain READ"

    def summary(self) -> str:
        """Two short lines for the end of a demo: the facts, then why."""
        if self.sent:
            how = "inside TLS" if self.encrypted else "in PLAINTEXT"
            went = f"the message went {how} to {self.to.value}"
            if self.to is Peer.ATTACKER:
                went += ", who passed it on" if self.delivered else ", who kept it"
        else:
            went = "the message was not sent"
        read = ", ".join(e.value for e in Exposure if e in self.read) or "nothing"
        return f"Outcome: {went}; the attacker read: {read}.\nWhy: {self.why}"


CELL_LEGEND = (
    ("plain READ", "sent in plaintext: the attacker read it"),
    ("MITM READ", "sent inside TLS, but to the attacker, who decrypted it"),
    ("TLS, safe", "sent inside TLS to the real server: nothing readable"),
    ("not sent", "the client refused to send: the mail waits, nothing read"),
    ("not sent!", "not sent, but something (e.g. the envelope) crossed readable"),
)


def outcome(events: Sequence[SandboxEvent], *, client_policy: str | None = None) -> Outcome:
    """The outcome of one finished session (see the module docstring)."""
    scenario = next((e.scenario for e in events if isinstance(e, SessionStarted)), "")
    facts = _Facts(events)
    attacker = _attacker_in_tls(events)
    sent = facts.said.messages > 0
    to = Peer.NOBODY if not sent else (Peer.ATTACKER if attacker else Peer.SERVER)
    return Outcome(
        scenario=scenario,
        client_policy=client_policy,
        sent=sent,
        encrypted=sent and facts.sent_in_tls,
        delivered=any(isinstance(e, MessageDelivered) for e in events),
        to=to,
        read=frozenset(facts.read),
        why=_why(facts, client_policy, sent=sent, attacker=attacker),
    )


class _Facts:
    """What the events show, gathered in one pass."""

    def __init__(self, events: Sequence[SandboxEvent]) -> None:
        self.read: set[Exposure] = set()
        self.said = SmtpReader()  # the client's own account of the conversation
        self.sent_in_tls = False
        self.tls_failed: str | None = None
        self.tls_verified = False
        self.offered_starttls = False  # the EHLO reply the client got listed STARTTLS
        self.starttls_reply: str | None = None  # the code answering the client's STARTTLS
        self.refused_530 = False
        self.injected_reply = False  # plaintext after the 220 reached the client (F3)
        self.injection_discarded = False  # the server threw away plaintext after STARTTLS (B1)
        wire = SmtpReader()
        asked_starttls = False
        for e in events:
            if isinstance(e, WireLine):
                if e.injected:
                    self.injected_reply |= e.sender is Side.SERVER
                elif e.sender is Side.SERVER:
                    wire.server(e.text)
                elif (exposure := wire.client(e.text)) is not None:
                    self.read.add(exposure)
            elif isinstance(e, ConversationLine):
                if e.sender is Side.CLIENT:
                    before = self.said.messages
                    self.said.client(e.text)
                    if self.said.messages > before:
                        self.sent_in_tls = e.tls
                    asked_starttls = _verb(e.text) == "STARTTLS" and not e.tls
                    continue
                self.said.server(e.text)
                self.refused_530 |= e.text.startswith("530")
                if not e.tls and e.text[4:].strip().upper() == "STARTTLS":
                    self.offered_starttls = True
                if asked_starttls and (code := _final_code(e.text)) is not None:
                    self.starttls_reply, asked_starttls = code, False
            elif isinstance(e, Notice):
                if (exposure := _reported(e)) is not None:
                    self.read.add(exposure)
                elif e.level is Level.WARNING and "discarded" in e.text:
                    self.injection_discarded = True
            elif isinstance(e, TlsFailed):
                self.tls_failed = e.reason
            elif isinstance(e, TlsEstablished):
                self.tls_verified |= e.verified


def _who(policy: str | None) -> str:
    if not policy:
        return "the client"
    return f"{'an' if policy[0] in 'aeiou' else 'a'} '{policy}' client"


def _why(facts: _Facts, policy: str | None, *, sent: bool, attacker: bool) -> str:
    """One plain sentence; the first rule that fits wins."""
    who = _who(policy)
    if facts.tls_failed is not None:
        if "mismatch" in facts.tls_failed.casefold():
            return (
                "The certificate came from a trusted CA but names another host; "
                f"{who} checks the name too, so it hung up before sending anything."
            )
        return (
            "The certificate was not issued by a CA the client trusts; "
            f"{who} checks it, so it hung up before sending anything."
        )
    if facts.injected_reply and not sent:
        return (
            "Plaintext followed the server's 220, where only TLS may come; the client refused "
            "to read it as if it came from inside TLS and hung up before sending anything."
        )
    refused = facts.starttls_reply not in (None, "220")
    if not sent:
        if facts.refused_530 and attacker:
            return (
                "The attacker decrypted the envelope, but the server requires TLS and refused "
                "his plaintext relay with 530; a real attacker would start TLS to it as well."
            )
        if facts.refused_530:
            return (
                "The server requires TLS and refused the plaintext MAIL with 530, so nothing "
                "was delivered; but the envelope had already crossed the wire readable."
            )
        if refused:
            return (
                f"STARTTLS was answered with {facts.starttls_reply}; {who} requires TLS, "
                "so it quit before sending MAIL, RCPT or DATA."
            )
        if not facts.offered_starttls:
            return (
                f"STARTTLS was missing from the EHLO reply; {who} requires TLS, "
                "so it quit before sending MAIL, RCPT or DATA."
            )
        return "The session ended before the message was sent."
    if attacker:
        return (
            f"{who.capitalize()} encrypted the mail but did not check the certificate, so it "
            "accepted the attacker's own; the attacker decrypted everything and passed it on."
        )
    if not facts.sent_in_tls:
        if policy == "none":
            return (
                "This client never uses STARTTLS, so the mail crossed in plaintext and anyone "
                "on the path read it."
            )
        if refused:
            return (
                f"STARTTLS was answered with {facts.starttls_reply}; {who} carries on in "
                "plaintext, so the attacker read the envelope and the message."
            )
        if not facts.offered_starttls:
            return (
                f"STARTTLS was missing from the EHLO reply; {who} carries on in plaintext, "
                "so the attacker read the envelope and the message."
            )
        return "The message crossed the wire in plaintext, readable by anyone on the path."
    if facts.injection_discarded:
        return (
            "The server discarded the plaintext the attacker slipped in after STARTTLS, and the "
            "mail went inside TLS to the real server."
        )
    checked = "the verified real server" if facts.tls_verified else "the real server"
    return f"The mail went inside TLS to {checked}; the attacker saw only encrypted records."
