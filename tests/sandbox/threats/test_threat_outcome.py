"""sandbox.threats.outcome: what a session meant, from its events (pure); and on real lab
sessions."""

from __future__ import annotations

import pytest
from test_threat_kit import data_dir, run_lab, shared_data_dir

from sandbox.client.policy import CLIENT_POLICIES, TlsPolicy
from sandbox.events import AttackerRead, Level, Notice, SessionStarted
from sandbox.threats.outcome import (
    CELL_LEGEND,
    Exposure,
    Peer,
    SmtpReader,
    attacker_read,
    outcome,
)

__all__ = ["data_dir", "shared_data_dir"]


def read(conversation: list[tuple[str, str]]) -> list[Exposure | None]:
    """What each client line of a ("C"/"S", line) conversation gives away."""
    reader, out = SmtpReader(), []
    for side, line in conversation:
        if side == "S":
            reader.server(line)
        else:
            out.append(reader.client(line))
    return out


def test_reader_names_envelope_message_and_password() -> None:
    got = read(
        [
            ("C", "EHLO client.test"),
            ("S", "250-sandbox.test"),
            ("S", "250 AUTH PLAIN LOGIN"),
            ("C", "AUTH PLAIN AGxlYXJuZXIAc2VjcmV0"),
            ("S", "235 2.7.0 Authentication successful"),
            ("C", "MAIL FROM:<a@sandbox.test>"),
            ("S", "250 OK"),
            ("C", "RCPT TO:<b@sandbox.test>"),
            ("S", "250 OK"),
            ("C", "DATA"),
            ("S", "354 End data with <CR><LF>.<CR><LF>"),
            ("C", "Subject: hi"),
            ("C", "MAIL FROM:<not-a-command@x.test>"),
            ("C", "."),
            ("S", "250 queued"),
            ("C", "QUIT"),
        ]
    )
    env, msg = Exposure.ENVELOPE, Exposure.MESSAGE
    assert got == [None, Exposure.PASSWORD, env, env, None, msg, msg, None, None]


def test_reader_auth_login_credentials_are_the_lines_after_334() -> None:
    got = read(
        [
            ("C", "AUTH LOGIN"),
            ("S", "334 VXNlcm5hbWU6"),
            ("C", "bGVhcm5lcg=="),
            ("S", "334 UGFzc3dvcmQ6"),
            ("C", "c2VjcmV0"),
            ("S", "235 2.7.0 Authentication successful"),
            ("C", "NOOP"),
        ]
    )
    assert got == [None, Exposure.PASSWORD, Exposure.PASSWORD, None]


def test_reader_counts_a_message_only_when_its_dot_is_sent() -> None:
    reader = SmtpReader()
    reader.client("DATA")
    reader.server("354 go ahead")
    reader.client("line")
    assert reader.messages == 0 and reader.in_data
    reader.client(".")
    assert reader.messages == 1 and not reader.in_data


def test_attacker_reports_are_read_back_and_other_notices_are_not() -> None:
    events = [
        SessionStarted(scenario="impersonate", server="x", via_tap=None),
        attacker_read(Exposure.PASSWORD, "AUTH PLAIN AGxlYXJuZXIAc2VjcmV0"),
        Notice(level=Level.ATTACK, text="Attacker decrypted the weather: sunny"),
        Notice(level=Level.INFO, text="Attacker decrypted the envelope: not an attack notice"),
    ]
    assert isinstance(events[1], AttackerRead)  # the attacks' helper makes the typed event
    result = outcome(events)
    assert result.read == {Exposure.PASSWORD}
    assert result.scenario == "impersonate" and not result.sent and result.to is Peer.NOBODY


def test_every_client_policy_has_its_postfix_and_exchange_names() -> None:
    assert set(CLIENT_POLICIES) == set(TlsPolicy)
    assert all(isinstance(policy, TlsPolicy) for policy in CLIENT_POLICIES)  # keyed by the enum
    for name, names in CLIENT_POLICIES.items():
        if name == TlsPolicy.MTA_STS:  # Postfix has no such level: a policy map does it
            assert names.postfix.startswith("smtp_tls_policy_maps = ")
            continue
        assert names.postfix == f"smtp_tls_security_level = {name}"
        assert CLIENT_POLICIES[TlsPolicy(name)] is names
    assert "EncryptionOnly" in CLIENT_POLICIES["encrypt"].exchange
    assert "DomainValidation" in CLIENT_POLICIES["verify"].exchange
    assert CLIENT_POLICIES["none"].exchange == "-IgnoreSTARTTLS $true"
    assert all(len(cell) <= 10 for cell, _ in CELL_LEGEND)


async def test_plaintext_lab_gives_away_the_password_too() -> None:
    result = outcome(await run_lab("plaintext"), client_policy="none")
    assert result.read == {Exposure.ENVELOPE, Exposure.MESSAGE, Exposure.PASSWORD}
    assert result.sent and not result.encrypted and result.delivered
    assert result.cell == "plain READ"


async def test_verified_starttls_lab_is_safe() -> None:
    result = outcome(await run_lab("starttls"), client_policy="verify")
    assert result.safe and result.sent and result.encrypted and result.to is Peer.SERVER
    assert result.why == (
        "The mail went inside TLS to the verified real server; the attacker saw only encrypted "
        "records."
    )
    assert result.summary().splitlines() == [
        "Outcome: the message went inside TLS to the real server; the attacker read: nothing.",
        f"Why: {result.why}",
    ]


@pytest.mark.parametrize(
    ("policy", "why"),
    [
        ("none", "This client never uses STARTTLS"),
        ("may", "STARTTLS was missing from the EHLO reply; a 'may' client carries on"),
        ("encrypt", "STARTTLS was missing from the EHLO reply; an 'encrypt' client requires TLS"),
    ],
)
async def test_strip_outcome_sentences_name_the_policy(policy: str, why: str) -> None:
    result = outcome(await run_lab("strip", policy), client_policy=policy)
    assert result.why.startswith(why), result.why
