"""Why a handshake failed: `TlsFailed.cause`, decided by the client from the exception of a real
handshake on loopback (verify code, SSL reason, exception type), never from the words of it."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from pathlib import Path

import pytest
from client_fakes import Events, FakeConn, MiniSmtp, serving, tls_client

from sandbox.client.framing import SmtpClientError, TlsHandshakeError
from sandbox.client.tlsfailure import tls_failure
from sandbox.events import TlsEstablished, TlsFailed, TlsFailure
from sandbox.pki import tlsconfig
from sandbox.pki.certs import CertBundle, load_ca, make_ca, make_leaf, write_pair
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer

MESSAGE = "Subject: never sent\n\nA failed handshake sends nothing.\n"


def _context(directory: Path, leaf: tuple[object, object]) -> ssl.SSLContext:
    cert, key = write_pair(directory, "server", *leaf)  # type: ignore[arg-type]
    return tlsconfig.server_context(cert, key)


@pytest.fixture(scope="module")
def impostor_tls(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """The right names, from a CA nobody trusts."""
    ca_key, ca_cert = make_ca("impostor CA")
    return _context(tmp_path_factory.mktemp("impostor"), make_leaf(ca_key, ca_cert))


@pytest.fixture(scope="module")
def wrong_name_tls(certs: CertBundle, tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """The sandbox CA, but for another name."""
    leaf = make_leaf(*load_ca(certs), ("other.test",))
    return _context(tmp_path_factory.mktemp("wrong-name"), leaf)


@pytest.fixture(scope="module")
def expired_tls(certs: CertBundle, tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """The sandbox CA and the right name, but valid for one day, a month ago."""
    month_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    leaf = make_leaf(*load_ca(certs), days=1, now=month_ago)
    return _context(tmp_path_factory.mktemp("expired"), leaf)


@pytest.mark.parametrize(
    ("server", "cause"),
    [
        ("impostor_tls", TlsFailure.UNTRUSTED),
        ("wrong_name_tls", TlsFailure.WRONG_NAME),
        ("expired_tls", TlsFailure.EXPIRED),
    ],
)
async def test_f1_the_certificate_problem_is_the_cause(
    request: pytest.FixtureRequest, certs: CertBundle, server: str, cause: TlsFailure
) -> None:
    smtp = MiniSmtp(tls=request.getfixturevalue(server))
    events = Events()
    async with serving(smtp) as fake:
        client = tls_client(fake.port, events, certs)
        with pytest.raises(TlsHandshakeError):
            await client.send_mail("a@sandbox.test", "b@sandbox.test", MESSAGE)
    [failed] = events.of(TlsFailed)
    assert failed.cause is cause and failed.cause.about_certificate
    assert not events.of(TlsEstablished)


async def test_a_trusting_client_accepts_what_the_others_refuse(
    certs: CertBundle, expired_tls: ssl.SSLContext
) -> None:
    """The same expired certificate passes under `encrypt`: no TlsFailed, so the cause above is
    the verification's doing, not the fixture's."""
    smtp = MiniSmtp(tls=expired_tls)
    events = Events()
    async with serving(smtp) as fake:
        client = tls_client(fake.port, events, certs, policy="encrypt")
        await client.send_mail("a@sandbox.test", "b@sandbox.test", MESSAGE)
    assert not events.of(TlsFailed) and events.of(TlsEstablished)


def _starttls_then(after: str) -> object:
    """A server that answers STARTTLS with 220, then `cut`s the handshake or stays `silent`."""

    async def script(conn: FakeConn) -> None:
        await conn.send(b"220 fake.test ESMTP\r\n")
        await conn.line()  # EHLO
        await conn.send(b"250-fake.test\r\n250 STARTTLS\r\n")
        await conn.line()  # STARTTLS
        await conn.send(b"220 2.0.0 Ready to start TLS\r\n")
        if after == "cut":
            await conn.reader.read(1)  # the ClientHello has begun
            conn.abort()
        else:
            await conn.until_closed()

    return script


@pytest.mark.parametrize(
    ("after", "cause"), [("cut", TlsFailure.CUT), ("silent", TlsFailure.TIMEOUT)]
)
async def test_a_handshake_cut_off_or_never_answered(
    certs: CertBundle, after: str, cause: TlsFailure
) -> None:
    events = Events()
    async with serving(_starttls_then(after)) as fake:  # type: ignore[arg-type]
        client = tls_client(fake.port, events, certs, timeout=1.5)  # EHLO in time when busy
        await client.connect()
        await client.ehlo()
        with pytest.raises(SmtpClientError):
            await client.starttls()
    [failed] = events.of(TlsFailed)
    assert failed.cause is cause and not failed.cause.about_certificate
    assert events.closed()[-1].clean is False


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "implicit"])
async def test_no_tls_version_in_common_is_a_protocol_version_failure(
    certs: CertBundle, implicit: bool
) -> None:
    """The sandbox server at `smtpd_tls_mandatory_protocols = >=TLSv1.3`, a client that stops at
    TLS 1.2: a real handshake, refused by the server with its protocol_version alert (properties.md
    G6), which the client reads as the cause. Before the server flushed that alert, the client saw
    the handshake cut."""
    policy = ServerPolicy(implicit_tls=implicit, min_tls_version=ssl.TLSVersion.TLSv1_3)
    client_ctx = tlsconfig.client_context(certs.ca_cert)
    client_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    async with SandboxServer(policy, certs=certs, accounts={}) as server:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        try:
            if not implicit:
                async with asyncio.timeout(5):
                    await reader.readline()  # 220 banner
                    writer.write(b"EHLO client.test\r\nSTARTTLS\r\n")
                    while not (await reader.readline()).startswith(b"220 "):
                        pass
            with pytest.raises(ssl.SSLError) as caught:
                await asyncio.wait_for(
                    writer.start_tls(client_ctx, server_hostname="sandbox.test"), 5
                )
        finally:
            writer.close()
    assert tls_failure(caught.value) is TlsFailure.PROTOCOL_VERSION


def test_anything_else_is_other_and_never_read_from_words() -> None:
    assert tls_failure(ValueError("certificate verify failed: hostname mismatch")) is (
        TlsFailure.OTHER
    )
    assert tls_failure(ssl.SSLError(1, "certificate expired")) is TlsFailure.OTHER
