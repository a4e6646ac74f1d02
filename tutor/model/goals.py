"""Lab goals: named conditions over a session's events (`sandbox.events`) that complete a lab step.

Each goal is a pure predicate over the events so far, in the order they were emitted; the UI asks
`goal_met(name, events)` after each new event. Lessons name goals (`goal: tls-established`) and the
validator checks the names against `GOALS`, so the table in lessons/README.md and this one must
agree (a test checks it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sandbox.events import (
    ConversationLine,
    Event,
    MessageDelivered,
    SessionClosed,
    Side,
    TlsEstablished,
    TlsFailed,
    WireLine,
)

Events = Sequence[Event]


@dataclass(frozen=True, slots=True)
class Goal:
    name: str
    summary: str  # "met when ...", for the learner
    check: Callable[[Events], bool]


def _verb(text: str) -> str:
    words = text.split(maxsplit=1)
    return words[0].upper() if words else ""


def _said(events: Events, sender: Side) -> list[ConversationLine]:
    return [e for e in events if isinstance(e, ConversationLine) and e.sender is sender]


def session_complete(events: Events) -> bool:
    """A server `221` came after the client's QUIT."""
    quit_seen = False
    for e in events:
        if isinstance(e, ConversationLine):
            if e.sender is Side.CLIENT and _verb(e.text) == "QUIT":
                quit_seen = True
            elif quit_seen and e.sender is Side.SERVER and e.text.startswith("221"):
                return True
    return False


def tls_established(events: Events) -> bool:
    return any(isinstance(e, TlsEstablished) for e in events)


def certificate_verified(events: Events) -> bool:
    return any(isinstance(e, TlsEstablished) and e.verified for e in events)


def certificate_rejected(events: Events) -> bool:
    """A handshake failed and its reason names the certificate (OpenSSL says "certificate verify
    failed", for an unknown CA and for a wrong name alike)."""
    return any(isinstance(e, TlsFailed) and "certificate" in e.reason.casefold() for e in events)


def ehlo_after_tls(events: Events) -> bool:
    return any(e.tls and _verb(e.text) == "EHLO" for e in _said(events, Side.CLIENT))


def message_delivered(events: Events) -> bool:
    return any(isinstance(e, MessageDelivered) for e in events)


def message_delivered_over_tls(events: Events) -> bool:
    return any(isinstance(e, MessageDelivered) and e.tls for e in events)


def _auth_in_clear(events: Events) -> bool:
    said = any(not e.tls and _verb(e.text) == "AUTH" for e in _said(events, Side.CLIENT))
    seen = any(
        isinstance(e, WireLine) and e.sender is Side.CLIENT and _verb(e.text) == "AUTH"
        for e in events
    )
    return said or seen


def auth_seen_in_clear(events: Events) -> bool:
    """AUTH crossed the wire readable: the client said it in plaintext, or the tap saw it."""
    return _auth_in_clear(events)


def auth_inside_tls(events: Events) -> bool:
    """The server answered `235` (authenticated) inside TLS, and AUTH never went in the clear."""
    ok = any(e.tls and e.text.startswith("235") for e in _said(events, Side.SERVER))
    return ok and not _auth_in_clear(events)


def mail_withheld(events: Events) -> bool:
    """The session ended without the client ever sending MAIL, and without a verified TLS
    session: the client stopped because the TLS its policy requires was missing or failed."""
    if not any(isinstance(e, SessionClosed) for e in events):
        return False
    if any(_verb(e.text) == "MAIL" for e in _said(events, Side.CLIENT)):
        return False
    if any(
        isinstance(e, WireLine) and e.sender is Side.CLIENT and _verb(e.text) == "MAIL"
        for e in events
    ):
        return False
    return not message_delivered(events) and not certificate_verified(events)


_ADDRESS = re.compile(r"<([^>]*)>")


def injection_discarded(events: Events) -> bool:
    """Plaintext was injected around STARTTLS (the tap flagged it), and it had no effect: the
    server said nothing inside TLS before the client spoke there, and no message came from an
    injected MAIL FROM. Met once the client has spoken inside TLS or the session has ended."""
    injected = [e for e in events if isinstance(e, WireLine) and e.injected]
    if not injected:
        return False
    evil = {
        m.group(1)
        for e in injected
        if _verb(e.text) == "MAIL"
        for m in [_ADDRESS.search(e.text)]
        if m
    }
    if any(isinstance(e, MessageDelivered) and e.mail_from in evil for e in events):
        return False
    for e in events:
        if isinstance(e, ConversationLine) and e.tls:
            return e.sender is Side.CLIENT  # the first word inside TLS must be the client's
    return any(isinstance(e, SessionClosed) for e in events)


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
    )
}


def goal_names() -> tuple[str, ...]:
    return tuple(GOALS)


def goal_met(name: str, events: Events) -> bool:
    """Whether goal `name` is met by `events`; KeyError for an unknown name."""
    return GOALS[name].check(events)
