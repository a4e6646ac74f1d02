"""Sessions written as Exchange's SMTP Receive protocol log, from their events (L47)."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from sandbox.config.exchange.enact import receive_policy
from sandbox.config.exchange.model import ReceiveConnector
from sandbox.config.exchange.protolog import FIELDS, Endpoints, protocol_log, tls_negotiated
from sandbox.config.exchange.reader import read_text
from sandbox.events import (
    CertSummary,
    ConversationLine,
    SandboxEvent,
    SessionClosed,
    Side,
    TlsEstablished,
    TlsFailed,
    TlsFailure,
)
from sandbox.lab.session import LabSession

START = dt.datetime(2026, 12, 5, 9, 30, 0, tzinfo=dt.UTC)


def rows(lines: list[str]) -> list[dict[str, str]]:
    body = [line for line in lines if not line.startswith("#")]
    return [dict(zip(FIELDS, row, strict=True)) for row in csv.reader(body)]


def frontend() -> ReceiveConnector:
    connector = read_text("").receive_connector("Default Frontend EX01")
    assert connector is not None
    return connector


def server(text: str, code: int, ts: float, *, final: bool = True) -> ConversationLine:
    return ConversationLine(Side.SERVER, text, tls=False, code=code, final=final, ts=ts)


def client(text: str, verb: str, ts: float, *, tls: bool = False) -> ConversationLine:
    return ConversationLine(Side.CLIENT, text, tls=tls, verb=verb, ts=ts)


CERT = CertSummary(
    subject="CN=mail.sandbox.test",
    issuer="CN=Sandbox CA",
    not_before="2026-01-01T00:00:00Z",
    not_after="2027-01-01T00:00:00Z",
    san=("DNS:mail.sandbox.test", "DNS:sandbox.test"),
    sha256="AA:BB",
)


def test_l47_header_fields_and_events_in_order() -> None:
    events: list[SandboxEvent] = [
        server("220 ex01.sandbox.test ESMTP", 220, 10.0),
        client("EHLO sender.test", "EHLO", 10.1),
        server("250-ex01.sandbox.test", 250, 10.2, final=False),
        server("250-SIZE 37748736", 250, 10.2, final=False),
        server("250 STARTTLS", 250, 10.2),
        client("STARTTLS", "STARTTLS", 10.3),
        server("220 Ready to start TLS", 220, 10.4),
        TlsEstablished("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", CERT, True, "x", ts=10.5),
        client("AUTH PLAIN AGxlYXJuZXIAc2VjcmV0", "AUTH", 10.6, tls=True),
        client("secret credential", "", 10.65, tls=True),
        server("235 2.7.0 Authentication successful", 235, 10.7),
        client("Subject: a message line", "", 10.8, tls=True),
        client("QUIT", "QUIT", 11.0, tls=True),
        server("221 Bye", 221, 11.1),
        SessionClosed(clean=True, ts=11.2),
    ]
    c = frontend()
    lines = protocol_log(
        events, c, Endpoints("10.0.0.5:25", "203.0.113.9:50123"), session_id="08DD", started=START
    )
    assert lines[:5] == [
        "#Software: Microsoft Exchange Server",
        "#Version: 15.02.0000.000",
        "#Log-type: SMTP Receive Protocol Log",
        "#Date: 2026-12-05T09:30:00.000Z",
        "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,"
        "remote-endpoint,event,data,context",
    ]
    table = [(r["sequence-number"], r["event"], r["data"], r["context"]) for r in rows(lines)]
    assert table == [
        ("0", "+", "", ""),
        (
            "1",
            "*",
            "SMTPSubmit SMTPAcceptAnySender SMTPAcceptAuthoritativeDomainSender "
            "AcceptRoutingHeaders",
            "Set Session Permissions",
        ),
        ("2", ">", "220 ex01.sandbox.test ESMTP", ""),
        ("3", "<", "EHLO sender.test", ""),
        ("4", ">", "250  ex01.sandbox.test SIZE 37748736 STARTTLS", ""),
        ("5", "<", "STARTTLS", ""),
        ("6", ">", "220 Ready to start TLS", ""),
        ("7", "*", "", "Sending certificate"),
        ("8", "*", "CN=mail.sandbox.test", "Certificate subject"),
        ("9", "*", "CN=Sandbox CA", "Certificate issuer name"),
        ("10", "*", "DNS:mail.sandbox.test;DNS:sandbox.test", "Certificate alternate names"),
        (
            "11",
            "*",
            "",
            "TLS protocol SP_PROT_TLS1_2_SERVER negotiation succeeded using bulk encryption "
            "algorithm CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with "
            "strength 0 bits and key exchange algorithm CALG_ECDH_EPHEM with strength 255 bits",
        ),
        ("12", "<", "AUTH PLAIN", ""),  # never the credential
        ("13", ">", "235 2.7.0 Authentication successful", ""),
        ("14", "<", "QUIT", ""),
        ("15", ">", "221 Bye", ""),
        ("16", "-", "", "Local"),
    ]
    first = rows(lines)[0]
    assert first["date-time"] == "2026-12-05T09:30:00.000Z"
    assert rows(lines)[-1]["date-time"] == "2026-12-05T09:30:01.200Z"
    assert {r["connector-id"] for r in rows(lines)} == {"EX01\\Default Frontend EX01"}
    assert {(r["local-endpoint"], r["remote-endpoint"]) for r in rows(lines)} == {
        ("10.0.0.5:25", "203.0.113.9:50123")
    }


@pytest.mark.parametrize(
    ("version", "cipher", "expected"),
    [
        ("TLSv1.3", "TLS_AES_128_GCM_SHA256", ("SP_PROT_TLS1_3_SERVER", "CALG_AES_128", "128")),
        (
            "TLSv1.2",
            "ECDHE-RSA-AES128-GCM-SHA256",
            ("SP_PROT_TLS1_2_SERVER", "CALG_AES_128", "128"),
        ),
        ("TLSv1.3", "TLS_AES_256_GCM_SHA384", ("SP_PROT_TLS1_3_SERVER", "CALG_AES_256", "256")),
    ],
)
def test_l47_tls_line_names_what_was_negotiated(
    version: str, cipher: str, expected: tuple[str, str, str]
) -> None:
    line = tls_negotiated(version, cipher)
    proto, bulk, bits = expected
    assert line.startswith(f"TLS protocol {proto} negotiation succeeded using bulk encryption ")
    assert f"algorithm {bulk} with strength {bits} bits" in line


def test_l47_a_failed_handshake_and_a_client_that_vanishes() -> None:
    events: list[SandboxEvent] = [
        server("220 hi", 220, 1.0),
        client("STARTTLS", "STARTTLS", 1.1),
        server("220 Ready to start TLS", 220, 1.2),
        TlsFailed("certificate verify failed", TlsFailure.UNTRUSTED, ts=1.3),
        SessionClosed(clean=False, ts=1.4),
    ]
    table = [
        (r["event"], r["context"])
        for r in rows(
            protocol_log(
                events,
                frontend(),
                Endpoints("a:25", "b"),
                session_id="1",
                started=START,
            )
        )
    ]
    assert table[-2:] == [("*", "TLS negotiation failed with error CertUnknown"), ("-", "Remote")]


async def test_l47_a_real_session_through_a_receive_connector() -> None:
    config = read_text("Set-ReceiveConnector 'Client Frontend EX01' -RequireTLS $true")
    connector = config.receive_connector("Client Frontend EX01")
    assert connector is not None
    events: list[SandboxEvent] = []
    session = LabSession("starttls", emit=events.append, server_policy=receive_policy(connector))
    await session.start()
    try:
        await session.play()
    finally:
        await session.stop()
    lines = protocol_log(
        events, connector, Endpoints("127.0.0.1:587", "127.0.0.1"), session_id="X", started=START
    )
    table = rows(lines)
    said = [(r["event"], r["data"].split(" ")[0]) for r in table if r["event"] in "<>"]
    assert said[:6] == [
        (">", "220"),
        ("<", "EHLO"),
        (">", "250"),
        ("<", "STARTTLS"),
        (">", "220"),
        ("<", "EHLO"),
    ]
    contexts = [r["context"] for r in table]
    assert contexts.index("Sending certificate") < contexts.index("Certificate subject")
    assert any(c.startswith("TLS protocol SP_PROT_TLS1_") for c in contexts)
    assert ("<", "QUIT") in said and table[-1]["event"] == "-"
    assert [int(r["sequence-number"]) for r in table] == list(range(len(table)))
