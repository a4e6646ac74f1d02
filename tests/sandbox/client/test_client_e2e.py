"""The tutor's client against the real sandbox server (sandbox.smtpd.server), end to end on
loopback."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from client_fakes import Events

from sandbox.client.framing import TlsRequiredError
from sandbox.client.smtp import SmtpClient
from sandbox.events import TlsEstablished
from sandbox.pki.certs import CertBundle
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer

StartServer = Callable[..., Awaitable[SandboxServer]]
Quick = Callable[..., ServerPolicy]

MESSAGE = (
    "From: learner@sandbox.test\n"
    "To: friend@sandbox.test\n"
    "Subject: end to end\n"
    "\n"
    ".a line that starts with a dot\n"
    "Hello over STARTTLS.\n"
)


def make_client(server: SandboxServer, events: Events, **options: Any) -> SmtpClient:
    assert server.certs is not None
    options.setdefault("timeout", 5.0)
    return SmtpClient(
        server.host, server.port, ca_file=server.certs.ca_cert, emit=events.append, **options
    )


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
async def test_starttls_auth_and_a_delivered_message(
    start_server: StartServer, quick: Quick, demo: tuple[str, str], mechanism: Any
) -> None:
    server = await start_server(quick(tls_level="encrypt", auth_required=True))
    events = Events()
    client = make_client(server, events)  # the default policy: verify
    user, password = demo
    reply = await client.send_mail(
        "learner@sandbox.test",
        ["friend@sandbox.test"],
        MESSAGE,
        user=user,
        password=password,
        mechanism=mechanism,
    )
    assert reply.code == 250
    stored = await server.mailbox.wait_for(1)
    assert stored.tls
    assert stored.authenticated_as == user
    assert stored.rcpt_tos == ("friend@sandbox.test",)
    # F7 round trip: CRLF line ends, and the dot-stuffed line arrives as written.
    assert stored.raw.endswith(b"\r\n.a line that starts with a dot\r\nHello over STARTTLS.\r\n")
    [tls] = events.of(TlsEstablished)
    assert tls.verified
    assert tls.peer_cert is not None
    assert "DNS:sandbox.test" in tls.peer_cert.san
    lines = events.lines()
    assert "-> STARTTLS" in lines
    assert any(line.startswith("~> AUTH ") for line in lines)  # AUTH only inside TLS
    assert not any(line.startswith("-> AUTH") for line in lines)


async def test_capabilities_before_and_after_tls_from_the_real_server(
    start_server: StartServer, quick: Quick
) -> None:
    server = await start_server(quick(tls_level="may"))
    async with make_client(server, Events()) as client:
        await client.connect()
        await client.ehlo()
        assert "STARTTLS" in client.capabilities
        assert "AUTH" not in client.capabilities  # C1: no AUTH offered in plaintext
        assert await client.negotiate_tls()
        assert "AUTH" in client.capabilities  # B3, F4
        assert "STARTTLS" not in client.capabilities
        assert (await client.starttls()).code == 554  # B4: refused inside TLS
        assert client.tls_active
        await client.quit()


async def test_implicit_tls_end_to_end(
    start_server: StartServer, quick: Quick, demo: tuple[str, str]
) -> None:
    server = await start_server(quick(implicit_tls=True, tls_level="encrypt"))
    events = Events()
    client = make_client(server, events, implicit_tls=True)
    reply = await client.send_mail(
        "learner@sandbox.test", "friend@sandbox.test", MESSAGE, user=demo[0], password=demo[1]
    )
    assert reply.code == 250
    assert (await server.mailbox.wait_for(1)).tls
    assert events.lines()[0].startswith("<~ 220 ")  # the banner already inside TLS


async def test_a_smuggling_attempt_in_the_message_stays_one_message(
    start_server: StartServer, quick: Quick
) -> None:
    server = await start_server(quick())
    smuggled = "Subject: one\n\nhi\n.\nMAIL FROM:<evil@sandbox.test>\nRCPT TO:<x@sandbox.test>\n"
    client = make_client(server, Events())
    assert (await client.send_mail("a@sandbox.test", "b@sandbox.test", smuggled)).code == 250
    assert server.mailbox.delivered == 1
    assert b"\r\n..\r\nMAIL FROM:<evil@sandbox.test>\r\n" not in server.mailbox[0].raw
    assert server.mailbox[0].raw.endswith(b"hi\r\n.\r\nMAIL FROM:<evil@sandbox.test>\r\n"
                                          b"RCPT TO:<x@sandbox.test>\r\n")  # fmt: skip


async def test_a_server_without_tls_gets_nothing_from_a_verifying_client(
    start_server: StartServer, quick: Quick, certs: CertBundle, demo: tuple[str, str]
) -> None:
    server = await start_server(quick(tls_level="none"))
    client = SmtpClient(server.host, server.port, ca_file=certs.ca_cert, timeout=5.0)
    with pytest.raises(TlsRequiredError, match="does not offer STARTTLS"):
        await client.send_mail("a@sandbox.test", "b@sandbox.test", MESSAGE,
                               user=demo[0], password=demo[1])  # fmt: skip
    assert server.mailbox.delivered == 0
