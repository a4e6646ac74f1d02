"""A watched session's capture is the one TCP connection there was (I15), read back by tshark.

The session is real and on loopback: a client of the test's own (asyncio streams and stdlib `ssl`,
nothing of the tutor's) says EHLO, STARTTLS, then sends one message inside TLS to a sandbox server
whose own socket the observer watches. The client's socket says which port it had; tshark must
find exactly that connection, and nothing else. The same client through the relay (`WireTap`)
gives the tap's two legs, as before.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import Callable
from pathlib import Path

import pytest
from tshark_kit import Tshark

from sandbox.capture.legs import CLIENT_HOST, SERVER_HOST, TAP_HOST
from sandbox.capture.write import write_capture
from sandbox.events import SandboxEvent, WireChunk
from sandbox.pki.certs import CertBundle
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from sandbox.wire.observer import WireObserver
from sandbox.wire.tap import WireTap

pytestmark = [pytest.mark.interop, pytest.mark.timeout(240)]

TIMEOUT = 15.0
SECRET = b"Subject: i15\r\n\r\nthe words an eavesdropper never reads\r\n"
FIELDS = (
    "frame.number",
    "tcp.stream",
    "ip.src",
    "tcp.srcport",
    "ip.dst",
    "tcp.dstport",
    "tcp.len",
    "smtp.command_line",
    "tls.record.content_type",
    "tls.record.opaque_type",  # a TLS 1.3 record's outer type, once the handshake is encrypted
    "frame.comment",
)


@pytest.fixture
def tshark(tool: Callable[[str], str], tmp_path: Path) -> Tshark:
    return Tshark.private(tool("tshark"), tmp_path)


async def reply(reader: asyncio.StreamReader) -> bytes:
    """One whole reply (its last line is `NNN `), or the test fails."""
    while True:
        line = await asyncio.wait_for(reader.readline(), TIMEOUT)
        assert line[:3].isdigit(), line
        if line[3:4] == b" ":
            return line


async def starttls_mail(host: str, port: int, ca: Path, demo: tuple[str, str]) -> tuple[str, int]:
    """EHLO, STARTTLS, then one message inside TLS; returns the client socket's own address."""
    reader, writer = await asyncio.open_connection(host, port)
    mine = writer.get_extra_info("sockname")
    try:
        assert (await reply(reader)).startswith(b"220")
        writer.write(b"EHLO client.test\r\n")
        await reply(reader)
        writer.write(b"STARTTLS\r\n")
        assert (await reply(reader)).startswith(b"220")
        ctx = ssl.create_default_context(cafile=str(ca))
        await asyncio.wait_for(writer.start_tls(ctx, server_hostname="sandbox.test"), TIMEOUT)
        plain = base64.b64encode(f"\0{demo[0]}\0{demo[1]}".encode())
        for line, code in [
            (b"EHLO client.test", b"250"),
            (b"AUTH PLAIN " + plain, b"235"),
            (b"MAIL FROM:<learner@sandbox.test>", b"250"),
            (b"RCPT TO:<friend@sandbox.test>", b"250"),
            (b"DATA", b"354"),
            (SECRET + b".", b"250"),
            (b"QUIT", b"221"),
        ]:
            writer.write(line + b"\r\n")
            assert (await reply(reader)).startswith(code), line
    finally:
        writer.close()
        await writer.wait_closed()
    return str(mine[0]), int(mine[1])


def frames(tshark: Tshark, capture: Path) -> list[dict[str, str]]:
    """Every TCP frame of the capture, as the fields above."""
    return [dict(zip(FIELDS, row, strict=True)) for row in tshark(capture, "tcp", *FIELDS)]


def said(row: dict[str, str]) -> str:
    """The client's command line in a frame, without its CRLF ("" when none)."""
    return row["smtp.command_line"].removesuffix("\\r\\n")


def record_types(row: dict[str, str]) -> list[str]:
    """The TLS record types in a frame (outer types of TLS 1.3's encrypted records included)."""
    kinds = f"{row['tls.record.content_type']},{row['tls.record.opaque_type']}"
    return [k for k in kinds.split(",") if k]


def ends(rows: list[dict[str, str]]) -> set[tuple[str, int, str, int]]:
    return {(r["ip.src"], int(r["tcp.srcport"]), r["ip.dst"], int(r["tcp.dstport"])) for r in rows}


async def test_i15_a_watched_session_is_one_tcp_connection(
    tshark: Tshark, certs: CertBundle, demo: tuple[str, str], tmp_path: Path
) -> None:
    events: list[SandboxEvent] = []
    server = SandboxServer(
        ServerPolicy(tls_level="encrypt"),
        certs=certs,
        accounts={demo[0]: demo[1]},
        observer=WireObserver(events.append),
    )
    await server.start()
    try:
        client = await starttls_mail("127.0.0.1", server.port, certs.ca_cert, demo)
        await server.mailbox.wait_for(1)
    finally:
        await server.stop()
    # every chunk names the connection's real ends, as the client's own socket has them
    seen = {e.endpoints for e in events if isinstance(e, WireChunk)}
    (watched,) = seen
    assert watched is not None
    assert (watched.client_host, watched.client_port) == client
    assert (watched.server_host, watched.server_port) == ("127.0.0.1", server.port)

    capture = tmp_path / "watched.pcapng"
    write_capture(capture, events, port=587)  # no secrets: what a listener sees
    rows = frames(tshark, capture)
    assert {r["tcp.stream"] for r in rows} == {"0"}  # one TCP connection, no relay's second
    server_end = ("127.0.0.1", 587)  # the lab's well-known port (M28), and its real address
    assert ends(rows) == {(*client, *server_end), (*server_end, *client)}
    assert f"listened on 127.0.0.1:{server.port};" in rows[0]["frame.comment"]
    assert all(not r["frame.comment"] for r in rows[1:])

    # SMTP in the clear up to STARTTLS, then only TLS records, application data both ways
    commands = [(said(r), int(r["frame.number"])) for r in rows if said(r)]
    assert [c for c, _ in commands] == ["EHLO client.test", "STARTTLS"]
    starttls = commands[-1][1]
    with_data = [r for r in rows if int(r["tcp.len"] or 0)]
    after = [r for r in with_data if int(r["frame.number"]) > starttls + 2]  # past the 220
    assert after and all(record_types(r) for r in after)  # nothing but TLS records
    application_data = {int(r["tcp.srcport"]) for r in after if "23" in record_types(r)}
    assert application_data == {client[1], 587}  # both ways
    assert tshark(capture, 'frame contains "eavesdropper never reads"') == []


async def test_i15_a_relayed_session_keeps_both_legs_of_the_tap(
    tshark: Tshark, certs: CertBundle, demo: tuple[str, str], tmp_path: Path
) -> None:
    events: list[SandboxEvent] = []
    server = SandboxServer(ServerPolicy(tls_level="encrypt"), certs=certs, accounts=dict([demo]))
    await server.start()
    tap = WireTap(server.host, server.port, emit=events.append)
    await tap.start()
    try:
        await starttls_mail(tap.host, tap.port, certs.ca_cert, demo)
        await server.mailbox.wait_for(1)
    finally:
        await tap.stop()
        await server.stop()
    assert {e.endpoints for e in events if isinstance(e, WireChunk)} == {None}  # the relay's

    capture = tmp_path / "relayed.pcapng"
    write_capture(capture, events, port=587)
    rows = frames(tshark, capture)
    streams = {s: ends([r for r in rows if r["tcp.stream"] == s]) for s in ("0", "1")}
    assert {r["tcp.stream"] for r in rows} == {"0", "1"}
    (client_leg,) = {e for e in streams["0"] if e[0] == CLIENT_HOST}
    (tap_leg,) = {e for e in streams["1"] if e[0] == TAP_HOST}
    assert client_leg[2:] == (TAP_HOST, 587) and tap_leg[2:] == (SERVER_HOST, 587)
    for stream in ("0", "1"):  # each leg carries the conversation the tap relayed
        lines = [said(r) for r in rows if r["tcp.stream"] == stream]
        assert [c for c in lines if c] == ["EHLO client.test", "STARTTLS"]
    assert not any(r["frame.comment"] for r in rows)
