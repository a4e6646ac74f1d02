"""Lab goals: named conditions over a session's facts (`sandbox.facts`) that complete a lab step.

Each goal is a pure predicate over `SessionFacts`, the one fold of the events so far; the UI asks
`goal_met(name, events)` after each new event (or keeps a `FactsFolder` and asks
`GOALS[name].check(folder.facts)`). No goal reads the wording of a notice or a reason. Lessons name
goals (`goal: tls-established`) and the validator checks the names against `GOALS`, so the table in
lessons/README.md and this one must agree (a test checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sandbox.events import SandboxEvent, Side
from sandbox.facts import SessionFacts, session_facts


@dataclass(frozen=True, slots=True)
class Goal:
    name: str
    summary: str  # "met when ...", for the learner
    check: Callable[[SessionFacts], bool]


def session_complete(f: SessionFacts) -> bool:
    """A server `221` came after the client's QUIT."""
    return f.quit_answered


def tls_established(f: SessionFacts) -> bool:
    return f.tls_established


def certificate_verified(f: SessionFacts) -> bool:
    return f.tls_verified


def certificate_rejected(f: SessionFacts) -> bool:
    """A handshake failed because of the certificate (untrusted CA, wrong name, expired...)."""
    return f.certificate_rejected


def ehlo_after_tls(f: SessionFacts) -> bool:
    return f.ehlo_in_tls


def message_delivered(f: SessionFacts) -> bool:
    return f.delivered


def message_delivered_over_tls(f: SessionFacts) -> bool:
    return any(d.tls for d in f.deliveries)


def auth_seen_in_clear(f: SessionFacts) -> bool:
    """AUTH crossed the wire readable: the client said it in plaintext, or the wire showed it."""
    return f.auth_in_clear


def auth_inside_tls(f: SessionFacts) -> bool:
    """The server answered `235` (authenticated) inside TLS, and AUTH never went in the clear."""
    return f.auth_ok_in_tls and not f.auth_in_clear


def mail_withheld(f: SessionFacts) -> bool:
    """The session ended without the client ever sending MAIL, and without a verified TLS
    session: the client stopped because the TLS its policy requires was missing or failed."""
    return f.closed and not f.mail_sent and not f.delivered and not f.tls_verified


def injection_discarded(f: SessionFacts) -> bool:
    """Plaintext was injected around STARTTLS (flagged on the wire), and it had no effect: the
    server said nothing inside TLS before the client spoke there, and no message came from an
    injected MAIL FROM. Met once the client has spoken inside TLS or the session has ended."""
    if not f.injected:
        return False
    if any(d.mail_from in f.injected_senders for d in f.deliveries):
        return False
    if f.first_in_tls is not None:
        return f.first_in_tls is Side.CLIENT  # the first word inside TLS must be the client's
    return f.closed


_NO_POLICY = frozenset(
    {"dane.unsigned", "dane.none", "sts.none", "sts.fetch", "sts.mode-none", "plain"}
)
"""What a lab world's client decided when it found no policy it could use (`sandbox.notices`)."""


def sent_and_reported(f: SessionFacts) -> bool:
    """A lab world's client delivered, and wrote a TLS-RPT report of what failed (MTA-STS
    `testing`: RFC 8461 5, the policy only reports)."""
    return f.delivered and bool(f.reported)


def withheld_and_reported(f: SessionFacts) -> bool:
    """A lab world's client sent nothing, and wrote a TLS-RPT report of why (MTA-STS
    `enforce`, DANE with a signed zone)."""
    return mail_withheld(f) and bool(f.reported)


def policy_ignored(f: SessionFacts) -> bool:
    """A lab world's client found no policy it could use (an unsigned zone, no record, a failed
    fetch), acted as opportunistic TLS, and the message was delivered."""
    return f.decided in _NO_POLICY and f.delivered


def dane_matched(f: SessionFacts) -> bool:
    """A lab world's DANE client found signed TLSA records and the message went inside TLS:
    its own check let the handshake through only for a certificate that matched a record."""
    return f.decided == "dane.signed" and any(d.tls for d in f.deliveries)


GOALS: dict[str, Goal] = {
    g.name: g
    for g in (
        Goal("session-complete", "the session ended cleanly (221 after QUIT)", session_complete),
        Goal("tls-established", "a TLS handshake completed", tls_established),
        Goal(
            "certificate-verified",
            "a TLS handshake completed and the client verified the certificate and name",
            certificate_verified,
        ),
        Goal(
            "certificate-rejected",
            "a TLS handshake failed because the certificate did not verify",
            certificate_rejected,
        ),
        Goal("ehlo-after-tls", "the client sent EHLO again inside TLS", ehlo_after_tls),
        Goal("message-delivered", "the sandbox accepted a message", message_delivered),
        Goal(
            "message-delivered-over-tls",
            "the sandbox accepted a message that travelled inside TLS",
            message_delivered_over_tls,
        ),
        Goal(
            "auth-seen-in-clear",
            "AUTH crossed the wire in plaintext (the danger, shown on purpose)",
            auth_seen_in_clear,
        ),
        Goal("auth-inside-tls", "AUTH succeeded, and only inside TLS", auth_inside_tls),
        Goal(
            "mail-withheld",
            "the client refused to send mail without the TLS its policy requires",
            mail_withheld,
        ),
        Goal(
            "injection-discarded",
            "plaintext injected around STARTTLS was flagged and had no effect",
            injection_discarded,
        ),
        Goal(
            "sent-and-reported",
            "the lab world's client delivered, and a TLS-RPT report says what failed",
            sent_and_reported,
        ),
        Goal(
            "withheld-and-reported",
            "the lab world's client sent nothing, and a TLS-RPT report says why",
            withheld_and_reported,
        ),
        Goal(
            "policy-ignored",
            "the lab world's client found no usable policy, fell back to opportunistic TLS "
            "and delivered",
            policy_ignored,
        ),
        Goal(
            "dane-matched",
            "the lab world's DANE client found signed TLSA records, the certificate matched "
            "one, and the message went inside TLS",
            dane_matched,
        ),
    )
}


def goal_names() -> tuple[str, ...]:
    return tuple(GOALS)


def goal_met(name: str, events: Iterable[SandboxEvent]) -> bool:
    """Whether goal `name` is met by `events`; KeyError for an unknown name."""
    goal = GOALS[name]
    return goal.check(session_facts(events))
