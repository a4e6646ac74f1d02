"""The threat matrix: every attack against every client policy, each cell checked on the wire.

The matrix runs once per test session (real sandbox server, tap and client per cell); the tests
then read each cell's events: what crossed the client's leg (WireChunk/WireLine/WireRecord), what
the sandbox mailbox got, and what the attacker reported decrypting.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from test_threat_kit import (
    MAIL_LINE,
    SECRET,
    assert_nothing_that_needs_tls_left,
    attacker_in_tls,
    attacker_reads,
    data_dir,
    delivered,
    lines,
    raw,
    records,
    said,
    shared_data_dir,
    switch_offset,
    verbs,
)

from sandbox.events import Level, Notice, SessionStarted, Side, TlsEstablished, TlsFailed, WireChunk
from sandbox.lab.catalog import SCENARIOS, attacks
from sandbox.lab.matrix import POLICIES, Matrix, run_matrix
from sandbox.threats.impostor import IMPOSTOR_CA_NAME, WRONG_NAME
from sandbox.threats.inject_command import EVIL_SENDER
from sandbox.threats.inject_response import INJECTED_RESPONSE
from sandbox.threats.outcome import Exposure, Peer

__all__ = ["data_dir", "shared_data_dir"]  # fixtures, imported for their side effect

# The table the threat lab teaches, row by row (policies: none, may, encrypt, verify, secure).
EXPECTED: dict[str, tuple[str, ...]] = {
    "strip": ("plain READ", "plain READ", "not sent", "not sent", "not sent"),
    "strip-454": ("plain READ", "plain READ", "not sent", "not sent", "not sent"),
    "strip-502": ("plain READ", "plain READ", "not sent", "not sent", "not sent"),
    "impersonate": ("plain READ", "MITM READ", "MITM READ", "not sent", "not sent"),
    "impersonate-wrong-name": ("plain READ", "MITM READ", "MITM READ", "not sent", "not sent"),
    "inject-command": ("plain READ", "TLS, safe", "TLS, safe", "TLS, safe", "TLS, safe"),
    "inject-response": ("plain READ", "not sent", "not sent", "not sent", "not sent"),
}
CELLS = [(a, p) for a in EXPECTED for p in POLICIES]
READ_ALL = frozenset({Exposure.ENVELOPE, Exposure.MESSAGE})
SECONDS: dict[str, float] = {}


@pytest.fixture(scope="session")
def matrix(shared_data_dir: Path) -> Matrix:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SMTP_TUTOR_DATA_DIR", str(shared_data_dir))
        started = time.perf_counter()
        result = asyncio.run(run_matrix())
        SECONDS["wall"] = time.perf_counter() - started
    return result


def test_the_matrix_covers_every_attack_of_the_catalog_and_every_policy() -> None:
    assert set(attacks()) == {name for name, info in SCENARIOS.items() if info.attack}
    assert tuple(EXPECTED) == attacks()
    assert POLICIES == ("none", "may", "encrypt", "verify", "secure")


def test_the_whole_matrix_runs_in_a_few_seconds(matrix: Matrix) -> None:
    assert len(matrix.runs) == len(attacks()) * len(POLICIES)
    assert matrix.seconds < 10, matrix.seconds  # typically well under 2 s on 2 cores


@pytest.mark.parametrize(("attack", "policy"), CELLS)
def test_matrix_cell_outcome(matrix: Matrix, attack: str, policy: str) -> None:
    result = matrix.cell(attack, policy).outcome
    assert result.cell == EXPECTED[attack][POLICIES.index(policy)], result
    assert result.why and result.why.endswith(".")
    assert result.scenario == attack and result.client_policy == policy


@pytest.mark.parametrize(("attack", "policy"), CELLS)
def test_i7_every_cell_announces_its_attack_before_anything_crosses(
    matrix: Matrix, attack: str, policy: str
) -> None:
    events = matrix.cell(attack, policy).events
    assert isinstance(events[0], SessionStarted)
    first = events[1]
    assert isinstance(first, Notice) and first.level is Level.ATTACK, first
    assert not any(isinstance(e, WireChunk) for e in events[:2])


def _cells(kind: str) -> list[tuple[str, str]]:
    return [(a, p) for a, p in CELLS if EXPECTED[a][POLICIES.index(p)] == kind]


@pytest.mark.parametrize(("attack", "policy"), _cells("plain READ"))
def test_matrix_plaintext_cells_show_envelope_and_body_to_the_eavesdropper(
    matrix: Matrix, attack: str, policy: str
) -> None:
    run = matrix.cell(attack, policy)
    client = lines(run.events, Side.CLIENT)
    assert MAIL_LINE in client
    assert SECRET.decode() in client
    assert SECRET in raw(run.events, Side.CLIENT)
    assert switch_offset(run.events, Side.CLIENT) is None  # never any TLS
    assert run.outcome.read == READ_ALL and run.outcome.to is Peer.SERVER
    assert [d.tls for d in delivered(run.events)] == [False]


@pytest.mark.parametrize(("attack", "policy"), _cells("not sent"))
def test_matrix_refusing_cells_send_nothing_that_needs_tls(
    matrix: Matrix, attack: str, policy: str
) -> None:
    run = matrix.cell(attack, policy)
    assert_nothing_that_needs_tls_left(run.events)
    assert verbs(run.events) <= {"EHLO", "STARTTLS", "QUIT"}
    assert run.outcome.read == frozenset() and run.outcome.to is Peer.NOBODY


@pytest.mark.parametrize("attack", ["strip", "strip-454", "strip-502"])
@pytest.mark.parametrize("policy", ["encrypt", "verify", "secure"])
def test_f2_a_stripped_client_that_requires_tls_quits(
    matrix: Matrix, attack: str, policy: str
) -> None:
    events = matrix.cell(attack, policy).events
    client = lines(events, Side.CLIENT)
    assert client[-1] == "QUIT"  # said in plaintext: the last word, and nothing after it
    if attack == "strip":
        assert not any("STARTTLS" in t for t in lines(events, Side.SERVER))
        assert "STARTTLS" not in client
    else:
        code = attack[-3:]
        assert client[-2] == "STARTTLS"
        assert any(t.startswith(code) for t in lines(events, Side.SERVER))


@pytest.mark.parametrize("attack", ["impersonate", "impersonate-wrong-name"])
@pytest.mark.parametrize("policy", ["verify", "secure"])
def test_f1_a_verifying_client_refuses_the_impostor_and_sends_nothing(
    matrix: Matrix, attack: str, policy: str
) -> None:
    events = matrix.cell(attack, policy).events
    failed = [e for e in events if isinstance(e, TlsFailed)]
    assert len(failed) == 1 and "certificate verify failed" in failed[0].reason
    wrong_name = attack.endswith("wrong-name")
    assert ("mismatch" in failed[0].reason.lower()) is wrong_name
    assert not any(isinstance(e, TlsEstablished) for e in events)
    # On the wire: the ClientHello, then at most an alert; never an encrypted command.
    sent = records(events, Side.CLIENT)
    assert sent and sent[0].handshake and sent[0].handshake[0].name == "ClientHello"
    assert all(r.length <= 24 for r in sent[1:]), sent[1:]
    assert not attacker_in_tls(events) and not attacker_reads(events)


@pytest.mark.parametrize(("attack", "policy"), _cells("MITM READ"))
def test_matrix_impersonated_cells_reach_the_attacker_encrypted_and_he_reads_them(
    matrix: Matrix, attack: str, policy: str
) -> None:
    run = matrix.cell(attack, policy)
    events = run.events
    sent = raw(events, Side.CLIENT)
    # The eavesdropper sees only TLS after STARTTLS: no envelope, no body.
    assert lines(events, Side.CLIENT) == ["EHLO client.test", "STARTTLS"]
    assert switch_offset(events, Side.CLIENT) == len(b"EHLO client.test\r\nSTARTTLS\r\n")
    assert b"MAIL FROM" not in sent and SECRET not in sent
    assert any(r.encrypted and r.length > 200 for r in records(events, Side.CLIENT))  # the body
    # ... but the client's TLS peer is the attacker, who decrypts it all.
    tls = [e for e in events if isinstance(e, TlsEstablished)]
    assert len(tls) == 1 and not tls[0].verified and tls[0].peer_cert is not None
    if attack == "impersonate":
        assert IMPOSTOR_CA_NAME in tls[0].peer_cert.issuer
    else:
        assert tls[0].peer_cert.san == (f"DNS:{WRONG_NAME}",)
    assert attacker_in_tls(events)
    reads = attacker_reads(events)
    assert (Exposure.ENVELOPE, MAIL_LINE) in reads
    assert any(what is Exposure.MESSAGE and " bytes" in detail for what, detail in reads)
    assert run.outcome.read == READ_ALL
    assert run.outcome.to is Peer.ATTACKER and run.outcome.encrypted
    # He relayed it on in plaintext: the real server got it, not over TLS.
    assert [(d.mail_from, d.tls) for d in delivered(events)] == [("learner@sandbox.test", False)]


@pytest.mark.parametrize("policy", ["may", "encrypt", "verify", "secure"])
def test_b1_matrix_injected_command_is_shown_and_discarded(matrix: Matrix, policy: str) -> None:
    run = matrix.cell("inject-command", policy)
    events = run.events
    assert lines(events, Side.CLIENT, injected=True) == [f"MAIL FROM:<{EVIL_SENDER}>"]
    sent = raw(events, Side.CLIENT)
    assert sent.index(b"STARTTLS\r\nMAIL FROM:<evil") >= 0  # one write, as the server got it
    assert SECRET not in sent
    # Nothing answered the injected MAIL inside TLS: the first word there is the client's EHLO,
    # and the reply it got is a real EHLO reply.
    inside = [e for e in events if getattr(e, "tls", False) and hasattr(e, "sender")]
    assert inside[0].sender is Side.CLIENT and inside[0].text == "EHLO client.test"
    assert inside[1].text.startswith("250-")
    assert [(d.mail_from, d.tls) for d in delivered(events)] == [("learner@sandbox.test", True)]
    assert run.outcome.safe and run.outcome.to is Peer.SERVER


@pytest.mark.parametrize("policy", ["may", "encrypt", "verify", "secure"])
def test_f3_matrix_injected_response_is_refused(matrix: Matrix, policy: str) -> None:
    events = matrix.cell("inject-response", policy).events
    injected = lines(events, Side.SERVER, injected=True)
    assert injected == INJECTED_RESPONSE.decode().splitlines()
    # The client hung up before its handshake: not even a ClientHello left it.
    assert raw(events, Side.CLIENT) == b"EHLO client.test\r\nSTARTTLS\r\n"
    assert not records(events, Side.CLIENT)
    assert not said(events, Side.CLIENT, tls=True)
    assert_nothing_that_needs_tls_left(events)
