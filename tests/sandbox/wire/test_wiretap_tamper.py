"""The tamper hook (for the attack labs): rewrite, inject, take over. The attacks here are minimal
stand-ins that prove each capability works on real sockets; the labs build the real ones."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import load_pem_x509_certificate
from test_wiretap_kit import (
    TIMEOUT,
    LineClient,
    MiniSmtp,
    Pki,
    make_pki,
    switches,
    tap_for,
    texts,
    wire_records,
)

from sandbox.events import Level, Notice, SandboxEvent, Side
from sandbox.wire.tamper import TakeOver, Tamper, TapControl


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path / "pki")


@pytest.fixture
def impostor(tmp_path: Path) -> Pki:
    """Another CA's certificate for the same name: what a man in the middle would present."""
    return make_pki(tmp_path / "impostor")


@pytest.fixture
async def mini(pki: Pki) -> AsyncIterator[MiniSmtp]:
    server = MiniSmtp(pki.server())
    await server.start()
    yield server
    await server.stop()


class Strip(Tamper):
    """Deletes STARTTLS from the EHLO reply, and says so."""

    def opened(self, conn: TapControl) -> None:
        conn.emit(Notice(level=Level.ATTACK, text="Attack on: STARTTLS is stripped"))

    def server_data(self, data: bytes, conn: TapControl) -> bytes:
        return data.replace(b"250-PIPELINING\r\n250 STARTTLS\r\n", b"250 PIPELINING\r\n")


class Answer454(Tamper):
    """Answers STARTTLS in the server's place; the server never hears it."""

    def client_data(self, data: bytes, conn: TapControl) -> bytes:
        if data == b"STARTTLS\r\n":
            conn.send_to_client(b"454 4.7.0 TLS not available\r\n")
            return b""
        return data


class SmuggleToServer(Tamper):
    def client_data(self, data: bytes, conn: TapControl) -> bytes:
        if data == b"QUIT\r\n":
            conn.send_to_server(b"NOOP smuggled\r\n")
        return data


async def test_tamper_rewrites_server_data_and_the_eavesdropper_sees_what_the_client_got(
    mini: MiniSmtp,
) -> None:
    async with tap_for(mini.port, tamper=Strip) as (tap, events):
        client = await LineClient.connect(tap.port)
        await client.reply()
        assert await client.command(b"EHLO client.test") == [b"250-sandbox.test", b"250 PIPELINING"]
        assert await client.command(b"QUIT") == [b"221 2.0.0 Bye"]
        await client.close()
    assert [line for _, line in mini.lines] == [b"EHLO client.test", b"QUIT"]
    assert "250 STARTTLS" not in texts(events, Side.SERVER)
    assert "250 PIPELINING" in texts(events, Side.SERVER)
    attack = [e for e in events if isinstance(e, Notice) and e.level is Level.ATTACK]
    assert len(attack) == 1


async def test_tamper_answers_in_the_servers_place(mini: MiniSmtp) -> None:
    async with tap_for(mini.port, tamper=Answer454) as (tap, events):
        client = await LineClient.connect(tap.port)
        await client.reply()
        assert await client.command(b"STARTTLS") == [b"454 4.7.0 TLS not available"]
        assert await client.command(b"NOOP") == [b"250 2.0.0 OK"]  # plaintext goes on
        await client.command(b"QUIT")
        await client.close()
    assert [line for _, line in mini.lines] == [b"NOOP", b"QUIT"]
    assert texts(events, Side.CLIENT) == ["STARTTLS", "NOOP", "QUIT"]
    assert "454 4.7.0 TLS not available" in texts(events, Side.SERVER)
    assert switches(events) == []


async def test_tamper_bytes_sent_to_the_server_are_not_on_the_clients_leg(mini: MiniSmtp) -> None:
    async with tap_for(mini.port, tamper=SmuggleToServer) as (tap, events):
        client = await LineClient.connect(tap.port)
        await client.reply()
        await client.send(b"QUIT\r\n")
        assert await client.reply() == [b"250 2.0.0 OK"]  # the smuggled NOOP's reply
        assert await client.reply() == [b"221 2.0.0 Bye"]
        await client.close()
    assert [line for _, line in mini.lines] == [b"NOOP smuggled", b"QUIT"]
    assert texts(events, Side.CLIENT) == ["QUIT"]


class FakeServer(Tamper):
    """Answers STARTTLS itself, then plays the server in plaintext from the client's next byte."""

    def client_data(self, data: bytes, conn: TapControl) -> bytes:
        if data == b"STARTTLS\r\n":
            conn.send_to_client(b"502 5.5.1 Not here\r\n")
            conn.take_over(self.run)
            return b""
        return data

    async def run(self, takeover: TakeOver) -> None:
        reader, writer = await takeover.client_streams()
        takeover.server_writer.write(b"QUIT\r\n")  # the real server is sent away
        while line := await reader.readline():
            writer.write(b"250 fake " + line.rstrip(b"\r\n") + b"\r\n")
            await writer.drain()


async def test_tamper_take_over_from_client_data_plays_the_server(mini: MiniSmtp) -> None:
    async with tap_for(mini.port, tamper=FakeServer) as (tap, events):
        client = await LineClient.connect(tap.port)
        await client.reply()
        assert await client.command(b"STARTTLS") == [b"502 5.5.1 Not here"]
        # Sent at once: it may wait in the tap while the legs switch; it must not be lost.
        assert await client.command(b"NOOP 1") == [b"250 fake NOOP 1"]
        assert await client.command(b"NOOP 2") == [b"250 fake NOOP 2"]
        await client.close()
    assert [line for _, line in mini.lines] == [b"QUIT"]
    assert texts(events, Side.CLIENT) == ["STARTTLS", "NOOP 1", "NOOP 2"]
    assert texts(events, Side.SERVER)[1:] == [
        "502 5.5.1 Not here",
        "250 fake NOOP 1",
        "250 fake NOOP 2",
    ]


class OwnBanner(Tamper):
    """Takes over before the first byte: the client never hears the real server."""

    def opened(self, conn: TapControl) -> None:
        conn.take_over(self.run)

    async def run(self, takeover: TakeOver) -> None:
        reader, writer = await takeover.client_streams()
        writer.write(b"220 fake.test ESMTP\r\n")
        await writer.drain()
        await reader.read()


async def test_tamper_take_over_from_the_start(mini: MiniSmtp) -> None:
    async with tap_for(mini.port, tamper=OwnBanner) as (tap, events):
        client = await LineClient.connect(tap.port)
        assert await client.reply() == [b"220 fake.test ESMTP"]
        await client.close()
    assert texts(events, Side.SERVER) == ["220 fake.test ESMTP"]


class Broken(Tamper):
    def opened(self, conn: TapControl) -> None:
        raise RuntimeError("a bug in an attack")


async def test_a_failing_tamper_is_reported_and_its_connection_closed(mini: MiniSmtp) -> None:
    async with tap_for(mini.port, tamper=Broken) as (tap, events):
        client = await LineClient.connect(tap.port)
        assert await asyncio.wait_for(client.reader.read(), TIMEOUT) == b""
        await client.close()
        assert tap.active_connections == 0
    (error,) = [e for e in events if isinstance(e, Notice) and e.level is Level.ERROR]
    assert "a bug in an attack" in error.text


class Impersonate(Tamper):
    """After the server's 220, plays TLS server with its own certificate and relays to the real
    server inside a second TLS session: a full man in the middle that reads everything."""

    def __init__(self, impostor: ssl.SSLContext, upstream: ssl.SSLContext) -> None:
        self.impostor, self.upstream = impostor, upstream
        self.seen = bytearray()  # what the attacker read in clear
        self.failure: BaseException | None = None
        self.done = asyncio.Event()

    def server_data(self, data: bytes, conn: TapControl) -> bytes:
        if data.startswith(b"220 2.0.0"):
            conn.take_over(self.run)
        return data

    async def run(self, takeover: TakeOver) -> None:
        try:
            await self.relay(takeover)
        finally:
            self.done.set()

    async def relay(self, takeover: TakeOver) -> None:
        try:
            c_reader, c_writer = await takeover.client_streams(ssl=self.impostor)
        except (ssl.SSLError, ConnectionError) as exc:
            self.failure = exc
            return
        await takeover.server_writer.start_tls(self.upstream, server_hostname="sandbox.test")

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while data := await reader.read(65536):
                if writer is takeover.server_writer:
                    self.seen += data
                writer.write(data)
                await writer.drain()
            writer.close()

        await asyncio.gather(
            pipe(c_reader, takeover.server_writer),
            pipe(takeover.server_reader, c_writer),
            return_exceptions=True,
        )


async def mitm_session(
    mini: MiniSmtp, attacker: Impersonate, client_ctx: ssl.SSLContext
) -> tuple[list[SandboxEvent], bytes | None, ssl.SSLError | None]:
    """A STARTTLS session through the attacking tap: (events, server cert the client got, error)."""
    peer: bytes | None = None
    error: ssl.SSLError | None = None
    async with tap_for(mini.port, tamper=lambda: attacker) as (tap, events):
        client = await LineClient.connect(tap.port)
        await client.reply()
        assert await client.command(b"STARTTLS") == [b"220 2.0.0 Ready to start TLS"]
        try:
            await client.starttls(client_ctx)
            peer = client.writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
            assert (await client.command(b"EHLO client.test"))[-1] == b"250 AUTH PLAIN"
            assert await client.command(b"QUIT") == [b"221 2.0.0 Bye"]
        except ssl.SSLError as exc:
            error = exc
        finally:
            await client.close()
        await asyncio.wait_for(attacker.done.wait(), TIMEOUT)  # before the tap stops
    return events, peer, error


def unverified(maximum: ssl.TLSVersion) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # an opportunistic client: accepts any certificate
    ctx.maximum_version = maximum
    return ctx


async def test_tamper_take_over_reads_an_unverifying_clients_session(
    mini: MiniSmtp, pki: Pki, impostor: Pki
) -> None:
    attacker = Impersonate(impostor.server(), pki.client())
    events, peer, error = await mitm_session(mini, attacker, unverified(ssl.TLSVersion.TLSv1_2))
    assert (error, attacker.failure) == (None, None)
    assert peer == load_pem_x509_certificate(impostor.cert.read_bytes()).public_bytes(Encoding.DER)
    assert bytes(attacker.seen) == b"EHLO client.test\r\nQUIT\r\n"  # read in clear by the MITM
    assert (True, b"EHLO client.test") in mini.lines  # and relayed inside real TLS
    # The client talked TLS 1.2 with the impostor: the eavesdropper sees its certificate.
    certs = [i.certificates for r in wire_records(events, Side.SERVER) for i in r.handshake]
    assert ("CN=sandbox.test,O=smtp-tutor sandbox",) in certs
    assert wire_records(events, Side.CLIENT)[0].handshake[0].sni == "sandbox.test"


async def test_tamper_take_over_is_refused_by_a_verifying_client(
    mini: MiniSmtp, pki: Pki, impostor: Pki
) -> None:
    attacker = Impersonate(impostor.server(), pki.client())
    events, _, error = await mitm_session(mini, attacker, pki.client(ssl.TLSVersion.TLSv1_2))
    assert isinstance(error, ssl.SSLCertVerificationError)
    assert isinstance(attacker.failure, ssl.SSLError | ConnectionError)
    assert attacker.seen == b""
    assert not any(tls for tls, _ in mini.lines)
    # The eavesdropper sees the client stop after the impostor's certificate: no key exchange.
    client = wire_records(events, Side.CLIENT)
    assert client[0].handshake[0].name == "ClientHello"
    assert all(r.content_type_name == "alert" for r in client[1:])  # asyncio may not send one
    server = [i.name for r in wire_records(events, Side.SERVER) for i in r.handshake]
    assert server == ["ServerHello", "Certificate", "ServerKeyExchange", "ServerHelloDone"]
