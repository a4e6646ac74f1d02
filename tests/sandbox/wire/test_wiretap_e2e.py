"""The tutor's client and the sandbox server, with the wire tap between them: what a lab shows."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

from test_wiretap_kit import chunk_bytes, switches, tap_for, texts, wire_records

from sandbox.client.smtp import SmtpClient
from sandbox.events import Notice, SandboxEvent, Side, WireLine
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer

StartServer = Callable[..., Awaitable[SandboxServer]]
Quick = Callable[..., ServerPolicy]

MESSAGE = "Subject: through the tap\n\nA secret sentence.\n"


async def submit(
    server: SandboxServer, *, user: str | None = None, password: str | None = None, **options: Any
) -> list[SandboxEvent]:
    """One `send_mail` through a tap in front of `server`; returns the tap's events."""
    assert server.certs is not None
    async with tap_for(server.port) as (tap, events):
        client = SmtpClient(
            "127.0.0.1", tap.port, ca_file=server.certs.ca_cert, timeout=5.0, **options
        )
        reply = await client.send_mail(
            "learner@sandbox.test", "friend@sandbox.test", MESSAGE, user=user, password=password
        )
        assert reply.code == 250
        await client.close()
    return events


async def test_starttls_submission_hides_auth_and_message(
    start_server: StartServer, quick: Quick, demo: tuple[str, str]
) -> None:
    server = await start_server(quick(tls_level="encrypt", auth_required=True))
    user, password = demo
    events = await submit(server, user=user, password=password)
    stored = await server.mailbox.wait_for(1)
    assert stored.tls
    assert texts(events, Side.CLIENT) == ["EHLO client.test", "STARTTLS"]
    server_lines = texts(events, Side.SERVER)
    assert server_lines[0].startswith("220 sandbox.test")
    assert "250-STARTTLS" in server_lines
    assert server_lines[-1].startswith("220 ")
    assert [s.sender for s in switches(events)] == [Side.SERVER, Side.CLIENT]
    hello = wire_records(events, Side.CLIENT)[0].handshake[0]
    assert (hello.name, hello.sni) == ("ClientHello", "sandbox.test")
    assert "TLS 1.3" in hello.versions
    assert wire_records(events, Side.SERVER)[0].handshake[0].versions == ("TLS 1.3",)
    later = wire_records(events, Side.CLIENT)[1:] + wire_records(events, Side.SERVER)[1:]
    assert all(r.encrypted or r.content_type_name == "change_cipher_spec" for r in later)
    # Nothing secret is on the wire in the clear.
    wire = chunk_bytes(events, Side.CLIENT)
    token = base64.b64encode(f"\0{user}\0{password}".encode())
    assert password.encode() not in wire
    assert token not in wire
    assert b"secret sentence" not in wire
    assert not [e for e in events if isinstance(e, Notice)]


async def test_plaintext_submission_is_readable_line_by_line(
    start_server: StartServer, quick: Quick
) -> None:
    server = await start_server(quick(tls_level="none"))
    events = await submit(server, policy="none")
    client = texts(events, Side.CLIENT)
    assert client[:4] == [
        "EHLO client.test",
        "MAIL FROM:<learner@sandbox.test>",
        "RCPT TO:<friend@sandbox.test>",
        "DATA",
    ]
    assert "A secret sentence." in client
    assert client[-2:] == [".", "QUIT"]
    assert switches(events) == []
    assert wire_records(events, Side.CLIENT) == []
    assert not any(e.injected for e in events if isinstance(e, WireLine))


async def test_implicit_tls_submission_shows_no_smtp_at_all(
    start_server: StartServer, quick: Quick
) -> None:
    server = await start_server(quick(implicit_tls=True))
    events = await submit(server, implicit_tls=True)
    assert [(s.sender, s.offset) for s in switches(events)] == [(Side.CLIENT, 0), (Side.SERVER, 0)]
    assert [e for e in events if isinstance(e, WireLine)] == []
    assert wire_records(events, Side.CLIENT)[0].handshake[0].sni == "sandbox.test"
