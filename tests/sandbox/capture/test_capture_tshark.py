"""The capture read by the real tool: tshark alone, with no setting and no key log file, finds the
SMTP conversation inside TLS because the pcapng carries the secrets (issue 12, section 3).

Sessions are real: the lab's own client against its watched sandbox server for TLS 1.3 (STARTTLS
on 587, implicit TLS on 465: one TCP connection, I15), and swaks forced to TLS 1.2 through a tap
to a sandbox server that logs its own secrets (what `smtp-tutor sandbox --keylog` does for outside
clients: both legs of the tap). tshark reads files only (never a live interface), with a private
HOME so no one's Wireshark profile changes what it sees.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from tshark_kit import Tshark

from sandbox.capture.legs import service_port
from sandbox.capture.write import write_capture
from sandbox.events import SandboxEvent
from sandbox.lab.scenarios import MESSAGE, RECIPIENT, SENDER
from sandbox.lab.session import LabSession
from sandbox.pki.certs import CertBundle
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from sandbox.tlsview.keylog import CLIENT_RANDOM, KeyLog
from sandbox.wire.tap import WireTap

# tshark takes a second or more to start on a busy machine, and each test starts it 2-3 times
pytestmark = [pytest.mark.interop, pytest.mark.timeout(240)]

BODY_WORDS = "secret the eavesdropper wants"  # a phrase of the lab's message body
assert BODY_WORDS in MESSAGE


@pytest.fixture
def tshark(tool: Callable[[str], str], tmp_path: Path) -> Tshark:
    return Tshark.private(tool("tshark"), tmp_path)


async def lab_capture(scenario: str, where: Path, *, secrets: bool = True) -> Path:
    """Run a built-in lab to the end and write its capture, with the client's secrets."""
    events: list[SandboxEvent] = []
    session = LabSession(scenario, emit=events.append, keep_secrets=True)
    await session.start()
    try:
        await session.play()
    finally:
        await session.stop()
    sc = session.scenario
    capture = where / f"{scenario}.pcapng"
    port = service_port(implicit_tls=sc.implicit_tls, submission=sc.authenticate)
    keylog = session.keylog.to_bytes()
    assert keylog  # the lab kept its secrets
    write_capture(capture, events, port=port, keylog=keylog if secrets else b"")
    return capture


FIELDS = (
    "tcp.stream",
    "ip.src",
    "tcp.dstport",
    "tcp.flags.syn",
    "tcp.flags.ack",
    "frame.protocols",
    "smtp.command_line",
    "smtp.response.code",
    "tls.handshake.type",
    "tls.handshake.extensions_server_name",
    "tls.handshake.extensions.supported_version",
    "tls.handshake.version",
)


class Dissection:
    """What one tshark run over the whole capture shows (one process: a busy machine pays for
    each tshark start): the port the client connects to, its commands on its own connection (the
    capture's first stream: the only one of a watched session, the client's leg of a relayed
    one), the hellos' fields."""

    def __init__(self, tshark: Tshark, capture: Path) -> None:
        wanted = "smtp || tls.handshake.type == 1 || tls.handshake.type == 2 || tcp.flags.syn"
        self.rows = [dict(zip(FIELDS, r, strict=True)) for r in tshark(capture, wanted, *FIELDS)]
        (self.port,) = {  # the port the client connects to
            int(r["tcp.dstport"])
            for r in self.rows
            if r["tcp.flags.syn"] in ("1", "True") and r["tcp.flags.ack"] in ("0", "False")
        }

    def commands(self) -> list[tuple[str, bool]]:
        """The client's command lines on its own connection, each with whether it came inside
        TLS."""
        return [
            (r["smtp.command_line"].removesuffix("\\r\\n"), ":tls:" in r["frame.protocols"])
            for r in self.rows
            if r["smtp.command_line"] and r["tcp.stream"] == "0"
        ]

    def replies(self, code: str) -> list[bool]:
        """Whether each reply `code` the client's connection carried to it came inside TLS."""
        return [
            ":tls:" in r["frame.protocols"]
            for r in self.rows
            if code in r["smtp.response.code"].split(",") and r["tcp.stream"] == "0"
        ]

    def hello(self, kind: int, field: str) -> list[str]:
        """`field` of each ClientHello (1) or ServerHello (2), on every connection."""
        return [r[field] for r in self.rows if str(kind) in r["tls.handshake.type"].split(",")]


async def test_m29_tls13_starttls_decrypts_with_no_setting(tshark: Tshark, tmp_path: Path) -> None:
    capture = await lab_capture("starttls", tmp_path)
    seen = Dissection(tshark, capture).commands()
    verbs = [(line.split()[0], tls) for line, tls in seen]
    assert verbs[:2] == [("EHLO", False), ("STARTTLS", False)]  # readable to anyone
    assert verbs[2:] == [
        ("EHLO", True),
        ("AUTH", True),
        ("MAIL", True),
        ("RCPT", True),
        ("DATA", True),
        ("QUIT", True),
    ]
    assert (f"MAIL FROM:<{SENDER}>", True) in seen and (f"RCPT TO:<{RECIPIENT}>", True) in seen
    # the body: inside the decrypted TLS, never in the bytes on the wire
    assert len(tshark(capture, f'imf contains "{BODY_WORDS}"')) == 1  # one connection (I15)
    assert tshark(capture, f'frame contains "{BODY_WORDS}"') == []
    # TLS 1.3 chosen (ServerHello's supported_versions), the SNI the client sent
    dissected = Dissection(tshark, capture)
    assert dissected.port == 587
    assert dissected.hello(2, "tls.handshake.extensions.supported_version") == ["0x0304"]
    sni = dissected.hello(1, "tls.handshake.extensions_server_name")
    assert sni == ["sandbox.test"]  # the one ClientHello: no relay passed it on


async def test_m29_without_the_secrets_tls_stays_opaque(tshark: Tshark, tmp_path: Path) -> None:
    """Control: the same session written with no secrets block shows nothing after STARTTLS,
    so what the test above finds inside TLS comes from the capture's own secrets."""
    capture = await lab_capture("starttls", tmp_path, secrets=False)
    dissected = Dissection(tshark, capture)
    assert [line for line, _ in dissected.commands()] == ["EHLO client.test", "STARTTLS"]
    assert tshark(capture, f'imf contains "{BODY_WORDS}"') == []
    sni = dissected.hello(1, "tls.handshake.extensions_server_name")
    assert sni == ["sandbox.test"]  # the SNI is readable to anyone: it is in the clear


async def test_m29_implicit_tls_on_465(tshark: Tshark, tmp_path: Path) -> None:
    capture = await lab_capture("implicit-tls", tmp_path)
    dissected = Dissection(tshark, capture)
    assert dissected.port == 465
    seen = dissected.commands()
    assert [line.split()[0] for line, _ in seen] == ["EHLO", "AUTH", "MAIL", "RCPT", "DATA", "QUIT"]
    assert all(tls for _, tls in seen)  # nothing of SMTP in the clear, not even the first EHLO
    assert dissected.replies("220") == [True]  # even the banner came inside TLS
    assert len(tshark(capture, f'imf contains "{BODY_WORDS}"')) == 1
    assert dissected.hello(1, "tls.handshake.extensions_server_name") == ["sandbox.test"]


async def swaks_through_tap(
    server: SandboxServer, ca: Path, demo: tuple[str, str], events: list[SandboxEvent]
) -> str:
    tap = WireTap(server.host, server.port, emit=events.append)
    await tap.start()
    exe = shutil.which("swaks")
    assert exe
    try:
        proc = await asyncio.create_subprocess_exec(
            exe,
            "--server", f"{tap.host}:{tap.port}",
            "--tls", "--tls-protocol", "tlsv1_2",
            "--tls-verify", "--tls-ca-path", str(ca), "--tls-sni", "sandbox.test",
            "--auth", "PLAIN", "--auth-user", demo[0], "--auth-password", demo[1],
            "--helo", "client.test", "--from", SENDER, "--to", RECIPIENT,
            "--body", "Sent by swaks over TLS 1.2.",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, out
        await server.mailbox.wait_for(1)
    finally:
        await tap.stop()
    return out.decode("utf-8", "replace")


async def test_m30_tls12_from_an_outside_client_with_the_servers_secrets(
    tshark: Tshark,
    tool: Callable[[str], str],
    certs: CertBundle,
    demo: tuple[str, str],
    tmp_path: Path,
) -> None:
    """swaks at TLS 1.2; the sandbox server logs its secrets (CLIENT_RANDOM lines, TLS 1.2's)."""
    tool("swaks")
    keylog = tmp_path / "server.keys"
    server = SandboxServer(
        ServerPolicy(), certs=certs, accounts={demo[0]: demo[1]}, keylog_file=keylog
    )
    await server.start()
    events: list[SandboxEvent] = []
    try:
        await swaks_through_tap(server, certs.ca_cert, demo, events)
    finally:
        await server.stop()
    secrets = keylog.read_bytes()
    (client_random,) = KeyLog.parse(secrets)  # one handshake, logged as TLS 1.2 logs it
    assert set(KeyLog.parse(secrets).session(client_random)) == {CLIENT_RANDOM}
    capture = tmp_path / "swaks.pcapng"
    write_capture(capture, events, port=587, keylog=secrets)
    dissected = Dissection(tshark, capture)
    assert [(line.split()[0], tls) for line, tls in dissected.commands()] == [
        ("EHLO", False),
        ("STARTTLS", False),
        ("EHLO", True),
        ("AUTH", True),
        ("MAIL", True),
        ("RCPT", True),
        ("DATA", True),
        ("QUIT", True),
    ]
    assert dissected.hello(2, "tls.handshake.version") == ["0x0303"] * 2  # TLS 1.2, both legs
    assert dissected.hello(2, "tls.handshake.extensions.supported_version") == [""] * 2
    assert len(tshark(capture, 'imf contains "Sent by swaks over TLS 1.2."')) == 2
    assert tshark(capture, 'frame contains "Sent by swaks"') == []
