"""The `session-quiz` block kind: its fence, and answers read from the learner's session (M37)."""

from __future__ import annotations

from sandbox.events import (
    CertSummary,
    HandshakeInfo,
    SessionStarted,
    Side,
    TlsEstablished,
    WireRecord,
)
from tutor.model.block_kinds import BLOCK_KINDS, build_block
from tutor.model.lesson import FenceBody
from tutor.model.session_quiz import SessionAnswers, SessionQuiz


def body(*lines: str) -> FenceBody:
    return FenceBody(lines=lines, first_line=11, file="lessons/en/04-x.md", line=10)


def test_m37_the_block_kind_is_registered_and_built() -> None:
    assert BLOCK_KINDS["session-quiz"].model is SessionQuiz
    block, errors = build_block(
        "session-quiz",
        body("question: Which suite?", "fact: cipher", "hint: The Cipher row.", "explain: Why."),
    )
    assert errors == []
    assert block == SessionQuiz("Which suite?", "cipher", "The Cipher row.", "Why.", 10)


def test_m37_a_wrong_fence_is_an_error_at_its_line() -> None:
    block, errors = build_block(
        "session-quiz", body("question: Q?", "fact: colour", "hint: h", "colour: red")
    )
    assert block is None
    said = [(e.line, e.message) for e in errors]
    assert (12, "session-quiz: 'fact' is 'colour'; known: cipher, version, sni, issuer") in said
    assert (14, "session-quiz: unknown key 'colour' (known: question, fact, hint, explain)") in said
    assert (10, "session-quiz: 'explain' is missing") in said


CERT = CertSummary(
    subject="CN=sandbox.test",
    issuer="CN=smtp-tutor sandbox CA,O=smtp-tutor",
    not_before="2026-01-01T00:00:00Z",
    not_after="2026-01-31T00:00:00Z",
    san=("sandbox.test",),
    sha256="AB",
)


def session(version: str, cipher: str, iana: str) -> list[object]:
    hello = HandshakeInfo(msg_type=1, name="ClientHello", sni="sandbox.test")
    server = HandshakeInfo(msg_type=2, name="ServerHello", cipher_suites=(iana,))
    return [
        SessionStarted(scenario="starttls", server="s", via_tap="t"),
        WireRecord(Side.CLIENT, 30, 22, "handshake", "TLS 1.0", 200, "", (hello,)),
        WireRecord(Side.SERVER, 140, 22, "handshake", "TLS 1.2", 90, "", (server,)),
        TlsEstablished(version, cipher, CERT, True, "sandbox.test"),
    ]


def test_m37_answers_come_from_the_session_in_any_of_their_spellings() -> None:
    events = session(
        "TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
    )
    answers = SessionAnswers().apply_all(events)  # type: ignore[arg-type]
    assert answers.value("cipher") == "ECDHE-ECDSA-AES128-GCM-SHA256"
    for typed in ("ecdhe-ecdsa-aes128-gcm-sha256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"):
        assert answers.is_right("cipher", typed)
    assert answers.is_right("cipher", "TLS_AES_256_GCM_SHA384") is False
    assert answers.value("version") == "TLS 1.2"
    assert all(
        answers.is_right("version", t) for t in ("TLS 1.2", "tlsv1.2", "1.2", "ＴＬＳ１．２")
    )
    assert answers.is_right("version", "TLS 1.3") is False
    assert answers.is_right("sni", "Sandbox.Test")
    assert answers.value("issuer") == "smtp-tutor sandbox CA"


def test_m37_no_session_no_answer_and_a_new_session_forgets_the_last() -> None:
    assert SessionAnswers().is_right("cipher", "anything") is None
    events = session("TLSv1.3", "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384")
    answers = SessionAnswers().apply_all(events)  # type: ignore[arg-type]
    assert answers.is_right("cipher", "TLS_AES_256_GCM_SHA384")
    again = answers.apply(SessionStarted(scenario="starttls", server="s", via_tap="t"))
    assert again.is_right("cipher", "TLS_AES_256_GCM_SHA384") is None
