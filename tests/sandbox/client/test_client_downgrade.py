"""The tutor's client never downgrades when its policy requires TLS (properties.md F2) and never
reads plaintext that follows the 220 to STARTTLS as if it came from inside TLS (F3)."""

from __future__ import annotations

import asyncio
import ssl

import pytest
from client_fakes import Events, FakeConn, MiniSmtp, serving, tls_client, verbs

from sandbox.client import connection as clientconn
from sandbox.client.framing import StartTlsInjectionError, TlsHandshakeError, TlsRequiredError
from sandbox.events import ConversationLine, Level, TlsEstablished
from sandbox.pki import tlsconfig
from sandbox.pki.certs import CertBundle

USER, PASSWORD = "learner", "demo-pa55"
MESSAGE = "Subject: must not leak\n\nThis must never cross the wire in plaintext.\n"
NEVER_IN_CLEAR = (b"AUTH", b"MAIL", b"RCPT", b"DATA")


@pytest.fixture(scope="session")
def server_tls(certs: CertBundle) -> ssl.SSLContext:
    return tlsconfig.server_context(certs.server_cert, certs.server_key)


# --- F2: no downgrade when TLS is required --------------------------------------------------------

DOWNGRADES = {
    "starttls-not-offered": {"ehlo_plain": ("SIZE 1048576", "AUTH PLAIN LOGIN")},
    "starttls-454": {"starttls_reply": b"454 4.7.0 TLS not available due to local problem\r\n"},
    "starttls-502": {"starttls_reply": b"502 5.5.1 Error: command not implemented\r\n"},
    "starttls-354": {"starttls_reply": b"354 go ahead\r\n"},
    "ehlo-502": {"ehlo_reply": b"502 5.5.2 Error: command not recognized\r\n"},
    "ehlo-554": {"ehlo_reply": b"554 5.7.1 go away\r\n"},
}


@pytest.mark.parametrize("policy", ["encrypt", "verify", "secure"])
@pytest.mark.parametrize("downgrade", sorted(DOWNGRADES))
async def test_f2_required_tls_never_downgrades(
    certs: CertBundle, server_tls: ssl.SSLContext, policy: str, downgrade: str
) -> None:
    smtp = MiniSmtp(tls=server_tls, **DOWNGRADES[downgrade])
    events = Events()
    async with serving(smtp) as server:
        client = tls_client(server.port, events, certs, policy=policy)
        with pytest.raises(TlsRequiredError, match=f"policy {policy} requires TLS"):
            await client.send_mail("a@sandbox.test", "b@sandbox.test", MESSAGE,
                                   user=USER, password=PASSWORD)  # fmt: skip
        assert not client.connected
    assert verbs(smtp)[-1] == "QUIT"  # it says goodbye...
    assert set(verbs(smtp)) <= {"EHLO", "STARTTLS", "QUIT"}  # ...and nothing else
    for verb in NEVER_IN_CLEAR:
        assert verb not in server.received
    assert smtp.messages == []
    assert any("requires TLS" in text for text in events.notices(Level.ERROR))


@pytest.mark.parametrize(
    "command",
    ["mail", "rcpt", "data", "auth_plain", "raw-mail", "raw-auth", "raw-data", "raw-bdat"],
)
async def test_f2_each_protected_command_refuses_to_go_out_in_plaintext(
    certs: CertBundle, command: str
) -> None:
    calls = {
        "mail": lambda c: c.mail("a@sandbox.test"),
        "rcpt": lambda c: c.rcpt("b@sandbox.test"),
        "data": lambda c: c.data(MESSAGE),
        "auth_plain": lambda c: c.auth_plain(USER, PASSWORD),
        "raw-mail": lambda c: c.raw("mail from:<a@sandbox.test>"),
        "raw-auth": lambda c: c.raw("AUTH LOGIN"),
        "raw-data": lambda c: c.raw("DATA"),
        "raw-bdat": lambda c: c.raw("BDAT 10 LAST"),
    }
    smtp = MiniSmtp(ehlo_plain=("SIZE 1048576",))
    async with serving(smtp) as server:
        client = tls_client(server.port, Events(), certs, policy="encrypt")
        await client.connect()
        await client.ehlo()
        with pytest.raises(TlsRequiredError, match="never sent without TLS"):
            await calls[command](client)
        await client.quit()
    assert server.received == b"EHLO client.test\r\nQUIT\r\n"


# --- F3: no plaintext after the 220 ---------------------------------------------------------------


@pytest.mark.parametrize(
    "injected", [b"250 injected\r\n", b"250-AUTH PLAIN\r\n250 injected\r\n", b"250 inj"]
)
async def test_f3_plaintext_after_the_220_in_the_same_write_is_refused(
    certs: CertBundle, server_tls: ssl.SSLContext, injected: bytes
) -> None:
    smtp = MiniSmtp(tls=server_tls, starttls_reply=b"220 go\r\n", after_starttls=injected)
    events = Events()
    async with serving(smtp) as server:
        client = tls_client(server.port, events, certs, policy="may")
        await client.connect()
        await client.ehlo()
        with pytest.raises(StartTlsInjectionError, match="after its 220 to STARTTLS"):
            await client.starttls()
        assert not client.connected
        assert not client.tls_active
    assert server.received == b"EHLO client.test\r\nSTARTTLS\r\n"  # not even a ClientHello
    assert not events.of(TlsEstablished)
    assert not [e for e in events.of(ConversationLine) if e.tls]
    assert events.closed()[-1].clean is False


async def test_f3_plaintext_left_in_the_stream_reader_is_refused(
    certs: CertBundle, server_tls: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reading 8 bytes at a time, "220 go\r\n" is read alone and the injected reply stays in the
    # asyncio StreamReader's own buffer, which start_tls() would keep: only that check sees it.
    monkeypatch.setattr(clientconn, "READ_SIZE", 8)
    smtp = MiniSmtp(tls=server_tls, starttls_reply=b"220 go\r\n", after_starttls=b"250 x\r\n")
    async with serving(smtp) as server:
        client = tls_client(server.port, Events(), certs)
        await client.connect()
        await client.ehlo()
        with pytest.raises(StartTlsInjectionError):
            await client.starttls()
    assert server.received == b"EHLO client.test\r\nSTARTTLS\r\n"


async def test_f3_plaintext_arriving_during_the_handshake_is_never_read_as_smtp(
    certs: CertBundle, server_tls: ssl.SSLContext
) -> None:
    async def late_injection(conn: FakeConn) -> None:
        await conn.send(b"220 fake.test\r\n")
        await conn.line()
        await conn.send(b"250-fake.test\r\n250 STARTTLS\r\n")
        await conn.line()
        await conn.send(b"220 go\r\n")
        await asyncio.sleep(0.05)  # the client is in its handshake by now
        await conn.send(b"250 injected\r\n")
        await conn.start_tls(server_tls)

    events = Events()
    async with serving(late_injection) as server:
        client = tls_client(server.port, events, certs)
        await client.connect()
        await client.ehlo()
        with pytest.raises((TlsHandshakeError, StartTlsInjectionError)):
            await client.starttls()
    assert "injected" not in " ".join(events.lines())
    assert not events.of(TlsEstablished)
