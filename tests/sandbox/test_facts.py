"""sandbox.facts: the one fold of a session's events, and sandbox.smtpreader's line reading."""

from __future__ import annotations

from sandbox.events import (
    AttackerInTls,
    AttackerRead,
    ConversationLine,
    Exposure,
    InjectionDiscarded,
    Level,
    MessageDelivered,
    Notice,
    NoTls,
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
)
from sandbox.facts import FactsFolder, SessionFacts, session_facts
from sandbox.smtpreader import final_code, reply_code, verb

C, S = Side.CLIENT, Side.SERVER


def said(text: str, *, tls: bool = False, verb_: str | None = None) -> ConversationLine:
    return ConversationLine(
        sender=C, text=text, tls=tls, verb=verb(text) if verb_ is None else verb_
    )


def reply(
    code: int, text: str = "OK", *, tls: bool = False, final: bool = True
) -> ConversationLine:
    line = f"{code}{' ' if final else '-'}{text}"
    return ConversationLine(sender=S, text=line, tls=tls, code=code, final=final)


def wire(sender: Side, text: str, *, injected: bool = False) -> WireLine:
    return WireLine(sender=sender, offset=0, text=text, injected=injected)


def test_reading_verbs_and_reply_codes() -> None:
    assert verb("mail from:<a@x.test>") == "MAIL" and verb("  quit") == "QUIT" and verb("") == ""
    assert reply_code("250-SIZE 10") == (250, False)
    assert reply_code("250 OK") == reply_code("250") == (250, True)
    assert reply_code("25O OK") is None and reply_code("2500") is None and reply_code("") is None
    assert reply_code("٢٥٠ OK") is None  # Arabic-Indic digits are digits, but not a reply code
    assert final_code("354 go") == 354 and final_code("250-more") is None


def test_nothing_happened_is_the_empty_facts() -> None:
    assert session_facts([]) == SessionFacts()
    assert not SessionFacts().sent and not SessionFacts().certificate_rejected


def test_a_plaintext_submission_seen_by_both_the_client_and_the_wire() -> None:
    conversation: list[SandboxEvent] = [
        SessionStarted(scenario="plaintext", server="127.0.0.1:1", via_tap="127.0.0.1:2"),
        said("EHLO client.test"),
        reply(250, "sandbox.test"),
        said("AUTH PLAIN AGxlYXJuZXIAcHc="),
        wire(C, "AUTH PLAIN AGxlYXJuZXIAcHc="),
        reply(235),
        said("MAIL FROM:<a@x.test>"),
        wire(C, "MAIL FROM:<a@x.test>"),
        wire(S, "250 OK"),
        said("DATA"),
        wire(C, "DATA"),
        reply(354, "go"),
        wire(S, "354 go"),
        said("Subject: hi", verb_=""),
        wire(C, "Subject: hi"),
        said(".", verb_=""),
        reply(250, "queued"),
        MessageDelivered(
            mail_from="a@x.test", rcpt_tos=("b@x.test",), size=10, tls=False, authenticated_as=None
        ),
        said("QUIT"),
        reply(221, "Bye"),
        SessionClosed(clean=True),
    ]
    f = session_facts(conversation)
    assert f.scenario == "plaintext"
    assert (f.messages_sent, f.last_message_in_tls, f.sent, f.delivered) == (1, False, True, True)
    assert f.read == {Exposure.PASSWORD, Exposure.ENVELOPE, Exposure.MESSAGE}
    assert f.auth_in_clear and f.mail_sent and f.quit_answered and f.closed
    assert not f.auth_ok_in_tls and not f.tls_established and f.first_in_tls is None


def test_what_the_attacker_reports_counts_and_his_notices_do_not() -> None:
    events: list[SandboxEvent] = [
        Notice(level=Level.ATTACK, text="Attacker decrypted the password: AUTH PLAIN x"),
        Notice(level=Level.ATTACK, text="The attacker holds the client's TLS session: yes"),
    ]
    assert session_facts(events) == SessionFacts()
    events += [AttackerInTls(detail="?"), AttackerRead(what=Exposure.ENVELOPE, detail="?")]
    f = session_facts(events)
    assert f.attacker_in_tls and f.read == {Exposure.ENVELOPE}


def test_injected_lines_are_flagged_not_followed() -> None:
    f = session_facts(
        [
            said("STARTTLS"),
            wire(C, "STARTTLS"),
            wire(C, "MAIL FROM:<evil@attacker.test>", injected=True),
            wire(S, "250 forged", injected=True),
            InjectionDiscarded(size=32),
        ]
    )
    assert f.injected and f.injected_reply and f.injection_discarded
    assert f.injected_senders == {"evil@attacker.test"}
    assert f.read == frozenset()  # the injected MAIL is the attacker's, not the client's envelope
    assert f.mail_sent  # ... but a MAIL crossed the wire from the client's side


def test_tls_facts_keep_every_failure_and_the_clients_last_word() -> None:
    f = session_facts(
        [
            TlsMissing(why=NoTls.STARTTLS_REFUSED, refused=False, code=454),
            TlsFailed(reason="x", cause=TlsFailure.CUT),
            TlsFailed(reason="y", cause=TlsFailure.WRONG_NAME),
            TlsMissing(why=NoTls.NOT_OFFERED, refused=True),
        ]
    )
    assert f.tls_failures == (TlsFailure.CUT, TlsFailure.WRONG_NAME)
    assert f.last_tls_failure is TlsFailure.WRONG_NAME and f.certificate_rejected
    assert f.tls_missing is not None and f.tls_missing.why is NoTls.NOT_OFFERED


def test_the_first_word_inside_tls_and_a_verified_handshake() -> None:
    established = TlsEstablished(
        version="TLSv1.3", cipher="X", peer_cert=None, verified=True, server_hostname="s"
    )
    f = session_facts([established, reply(250, tls=True), said("EHLO c", tls=True)])
    assert f.tls_established and f.tls_verified and f.first_in_tls is S and f.ehlo_in_tls


def test_folding_event_by_event_gives_the_same_facts_at_every_step() -> None:
    events: list[SandboxEvent] = [
        said("EHLO c"),
        reply(250, "a", final=False),
        reply(250, "STARTTLS"),
        WireChunk(sender=C, offset=0, data=b"EHLO c\r\n"),
        Notice(level=Level.INFO, text="hello"),
        said("QUIT"),
        reply(221),
        SessionClosed(clean=True, reason="done"),
    ]
    folder = FactsFolder()
    for i, event in enumerate(events):
        before = folder.facts
        folder.add(event)
        assert folder.facts == session_facts(events[: i + 1])
        if isinstance(event, WireChunk | Notice):
            assert folder.facts is before  # nothing to learn: the same facts, not a copy
    assert folder.facts.quit_answered and folder.facts.closed
