"""Events for a 1 MiB message, counted (not timed): the client's and the tap's, one session.

Issue 15 counted 13,158 events with TLS and 26,047 in plaintext: one ConversationLine per body line
from the client and one WireLine per plaintext body line from the tap. A body is now one
ConversationLine with its first and last lines and a count (E13), and the tap folds the body lines
of one read into one WireLine (I10); the WireChunks still carry every byte.
"""

from __future__ import annotations

from sandbox.client.smtp import SmtpClient
from sandbox.events import ConversationLine, SandboxEvent, Side, WireChunk, WireLine
from sandbox.facts import session_facts
from sandbox.pki.certs import ensure_certs
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from sandbox.wire.tap import WireTap

MIB = 1024 * 1024
LINES = [
    f"line {i:05d} of a one-mebibyte message, about as long as a line of text".encode()
    for i in range(14_000)
]
BODY = b"\r\n".join(LINES)[:MIB] + b"\r\n"


async def one_message(
    *, tls: bool, every_line: bool = False
) -> tuple[list[SandboxEvent], list[SandboxEvent]]:
    """The client's events and the tap's, for one session sending BODY."""
    policy = ServerPolicy(tls_level="encrypt" if tls else "none", max_message_size=2 * MIB)
    server = SandboxServer(policy)
    await server.start()
    tapped: list[SandboxEvent] = []
    said: list[SandboxEvent] = []
    tap = WireTap(server.host, server.port, emit=tapped.append)
    await tap.start()
    try:
        client = SmtpClient(
            tap.host,
            tap.port,
            policy="verify" if tls else "none",
            ca_file=ensure_certs().ca_cert,
            emit=said.append,
            every_body_line=every_line,
        )
        reply = await client.send_mail("a@client.test", "b@sandbox.test", BODY)
        assert reply.code == 250
        await server.mailbox.wait_for(1)
        assert server.mailbox[0].raw == BODY
    finally:
        await tap.stop()
        await server.stop()
    return said, tapped


def client_bytes(events: list[SandboxEvent]) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, WireChunk) and e.sender is Side.CLIENT)


async def test_e13_i10_a_plaintext_mebibyte_costs_at_most_600_events() -> None:
    said, tapped = await one_message(tls=False)
    assert len(said) + len(tapped) <= 600, (len(said), len(tapped))
    body = [e for e in said if isinstance(e, ConversationLine) and e.more]
    assert (
        len(body) == 1
        and body[0].text == LINES[0].decode()
        and body[0].more == BODY.count(b"\n") - 1
    )
    assert body[0].last == BODY.rstrip(b"\r\n").rsplit(b"\r\n", 1)[1].decode()
    folded = [e for e in tapped if isinstance(e, WireLine) and e.more]
    assert sum(e.more + 1 for e in folded) >= BODY.count(b"\n") - 100  # all but a few lines folded
    assert BODY in client_bytes(tapped)  # every byte still crossed in a WireChunk
    facts = session_facts(said + tapped)
    assert facts.messages_sent == 1 and facts.mail_sent


async def test_e13_a_mebibyte_inside_tls_costs_at_most_300_events() -> None:
    said, tapped = await one_message(tls=True)
    assert len(said) + len(tapped) <= 300, (len(said), len(tapped))
    assert session_facts(said + tapped).messages_sent == 1


async def test_e13_the_client_can_still_report_every_line() -> None:
    said, _ = await one_message(tls=True, every_line=True)
    lines = [
        e.text
        for e in said
        if isinstance(e, ConversationLine) and e.sender is Side.CLIENT and not e.verb
    ]
    assert lines[: BODY.count(b"\n")] == BODY.decode().split("\r\n")[:-1]
