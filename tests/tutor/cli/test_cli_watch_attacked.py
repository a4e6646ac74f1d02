"""`smtp-tutor watch` and `smtp-tutor sandbox --learners 30` attacked from outside (properties.md
X4): bursts of 100 connects at once (closed, and reset), 10 MB floods of bare LFs, of random bytes
and of bytes without a newline, and clients that reset in the middle of a TLS handshake (after
STARTTLS, and on the implicit TLS port). After each, a normal client (STARTTLS, AUTH, a message)
is served, and what the command streams (`--json`, one event a line) stays bounded. A real
subprocess, real sockets, real TLS; no mocks."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import smtplib
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sandbox.pki import tlsconfig
from sandbox.wire.decode import MAX_LINES

WAIT = 120.0
# one attack may stream at most this much: 2 x MAX_LINES lines a direction (and the
# conversation read back off them) plus a few hundred session events; bytes: the tap records
# 4 MiB of a connection, each byte at most two characters of JSON
MAX_EVENTS = 4 * MAX_LINES + 1_000
MAX_BYTES = 12 * 1024 * 1024


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(path))
    return path


@dataclass
class Stream:
    """A running command and what it streamed so far, gathered by threads as it comes."""

    proc: subprocess.Popen[bytes]
    ready: dict[str, object]
    types: list[str] = field(default_factory=list)
    size: int = 0
    err: list[str] = field(default_factory=list)
    grew: threading.Condition = field(default_factory=threading.Condition)

    def read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            kind = json.loads(line)["type"]
            with self.grew:
                self.types.append(kind)
                self.size += len(line)
                self.grew.notify_all()

    def read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self.grew:
                self.err.append(line.decode("utf-8", "replace"))
                self.grew.notify_all()

    def delivered(self) -> int:
        with self.grew:
            return self.types.count("MessageDelivered")

    def wait_delivered(self, count: int) -> None:
        with self.grew:
            got = self.grew.wait_for(lambda: self.types.count("MessageDelivered") >= count, WAIT)
            assert got, f"no delivery {count}: {self.types[-20:]}"

    def wait_err(self, pattern: str) -> re.Match[str]:
        with self.grew:
            found: list[re.Match[str]] = []

            def seen() -> bool:
                found[:] = [m for line in self.err if (m := re.search(pattern, line))]
                return bool(found)

            assert self.grew.wait_for(seen, WAIT), self.err
            return found[0]


def _run(*args: str) -> Iterator[Stream]:
    env = dict(os.environ, PYTHONWARNINGS="error::ResourceWarning")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tutor.cli.main", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert proc.stdout is not None
        stream = Stream(proc, json.loads(proc.stdout.readline()))
        threading.Thread(target=stream.read, daemon=True).start()
        threading.Thread(target=stream.read_err, daemon=True).start()
        yield stream
        proc.send_signal(signal.SIGINT)
        assert proc.wait(WAIT) == 0
        err = "".join(stream.err)
        assert "Traceback" not in err and "unclosed" not in err and "was destroyed" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- the attacks --------------------------------------------------------------------------------


def _where(text: str) -> tuple[str, int]:
    host, port = text.rsplit(":", 1)
    return host, int(port)


def _reset(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def burst(where: str, *, reset: bool = False) -> None:
    """100 connections open at once, then all closed (or reset) together."""
    with ThreadPoolExecutor(max_workers=100) as pool:
        socks = list(pool.map(lambda _: socket.create_connection(_where(where), WAIT), range(100)))
    for sock in socks:
        _reset(sock) if reset else sock.close()


def flood(where: str, data: bytes) -> None:
    # the server may hang up on the junk: that is its right
    with socket.create_connection(_where(where), WAIT) as sock, contextlib.suppress(OSError):
        sock.sendall(data)


def _client_hello() -> bytes:
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname="sandbox.test")
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def half_handshake(where: str, *, starttls: bool) -> None:
    """A TLS handshake cut after 60 bytes of the ClientHello by a reset, 20 times."""
    for _ in range(20):
        sock = socket.create_connection(_where(where), WAIT)
        if starttls:
            replies = sock.makefile("rb")
            replies.readline()
            sock.sendall(b"EHLO attacker.test\r\n")
            while replies.readline()[3:4] != b" ":
                pass
            sock.sendall(b"STARTTLS\r\n")
            assert replies.readline().startswith(b"220")
            replies.close()
        sock.sendall(_client_hello()[:60])
        _reset(sock)


LF_FLOOD = b"\n" * (10 << 20)
NO_NEWLINE = bytes(range(11, 256)) * ((10 << 20) // 245)
RANDOM = os.urandom(10 << 20)

Attack = Callable[[str, str | None], None]  # (the STARTTLS port, the implicit TLS port)
ATTACKS: dict[str, Attack] = {
    "a burst of 100 connects": lambda sub, _: burst(sub),
    "a burst of 100 connects, reset": lambda sub, _: burst(sub, reset=True),
    "10 MB of bare LFs": lambda sub, _: flood(sub, LF_FLOOD),
    "10 MB without a newline": lambda sub, _: flood(sub, NO_NEWLINE),
    "10 MB of random bytes": lambda sub, _: flood(sub, RANDOM),
    "resets after STARTTLS, mid-handshake": lambda sub, _: half_handshake(sub, starttls=True),
    "a burst of 100 on the TLS port": lambda _, tls: burst(tls) if tls else None,
    "resets mid-handshake on the TLS port": lambda _, tls: (
        half_handshake(tls, starttls=False) if tls else None
    ),
    "10 MB of random bytes on the TLS port": lambda _, tls: flood(tls, RANDOM) if tls else None,
}


def _send(where: str, user: str, password: str, ca: str) -> None:
    """A normal client: STARTTLS, AUTH, one message. Refused with 421 only while the attack's
    connections are still being closed (the cap, E3): then it tries again."""
    while True:
        try:
            with smtplib.SMTP(*_where(where), local_hostname="pc.test", timeout=WAIT) as s:
                s.starttls(context=tlsconfig.client_context(Path(ca)))
                s.login(user, password)
                s.sendmail(
                    f"{user}@sandbox.test", ["friend@sandbox.test"], b"Subject: ok\r\n\r\nhi\r\n"
                )
                return
        except smtplib.SMTPConnectError as exc:
            if exc.smtp_code != 421:
                raise
            time.sleep(0.1)  # the burst's sessions are still closing


@pytest.mark.timeout(900)
@pytest.mark.parametrize("command", ["watch", "sandbox --learners 30"])
def test_x4_attacked_from_outside_a_normal_client_is_served_and_the_stream_bounded(
    command: str,
) -> None:
    if command == "watch":
        args = ("watch", "--port", "0", "--tls-port", "0", "--json")
    else:
        args = ("sandbox", "--learners", "30", "--json", "--port", "0")
    for stream in _run(*args):
        ready = stream.ready
        ca = str(ready["ca"])
        if command == "watch":
            sub, tls = str(ready["submission"]), str(ready["implicit_tls"])
            account = stream.wait_err(r"Demo account: (\S+) / (\S+)")
            user, password = account.group(1), account.group(2)
        else:
            sub, tls = f"127.0.0.1:{ready['port']}", None
            first = ready["learners"][0]  # type: ignore[index]
            user, password = first["name"], first["password"]
        _send(sub, user, password, ca)
        stream.wait_delivered(1)
        for name, attack in ATTACKS.items():
            with stream.grew:
                events, size = len(stream.types), stream.size
            attack(sub, tls)
            done = stream.delivered()
            _send(sub, user, password, ca)  # served right after (once a burst has closed)
            stream.wait_delivered(done + 1)
            with stream.grew:
                events, size = len(stream.types) - events, stream.size - size
            assert events <= MAX_EVENTS, f"{name}: {events} events"
            assert size <= MAX_BYTES, f"{name}: {size} bytes"
