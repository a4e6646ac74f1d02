"""What a finished lab session meant, worked out from its events alone (pure: no I/O).

    result = outcome(events, client_policy="may")
    result.sent, result.encrypted, result.to, result.read, result.why

Did the message go, was it encrypted, to whom (the real server or the attacker), what someone on
the path read of it (envelope, message, password), and one plain sentence why. It reads only the
session's facts (`sandbox.facts`), never the text of a notice. What "someone on the path" read is
what crossed the client's leg in plaintext (the tap's `WireLine`s) plus what an impersonating
attacker decrypted, which the attacks report with the `attacker_read` events made here.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sandbox.events import (
    AttackerInTls,
    AttackerRead,
    Exposure,
    NoTls,
    SandboxEvent,
)
from sandbox.facts import SessionFacts, session_facts
from sandbox.smtpreader import SmtpReader

# The attack modules beside this one import these from here.
__all__ = [
    "CELL_LEGEND",
    "Exposure",
    "Outcome",
    "Peer",
    "SmtpReader",
    "attacker_in_tls",
    "attacker_read",
    "outcome",
]

# --- what an attacker reports reading ----------------------------------------------------------


def attacker_read(what: Exposure, detail: str) -> AttackerRead:
    """The event an impersonating attacker emits for what it decrypted (`detail`: escaped)."""
    return AttackerRead(what=what, detail=detail)


def attacker_in_tls(detail: str) -> AttackerInTls:
    """The event an impersonating attacker emits once the client finished its handshake."""
    return AttackerInTls(detail=detail)


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
    why: str  # in English: `say_why(why_key, why_params)`
    why_key: str = ""  # a key of `WHY`, so a UI can say it in another language
    why_params: Mapping[str, str] = field(default_factory=dict, hash=False)

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
    return outcome_of(session_facts(events), client_policy=client_policy)


def outcome_of(facts: SessionFacts, *, client_policy: str | None = None) -> Outcome:
    """The outcome, from a session's facts."""
    sent = facts.sent
    key, params = _why(facts, client_policy)
    to = Peer.NOBODY if not sent else (Peer.ATTACKER if facts.attacker_in_tls else Peer.SERVER)
    return Outcome(
        scenario=facts.scenario,
        client_policy=client_policy,
        sent=sent,
        encrypted=sent and facts.last_message_in_tls,
        delivered=facts.delivered,
        to=to,
        read=facts.read,
        why=say_why(key, params),
        why_key=key,
        why_params=params,
    )


def _who(policy: str | None) -> str:
    if not policy:
        return "the client"
    return f"{'an' if policy[0] in 'aeiou' else 'a'} '{policy}' client"


_CHECKED = "; {who} checks it, so it hung up before sending anything."
WHY: dict[str, str] = {
    "failed.wrong-name": "The certificate came from a trusted CA but names another host; {who} "
    "checks the name too, so it hung up before sending anything.",
    "failed.untrusted": "The certificate was not issued by a CA the client trusts" + _CHECKED,
    "failed.expired": "The certificate is outside its validity period" + _CHECKED,
    "failed.bad-certificate": "The certificate did not verify" + _CHECKED,
    "failed.protocol-version": "Client and server share no TLS version, so {who} hung up "
    "before sending anything.",
    "failed.cut": "The TLS handshake was cut off, so {who} hung up before sending anything.",
    "failed.timeout": "The TLS handshake did not finish in time, so {who} hung up before "
    "sending anything.",
    "failed.other": "The TLS handshake failed, so {who} hung up before sending anything.",
    "injected-reply": "Plaintext followed the server's 220, where only TLS may come; the client "
    "refused to read it as if it came from inside TLS and hung up before sending anything.",
    "refused-530-attacker": "The attacker decrypted the envelope, but the server requires TLS "
    "and refused his plaintext relay with 530; a real attacker would start TLS to it as well.",
    "refused-530": "The server requires TLS and refused the plaintext MAIL with 530, so nothing "
    "was delivered; but the envelope had already crossed the wire readable.",
    "quit-no-tls": "{no_tls}; {who} requires TLS, so it quit before sending MAIL, RCPT or DATA.",
    "ended-early": "The session ended before the message was sent.",
    "mitm": "{Who} encrypted the mail but did not check the certificate, so it accepted the "
    "attacker's own; the attacker decrypted everything and passed it on.",
    "plain-never-tls": "This client never uses STARTTLS, so the mail crossed in plaintext and "
    "anyone on the path read it.",
    "plain-no-tls": "{no_tls}; {who} carries on in plaintext, so the attacker read the envelope "
    "and the message.",
    "plain": "The message crossed the wire in plaintext, readable by anyone on the path.",
    "injection-discarded": "The server discarded the plaintext the attacker slipped in after "
    "STARTTLS, and the mail went inside TLS to the real server.",
    "tls-verified": "The mail went inside TLS to the verified real server; the attacker saw only "
    "encrypted records.",
    "tls": "The mail went inside TLS to the real server; the attacker saw only encrypted records.",
}
"""Why an outcome is what it is, by key: `{who}` is the client (its policy), `{no_tls}` why it
had no TLS (`NO_TLS`, from the params `cause` and `code`). A UI says them in its own words."""

NO_TLS: dict[str, str] = {
    NoTls.STARTTLS_REFUSED: "STARTTLS was answered with {code}",
    NoTls.NOT_OFFERED: "STARTTLS was missing from the EHLO reply",
    NoTls.EHLO_REFUSED: "STARTTLS was missing from the EHLO reply",
    NoTls.NOT_STARTED: "No TLS was started",
}


def say_why(
    key: str,
    params: Mapping[str, str],
    *,
    why: Mapping[str, str] = WHY,
    no_tls: Mapping[str, str] = NO_TLS,
    who: Callable[[str | None], str] = _who,
) -> str:
    """The sentence for `key` from its params, with the tables of a language (English here)."""
    values = dict(params)
    values["who"] = said = who(params.get("policy") or None)
    values["Who"] = said[:1].upper() + said[1:]
    if "cause" in params:
        values["no_tls"] = no_tls[params["cause"]].format(**values)
    return why[key].format(**values)


def _why(facts: SessionFacts, policy: str | None) -> tuple[str, dict[str, str]]:
    """The reason's key and params; the first rule that fits wins."""
    params = {"policy": policy or ""}
    sent, attacker = facts.sent, facts.attacker_in_tls
    failure = facts.last_tls_failure
    if failure is not None:
        return f"failed.{failure.value}", params
    if facts.injected_reply and not sent:
        return "injected-reply", params
    missing = facts.tls_missing
    if missing is not None:
        params |= {"cause": missing.why.value, "code": str(missing.code)}
    if not sent:
        if facts.refused_530:
            return ("refused-530-attacker" if attacker else "refused-530"), params
        if missing is not None and missing.refused:
            return "quit-no-tls", params
        return "ended-early", params
    if attacker:
        return "mitm", params
    if not facts.last_message_in_tls:
        if policy == "none":
            return "plain-never-tls", params
        return ("plain-no-tls" if missing is not None else "plain"), params
    if facts.injection_discarded:
        return "injection-discarded", params
    return ("tls-verified" if facts.tls_verified else "tls"), params
