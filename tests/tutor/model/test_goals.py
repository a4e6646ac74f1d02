"""Lab goals as predicates over constructed event sequences (pure: no sandbox running).

The lines carry what the tutor's client fills in (a command's verb, a reply line's code): goals
read those fields, never the words of a notice or a reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sandbox.events import (
    CertSummary,
    ConversationLine,
    Event,
    Level,
    MessageDelivered,
    Notice,
    SessionClosed,
    SessionStarted,
    Side,
    TlsEstablished,
    TlsFailed,
    TlsFailure,
    WireLine,
)
from sandbox.facts import FactsFolder
from sandbox.smtpreader import reply_code, verb
from tutor.model.goals import GOALS, goal_met, goal_names

C, S = Side.CLIENT, Side.SERVER
CERT = CertSummary(
    "CN=sandbox.test", "CN=Sandbox CA", "2025-01-01", "2025-02-01", ("sandbox.test",), "ab"
)


def c(text: str, tls: bool = False) -> ConversationLine:
    return ConversationLine(sender=C, text=text, tls=tls, verb=verb(text))


def s(text: str, tls: bool = False) -> ConversationLine:
    parsed = reply_code(text)
    assert parsed is not None, text
    return ConversationLine(sender=S, text=text, tls=tls, code=parsed[0], final=parsed[1])


def tls(verified: bool = True) -> TlsEstablished:
    return TlsEstablished(
        version="TLSv1.3",
        cipher="TLS_AES_256_GCM_SHA384",
        peer_cert=CERT,
        verified=verified,
        server_hostname="sandbox.test",
    )


def delivered(over_tls: bool, mail_from: str = "learner@client.test") -> MessageDelivered:
    return MessageDelivered(
        mail_from=mail_from,
        rcpt_tos=("bob@sandbox.test",),
        size=120,
        tls=over_tls,
        authenticated_as=None,
    )


START = [SessionStarted(scenario="starttls", server="127.0.0.1:2525", via_tap="127.0.0.1:2626")]
PLAIN_HELLO = [*START, s("220 sandbox.test ESMTP"), c("EHLO client.test"), s("250-sandbox.test")]
UPGRADE = [*PLAIN_HELLO, s("250 STARTTLS"), c("STARTTLS"), s("220 2.0.0 Ready to start TLS"), tls()]
CLOSED = SessionClosed(clean=True)


def met(events: list[Event]) -> set[str]:
    return {name for name in GOALS if goal_met(name, events)}


def test_nothing_is_met_before_anything_happens() -> None:
    assert met([]) == set()
    assert met(START) == set()


def test_session_complete_needs_221_after_quit() -> None:
    assert goal_met("session-complete", [*PLAIN_HELLO, c("QUIT"), s("221 2.0.0 Bye"), CLOSED])
    assert not goal_met("session-complete", [*PLAIN_HELLO, s("221 2.0.0 Bye")])  # no QUIT
    assert not goal_met("session-complete", [*PLAIN_HELLO, c("QUIT"), SessionClosed(clean=False)])
    assert goal_met("session-complete", [*UPGRADE, c("QUIT", tls=True), s("221 Bye", tls=True)])


def test_tls_established_and_certificate_verified() -> None:
    assert goal_met("tls-established", UPGRADE)
    assert goal_met("certificate-verified", UPGRADE)
    unverified = [*PLAIN_HELLO, c("STARTTLS"), s("220 Go ahead"), tls(verified=False)]
    assert goal_met("tls-established", unverified)
    assert not goal_met("certificate-verified", unverified)
    assert not goal_met("tls-established", PLAIN_HELLO)


def test_certificate_rejected_needs_a_failed_handshake_about_the_certificate() -> None:
    failed = TlsFailed(reason="unable to get local issuer certificate", cause=TlsFailure.UNTRUSTED)
    assert goal_met("certificate-rejected", [*PLAIN_HELLO, c("STARTTLS"), s("220 Go"), failed])
    hostname = TlsFailed(reason="Hostname mismatch", cause=TlsFailure.WRONG_NAME)
    assert goal_met("certificate-rejected", [hostname])
    expired = TlsFailed(reason="certificate has expired", cause=TlsFailure.EXPIRED)
    assert goal_met("certificate-rejected", [expired])
    for cause in (TlsFailure.CUT, TlsFailure.TIMEOUT, TlsFailure.PROTOCOL_VERSION):
        # the reason's words do not count: only the cause does
        assert not goal_met("certificate-rejected", [TlsFailed(reason="certificate", cause=cause)])
    assert not goal_met("certificate-rejected", UPGRADE)


def test_ehlo_after_tls_means_ehlo_said_inside_tls() -> None:
    assert not goal_met("ehlo-after-tls", UPGRADE)  # only the plaintext EHLO so far
    assert goal_met("ehlo-after-tls", [*UPGRADE, c("EHLO client.test", tls=True)])
    assert goal_met("ehlo-after-tls", [*UPGRADE, c("ehlo client.test", tls=True)])
    assert not goal_met("ehlo-after-tls", [*UPGRADE, c("HELO client.test", tls=True)])


def test_message_delivered_and_over_tls() -> None:
    assert goal_met("message-delivered", [*PLAIN_HELLO, delivered(over_tls=False)])
    assert not goal_met("message-delivered-over-tls", [*PLAIN_HELLO, delivered(over_tls=False)])
    assert goal_met("message-delivered-over-tls", [*UPGRADE, delivered(over_tls=True)])
    assert not goal_met("message-delivered", UPGRADE)


def test_auth_seen_in_clear_from_the_client_or_the_wire() -> None:
    said = [*PLAIN_HELLO, c("AUTH PLAIN AGRlbW8AcHc="), s("235 2.7.0 Authentication successful")]
    assert goal_met("auth-seen-in-clear", said)
    assert not goal_met("auth-inside-tls", said)
    wire = [*START, WireLine(sender=C, offset=40, text="AUTH LOGIN")]
    assert goal_met("auth-seen-in-clear", wire)
    assert not goal_met("auth-seen-in-clear", [*UPGRADE, c("AUTH PLAIN AGRl", tls=True)])


def test_auth_inside_tls_needs_235_inside_tls_and_never_auth_in_clear() -> None:
    good = [
        *UPGRADE,
        c("EHLO client.test", tls=True),
        c("AUTH PLAIN AGRl", tls=True),
        s("235 ok", tls=True),
    ]
    assert goal_met("auth-inside-tls", good)
    refused = [*UPGRADE, c("AUTH PLAIN AGRl", tls=True), s("535 5.7.8 bad credentials", tls=True)]
    assert not goal_met("auth-inside-tls", refused)
    leaked_first = [
        *PLAIN_HELLO,
        c("AUTH PLAIN AGRl"),
        s("538 5.7.11 Encryption required"),
        *good[4:],
    ]
    assert not goal_met("auth-inside-tls", leaked_first)


def test_mail_withheld_when_the_client_quits_without_tls() -> None:
    stripped = [
        *PLAIN_HELLO,
        s("250 SIZE 1048576"),  # the attacker removed STARTTLS
        Notice(level=Level.ERROR, text="STARTTLS not offered; policy 'encrypt' forbids plaintext"),
        c("QUIT"),
        s("221 Bye"),
        CLOSED,
    ]
    assert goal_met("mail-withheld", stripped)
    assert not goal_met("mail-withheld", stripped[:-1])  # not until the session has ended
    sent_anyway = [*PLAIN_HELLO, c("MAIL FROM:<a@client.test>"), s("250 OK"), c("QUIT"), CLOSED]
    assert not goal_met("mail-withheld", sent_anyway)
    impersonated = [
        *PLAIN_HELLO,
        c("STARTTLS"),
        s("220 Go"),
        TlsFailed(reason="certificate verify failed", cause=TlsFailure.UNTRUSTED),
        CLOSED,
    ]
    assert goal_met("mail-withheld", impersonated)
    finished_normally = [*UPGRADE, c("QUIT", tls=True), s("221 Bye", tls=True), CLOSED]
    assert not goal_met("mail-withheld", finished_normally)  # TLS was there and verified


def test_injection_discarded_after_the_client_speaks_inside_tls() -> None:
    injected = WireLine(sender=C, offset=30, text="MAIL FROM:<evil@x.test>", injected=True)
    before = [*PLAIN_HELLO, c("STARTTLS"), injected, s("220 Ready"), tls()]
    assert not goal_met("injection-discarded", before)  # too early to tell
    clean = [*before, c("EHLO client.test", tls=True), s("250-sandbox.test", tls=True)]
    assert goal_met("injection-discarded", clean)
    answered = [*before, s("250 2.1.0 OK", tls=True), c("EHLO client.test", tls=True)]
    assert not goal_met("injection-discarded", answered)  # the server acted on the injection
    smuggled = [*clean, delivered(over_tls=True, mail_from="evil@x.test")]
    assert not goal_met("injection-discarded", smuggled)
    assert not goal_met("injection-discarded", [*UPGRADE, c("EHLO client.test", tls=True)])


def test_injected_response_refused_by_the_client() -> None:
    injected = WireLine(sender=S, offset=90, text="250 fake", injected=True)
    refused = [
        *PLAIN_HELLO,
        c("STARTTLS"),
        s("220 Ready"),
        injected,
        Notice(level=Level.ERROR, text="plaintext after 220: aborting"),
        SessionClosed(clean=False),
    ]
    assert goal_met("injection-discarded", refused)


def test_a_typed_verb_and_code_decide_not_the_text() -> None:
    # A message line that reads like a command is no command: the client gave it no verb.
    body = ConversationLine(sender=C, text="QUIT", tls=False)
    assert not goal_met("session-complete", [*PLAIN_HELLO, body, s("221 Bye"), CLOSED])
    # A reply line's code is the code the client framed, whatever its text says.
    odd = ConversationLine(sender=S, text="235 ok", tls=True, code=535, final=True)
    good = [*UPGRADE, c("AUTH PLAIN AGRl", tls=True), odd]
    assert not goal_met("auth-inside-tls", good)
    assert goal_met("auth-inside-tls", [*good[:-1], s("235 ok", tls=True)])


def test_goals_read_the_same_facts_folded_at_once_or_event_by_event() -> None:
    events = [*UPGRADE, c("EHLO client.test", tls=True), delivered(over_tls=True), CLOSED]
    folder = FactsFolder()
    seen = []
    for event in events:
        folder.add(event)
        seen.append({name for name, goal in GOALS.items() if goal.check(folder.facts)})
    assert (
        seen[-1]
        == met(events)
        == {
            "tls-established",
            "certificate-verified",
            "ehlo-after-tls",
            "message-delivered",
            "message-delivered-over-tls",
        }
    )
    assert [met(events[: i + 1]) for i in range(len(events))] == seen


def test_goals_are_pure_and_accept_any_sequence() -> None:
    events: tuple[Event, ...] = tuple(UPGRADE)
    assert goal_met("tls-established", events) and goal_met("tls-established", events)
    with pytest.raises(KeyError):
        goal_met("no-such-goal", events)


def test_the_goal_table_in_lessons_readme_matches_goals() -> None:
    readme = (Path(__file__).parents[3] / "lessons" / "README.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `([a-z-]+)` \|", readme, flags=re.MULTILINE)
    assert documented == list(goal_names())
