"""A session's facts: one pure fold over its events (`sandbox.events`).

    facts = session_facts(events)          # the whole session at once
    folder = FactsFolder()                 # or event by event, as a live lab sees them
    folder.add(event); folder.facts

Everything a result depends on comes from typed fields: reply codes, verbs, TLS failure causes,
what an attacker read, a command the server discarded. Free text (notices, reasons) is never
read, so rewording a sentence cannot change a result. The threat lab's outcome
(`sandbox.threats.outcome`) and the lessons' goals (`tutor.model.goals`) both read these facts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import assert_never

from sandbox.events import (
    AttackerInTls,
    AttackerRead,
    ConversationLine,
    Exposure,
    InjectionDiscarded,
    MessageDelivered,
    Notice,
    PolicyDecided,
    SandboxEvent,
    SessionClosed,
    SessionStarted,
    Side,
    TlsEstablished,
    TlsFailed,
    TlsFailure,
    TlsMissing,
    TlsReported,
    WireChunk,
    WireLine,
    WireRecord,
    WireSwitch,
)
from sandbox.smtpreader import SmtpReader, verb

_ADDRESS = re.compile(r"<([^>]*)>")


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """What the events of one session show (see the module docstring)."""

    scenario: str = ""
    # The conversation as the client lived it (ConversationLine), and as the wire showed it.
    messages_sent: int = 0  # messages whose final "." the client sent, after a 354
    last_message_in_tls: bool = False  # ... and the last one went inside TLS
    ehlo_in_tls: bool = False  # the client said EHLO inside TLS
    quit_answered: bool = False  # a 221 came after the client's QUIT
    auth_ok_in_tls: bool = False  # the server answered 235 inside TLS
    auth_in_clear: bool = False  # AUTH was said in plaintext, or crossed the wire readable
    mail_sent: bool = False  # MAIL was said, or crossed the wire from the client
    refused_530: bool = False  # the server answered something with 530 (TLS required first)
    first_in_tls: Side | None = None  # who spoke first inside TLS
    # TLS, as the client saw it.
    tls_established: bool = False
    tls_verified: bool = False  # a handshake completed with chain and name checked
    tls_failures: tuple[TlsFailure, ...] = ()  # every failed handshake's cause, in order
    tls_missing: TlsMissing | None = None  # the client's last word on TLS it did not get
    # The path: what someone on it read or did.
    read: frozenset[Exposure] = frozenset()  # readable on the wire, or decrypted by an attacker
    attacker_in_tls: bool = False  # the client's TLS session ended at an attacker
    injected: bool = False  # the tap flagged plaintext injected around STARTTLS
    injected_reply: bool = False  # ... from the server's side, after its 220 (F3)
    injected_senders: frozenset[str] = frozenset()  # addresses of injected MAIL FROM lines
    injection_discarded: bool = False  # the server threw plaintext away after STARTTLS (B1)
    # The server and the end.
    deliveries: tuple[MessageDelivered, ...] = ()
    closed: bool = False  # the client's connection ended
    # The lab world (sandbox.labdns): what a dane or mta-sts client decided, what it reported.
    decided: str = ""  # a key of sandbox.labdns.world.DECIDED
    reported: tuple[str, ...] = ()  # result types of the TLS-RPT report written, if any

    @property
    def sent(self) -> bool:
        return self.messages_sent > 0

    @property
    def delivered(self) -> bool:
        return bool(self.deliveries)

    @property
    def certificate_rejected(self) -> bool:
        return any(cause.about_certificate for cause in self.tls_failures)

    @property
    def last_tls_failure(self) -> TlsFailure | None:
        return self.tls_failures[-1] if self.tls_failures else None


class FactsFolder:
    """The fold, one event at a time: `add(event)`, then read `facts`.

    A live lab checks its goal after every event; folding each event once keeps that linear.
    `facts` is replaced (never changed in place) when an event adds to it, so a caller may keep it.
    """

    def __init__(self) -> None:
        self.facts = SessionFacts()
        self._said = SmtpReader()  # the client's own account of the conversation
        self._wire = SmtpReader()  # what an eavesdropper follows on the client's leg
        self._quit_sent = False

    def add_all(self, events: Iterable[SandboxEvent]) -> FactsFolder:
        for event in events:
            self.add(event)
        return self

    def add(self, event: SandboxEvent) -> None:
        f = self.facts
        match event:
            case ConversationLine():
                self._conversation(event)
            case WireLine():
                self._wire_line(event)
            case SessionStarted(scenario=scenario) if not f.scenario:
                self.facts = replace(f, scenario=scenario)
            case TlsEstablished(verified=verified):
                self.facts = replace(
                    f, tls_established=True, tls_verified=f.tls_verified or verified
                )
            case TlsFailed(cause=cause):
                self.facts = replace(f, tls_failures=(*f.tls_failures, cause))
            case TlsMissing():
                self.facts = replace(f, tls_missing=event)
            case InjectionDiscarded():
                self.facts = replace(f, injection_discarded=True)
            case AttackerInTls():
                self.facts = replace(f, attacker_in_tls=True)
            case AttackerRead(what=what):
                self._exposed(what)
            case MessageDelivered():
                self.facts = replace(f, deliveries=(*f.deliveries, event))
            case SessionClosed():
                self.facts = replace(f, closed=True)
            case PolicyDecided(decided=decided):
                self.facts = replace(f, decided=decided)
            case TlsReported(result_types=kinds):
                self.facts = replace(f, reported=kinds)
            case SessionStarted() | Notice() | WireChunk() | WireSwitch() | WireRecord():
                pass  # a second start, free text, or bytes the lines and records already tell
            case _:
                assert_never(event)

    def _exposed(self, what: Exposure) -> None:
        if what not in self.facts.read:
            self.facts = replace(self.facts, read=self.facts.read | {what})

    def _conversation(self, e: ConversationLine) -> None:
        f = self.facts
        if e.tls and f.first_in_tls is None:
            self.facts = f = replace(f, first_in_tls=e.sender)
        if e.sender is Side.CLIENT:
            before = self._said.messages
            self._said.client(e.text, e.verb)
            if self._said.messages > before:
                f = replace(f, messages_sent=self._said.messages, last_message_in_tls=e.tls)
            match e.verb:
                case "QUIT":
                    self._quit_sent = True
                case "EHLO" if e.tls and not f.ehlo_in_tls:
                    f = replace(f, ehlo_in_tls=True)
                case "AUTH" if not e.tls and not f.auth_in_clear:
                    f = replace(f, auth_in_clear=True)
                case "MAIL" if not f.mail_sent:
                    f = replace(f, mail_sent=True)
            self.facts = f
            return
        if e.code is None:
            return
        if e.final:
            self._said.reply(e.code)
        if e.code == 530 and not f.refused_530:
            self.facts = replace(f, refused_530=True)
        elif e.code == 235 and e.tls and not f.auth_ok_in_tls:
            self.facts = replace(f, auth_ok_in_tls=True)
        elif e.code == 221 and self._quit_sent and not f.quit_answered:
            self.facts = replace(f, quit_answered=True)

    def _wire_line(self, e: WireLine) -> None:
        f = self.facts
        said = verb(e.text) if e.sender is Side.CLIENT or e.injected else ""
        if e.sender is Side.CLIENT and said == "AUTH" and not f.auth_in_clear:
            self.facts = f = replace(f, auth_in_clear=True)
        if e.sender is Side.CLIENT and said == "MAIL" and not f.mail_sent:
            self.facts = f = replace(f, mail_sent=True)
        if e.injected:
            # Injected lines are not the conversation: a correct peer discards them.
            senders = f.injected_senders
            if said == "MAIL" and (found := _ADDRESS.search(e.text)):
                senders = senders | {found.group(1)}
            self.facts = replace(
                f,
                injected=True,
                injected_reply=f.injected_reply or e.sender is Side.SERVER,
                injected_senders=senders,
            )
        elif e.sender is Side.SERVER:
            self._wire.server(e.text)
        elif (exposure := self._wire.client(e.text)) is not None:
            self._exposed(exposure)


def session_facts(events: Iterable[SandboxEvent]) -> SessionFacts:
    """The facts of a session from its events, in the order they were emitted."""
    return FactsFolder().add_all(events).facts
