"""What the eavesdropper sees of real STARTTLS and implicit TLS sessions via the tap (I5, I6)."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from test_wiretap_kit import (
    LineClient,
    MiniSmtp,
    Pki,
    chunk_bytes,
    make_pki,
    switches,
    tap_for,
    texts,
    wire_lines,
    wire_records,
)

from sandbox.events import Notice, SandboxEvent, Side, WireLine, WireRecord, WireSwitch


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path / "pki")


@pytest.fixture
async def mini(pki: Pki) -> AsyncIterator[MiniSmtp]:
    server = MiniSmtp(pki.server())
    await server.start()
    yield server
    await server.stop()


async def starttls_session(
    mini: MiniSmtp, pki: Pki, maximum: ssl.TLSVersion = ssl.TLSVersion.MAXIMUM_SUPPORTED
) -> list[SandboxEvent]:
    """EHLO, STARTTLS, handshake, EHLO, NOOP, QUIT through the tap; returns its events."""
    async with tap_for(mini.port) as (tap, events):
        client = await LineClient.connect(tap.port)
        assert (await client.reply())[0].startswith(b"220 ")
        assert (await client.command(b"EHLO client.test"))[-1] == b"250 STARTTLS"
        assert await client.command(b"STARTTLS") == [b"220 2.0.0 Ready to start TLS"]
        await client.starttls(pki.client(maximum))
        assert (await client.command(b"EHLO client.test"))[-1] == b"250 AUTH PLAIN"
        assert await client.command(b"NOOP " + b"x" * 20000) == [b"250 2.0.0 OK"]
        assert await client.command(b"QUIT") == [b"221 2.0.0 Bye"]
        await client.close()
    return events


def handshake_names(records: list[WireRecord]) -> list[str]:
    return [info.name for rec in records for info in rec.handshake]


async def test_starttls_session_lines_then_switch_then_records(mini: MiniSmtp, pki: Pki) -> None:
    events = await starttls_session(mini, pki)
    assert texts(events, Side.CLIENT) == ["EHLO client.test", "STARTTLS"]
    assert texts(events, Side.SERVER) == [
        "220 sandbox.test ESMTP mini",
        "250-sandbox.test",
        "250-PIPELINING",
        "250 STARTTLS",
        "220 2.0.0 Ready to start TLS",
    ]
    # The switch sits exactly after "STARTTLS\r\n" and after the 220 line.
    client_plain = len(b"EHLO client.test\r\nSTARTTLS\r\n")
    ready = b"220 2.0.0 Ready to start TLS\r\n"
    server_plain = chunk_bytes(events, Side.SERVER).index(ready) + len(ready)
    assert [(s.sender, s.offset) for s in switches(events)] == [
        (Side.SERVER, server_plain),
        (Side.CLIENT, client_plain),
    ]
    assert chunk_bytes(events, Side.CLIENT)[client_plain] == 0x16
    # Order: every plaintext line comes before the switch, every record after it.
    kinds = [type(e).__name__ for e in events if isinstance(e, WireLine | WireSwitch | WireRecord)]
    assert kinds.index("WireRecord") > kinds.index("WireSwitch")
    assert "WireLine" not in kinds[kinds.index("WireRecord") :]

    client, server = wire_records(events, Side.CLIENT), wire_records(events, Side.SERVER)
    hello = client[0]
    assert hello.offset == client_plain
    assert hello.content_type_name == "handshake"
    info = hello.handshake[0]
    assert (info.name, info.sni, info.versions) == (
        "ClientHello",
        "sandbox.test",
        ("TLS 1.3", "TLS 1.2"),
    )
    assert "TLS_AES_128_GCM_SHA256" in info.cipher_suites
    assert server[0].offset == server_plain
    assert server[0].handshake[0].name == "ServerHello"
    assert server[0].handshake[0].versions == ("TLS 1.3",)
    # TLS 1.3: the rest is opaque; the certificate and the SMTP commands are not visible.
    assert handshake_names(server) == ["ServerHello"]
    assert handshake_names(client) == ["ClientHello"]
    encrypted = [r for r in client + server if r.encrypted]
    assert len(encrypted) >= 6
    assert all(r.content_type_name == "application_data" for r in encrypted)
    assert any(r.length > 16000 for r in client)  # the long NOOP, seen only as a length
    assert not [e for e in events if isinstance(e, Notice)]
    # Offsets are exact: each record starts where the bytes say a record starts.
    wire = chunk_bytes(events, Side.CLIENT)
    for rec in client:
        assert wire[rec.offset] == rec.content_type
        assert int.from_bytes(wire[rec.offset + 3 : rec.offset + 5], "big") == rec.length


async def test_tls12_session_shows_the_certificate_subject(mini: MiniSmtp, pki: Pki) -> None:
    events = await starttls_session(mini, pki, ssl.TLSVersion.TLSv1_2)
    client, server = wire_records(events, Side.CLIENT), wire_records(events, Side.SERVER)
    assert client[0].handshake[0].versions == ("TLS 1.2",)
    assert handshake_names(server)[:4] == [
        "ServerHello",
        "Certificate",
        "ServerKeyExchange",
        "ServerHelloDone",
    ]
    (cert,) = [i for r in server for i in r.handshake if i.name == "Certificate"]
    assert cert.certificates == ("CN=sandbox.test,O=smtp-tutor sandbox",)
    assert handshake_names(client) == ["ClientHello", "ClientKeyExchange"]
    assert [r.content_type_name for r in client][2] == "change_cipher_spec"
    assert all(r.encrypted for r in client[3:])


async def test_tls13_session_hides_the_certificate(mini: MiniSmtp, pki: Pki) -> None:
    events = await starttls_session(mini, pki, ssl.TLSVersion.TLSv1_3)
    seen = [i for r in wire_records(events, Side.SERVER) for i in r.handshake]
    assert [i.name for i in seen] == ["ServerHello"]
    assert not any(i.certificates for i in seen)
    assert b"sandbox.test ESMTP" not in chunk_bytes(events, Side.SERVER)[200:]


async def test_refused_starttls_stays_plaintext(pki: Pki) -> None:
    mini = MiniSmtp(pki.server(), starttls_reply=b"454 4.7.0 TLS not available")
    await mini.start()
    try:
        async with tap_for(mini.port) as (tap, events):
            client = await LineClient.connect(tap.port)
            await client.reply()
            # Pipelined after STARTTLS: since the server refuses, these stay ordinary plaintext.
            await client.send(b"STARTTLS\r\nNOOP\r\n")
            assert await client.reply() == [b"454 4.7.0 TLS not available"]
            assert await client.reply() == [b"250 2.0.0 OK"]
            assert await client.command(b"QUIT") == [b"221 2.0.0 Bye"]
            await client.close()
    finally:
        await mini.stop()
    assert switches(events) == []
    assert texts(events, Side.CLIENT) == ["STARTTLS", "NOOP", "QUIT"]
    assert not any(line.injected for line in wire_lines(events, Side.CLIENT))
    assert wire_records(events, Side.CLIENT) == []


async def test_implicit_tls_is_tls_from_the_first_byte(pki: Pki) -> None:
    mini = MiniSmtp(pki.server())
    await mini.start(implicit=True)
    try:
        async with tap_for(mini.port) as (tap, events):
            client = await LineClient.connect(
                tap.port, ssl=pki.client(), server_hostname="sandbox.test"
            )
            assert (await client.reply())[0].startswith(b"220 ")
            assert await client.command(b"QUIT") == [b"221 2.0.0 Bye"]
            await client.close()
    finally:
        await mini.stop()
    assert [(s.sender, s.offset) for s in switches(events)] == [(Side.CLIENT, 0), (Side.SERVER, 0)]
    assert [e for e in events if isinstance(e, WireLine)] == []
    assert wire_records(events, Side.CLIENT)[0].handshake[0].sni == "sandbox.test"
    assert wire_records(events, Side.SERVER)[0].handshake[0].name == "ServerHello"


async def test_i6_plaintext_pipelined_after_starttls_is_shown_as_injected(
    mini: MiniSmtp, pki: Pki
) -> None:
    async with tap_for(mini.port) as (tap, events):
        client = await LineClient.connect(tap.port)
        await client.reply()
        await client.send(b"STARTTLS\r\nMAIL FROM:<evil@x.test>\r\n")  # one write
        assert await client.reply() == [b"220 2.0.0 Ready to start TLS"]
        await client.starttls(pki.client())
        assert (await client.command(b"EHLO client.test"))[-1] == b"250 AUTH PLAIN"
        await client.command(b"QUIT")
        await client.close()
    assert mini.discarded == [b"MAIL FROM:<evil@x.test>\r\n"]  # the server forgot it (B1)
    lines = wire_lines(events, Side.CLIENT)
    assert [(ln.text, ln.injected) for ln in lines] == [
        ("STARTTLS", False),
        ("MAIL FROM:<evil@x.test>", True),
    ]
    (switch,) = [s for s in switches(events) if s.sender is Side.CLIENT]
    assert switch.offset == len(b"STARTTLS\r\n") == lines[1].offset
    hello = wire_records(events, Side.CLIENT)[0]
    assert hello.offset == len(b"STARTTLS\r\nMAIL FROM:<evil@x.test>\r\n")
    assert hello.handshake[0].name == "ClientHello"


async def test_i6_plaintext_after_the_servers_220_is_shown_as_injected(pki: Pki) -> None:
    mini = MiniSmtp(pki.server(), after_220=b"250-injected\r\n250 reply\r\n")
    await mini.start()
    try:
        async with tap_for(mini.port) as (tap, events):
            client = await LineClient.connect(tap.port)
            await client.reply()
            assert await client.command(b"STARTTLS") == [b"220 2.0.0 Ready to start TLS"]
            # F3: a correct client would find those lines unread after the 220 and give up.
            assert await client.reply() == [b"250-injected", b"250 reply"]
            await client.close()
    finally:
        await mini.stop()
    server = wire_lines(events, Side.SERVER)
    assert [(ln.text, ln.injected) for ln in server[-3:]] == [
        ("220 2.0.0 Ready to start TLS", False),
        ("250-injected", True),
        ("250 reply", True),
    ]
    (switch,) = [s for s in switches(events) if s.sender is Side.SERVER]
    assert switch.offset == server[-2].offset


async def test_i5_wire_lines_are_terminal_safe(pki: Pki) -> None:
    mini = MiniSmtp(pki.server())
    await mini.start()
    try:
        async with tap_for(mini.port) as (tap, events):
            client = await LineClient.connect(tap.port)
            await client.reply()
            await client.command(b"NOOP \x1b]0;owned\x07 \x1b[2J\rbad\x00\xff\xe6\x97\xa5")
            await client.command(b"QUIT")
            await client.close()
    finally:
        await mini.stop()
    (noop,) = [t for t in texts(events, Side.CLIENT) if t.startswith("NOOP")]
    assert noop == "NOOP \\x1b]0;owned\\x07 \\x1b[2J\\rbad\\x00\\xff日"
    for event in events:
        if isinstance(event, WireLine):
            assert event.text.isprintable()
