"""Shared by the tlsview tests: real lab sessions with their secrets, and what they said.

`run_forced` runs a lab in a child process whose OpenSSL is configured (OPENSSL_CONF) to offer
one TLS 1.3 suite or to stop at TLS 1.2: Python's ssl module cannot choose TLS 1.3 suites, and
OpenSSL reads its configuration once per process. The TLS 1.2 suite is forced through the
sandbox's own cipher list. The child pickles the events and the key log back.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

from sandbox.events import ConversationLine, SandboxEvent, Side, WireChunk
from sandbox.tlsview.keylog import KeyLog
from sandbox.wire.decode import ConnectionDecoder

CHILD = """
import asyncio, pickle, sys
from sandbox.pki import tlsconfig
from sandbox.lab.session import LabSession

scenario, ciphers = sys.argv[1], sys.argv[2]
if ciphers:
    tlsconfig.INTERMEDIATE_CIPHERS = ciphers

async def main():
    events = []
    session = LabSession(scenario, emit=events.append, keep_secrets=True, timeout=30)
    await session.start()
    try:
        await session.play()
    finally:
        await session.stop()
    return events, session.keylog.to_bytes()

sys.stdout.buffer.write(pickle.dumps(asyncio.run(main())))
"""

# (TLS 1.3 suite for OpenSSL's Ciphersuites, or the TLS 1.2 suite for the sandbox's list)
TLS13_SUITES = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")
TLS12_SUITES = (  # the sandbox's certificate is ECDSA: its ECDHE_ECDSA suites
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
)


def run_forced(scenario: str, suite: str, tmp_path: Path) -> tuple[list[SandboxEvent], KeyLog]:
    tls13 = suite.startswith("TLS_")
    conf = tmp_path / "openssl.cnf"
    conf.write_text(
        "openssl_conf = openssl_init\n[openssl_init]\nssl_conf = ssl_sect\n"
        "[ssl_sect]\nsystem_default = system_default_sect\n[system_default_sect]\n"
        + (f"Ciphersuites = {suite}\n" if tls13 else "MaxProtocol = TLSv1.2\n")
    )
    env = dict(os.environ, OPENSSL_CONF=str(conf))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, scenario, "" if tls13 else suite],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    events, keylog = pickle.loads(done.stdout)  # our own child's output
    return events, KeyLog.parse(keylog)


def said_in_tls(events: list[SandboxEvent], side: Side) -> list[tuple[str, int, str]]:
    """What the conversation events say `side` sent inside TLS: per event, its line, how many
    lines of a message body it folds after it (E13), and the last of them."""
    return [
        (e.text, getattr(e, "more", 0), getattr(e, "last", ""))
        for e in events
        if isinstance(e, ConversationLine) and e.sender is side and e.tls
    ]


def assert_said(plaintext: bytes, said: list[tuple[str, int, str]]) -> None:
    """`plaintext` is, line for line and byte for byte, what the conversation events say was
    sent: every line an event shows is the line in the stream, a folded body has as many lines
    as the event counts and ends with the line it names, and nothing is left over."""
    assert plaintext.endswith(b"\r\n"), plaintext[-40:]
    lines = plaintext[:-2].split(b"\r\n")
    at = 0
    for text, more, last in said:
        assert lines[at].decode() == text, (at, lines[at][:80], text[:80])
        if more:
            assert lines[at + more].decode() == last
        at += 1 + more
    assert at == len(lines)


def chunks(events: list[SandboxEvent]) -> list[tuple[Side, bytes]]:
    return [(e.sender, e.data) for e in events if isinstance(e, WireChunk)]


def replay(reads: list[tuple[Side, bytes]]) -> list[SandboxEvent]:
    """The wire tap's events for these reads, from the tap's own decoder."""
    out: list[SandboxEvent] = []
    decoder = ConnectionDecoder(out.append)
    for side, data in reads:
        decoder.feed(side, data)
    decoder.finish()
    return out
