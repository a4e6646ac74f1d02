"""Files for Wireshark: `demo SCENARIO --pcap FILE --keylog FILE` and `sandbox --keylog FILE`.

The demo's capture carries the session's TLS secrets inside it (a pcapng Decryption Secrets
Block), so `tshark -r FILE -Y smtp` or Wireshark decrypts it with no setting at all; `--keylog`
writes the same secrets as an NSS key log on its own. The sandbox's `--keylog` is for outside
clients: the server logs the secrets of every session, so a learner who captured swaks with
tcpdump can decrypt what they captured. Every such file is 0600 (it opens sessions, passwords
included), and the sandbox says so on stderr as it starts. What these options print goes to
stderr: stdout stays the demo's output (its --json lines included).
"""

from __future__ import annotations

import argparse
import errno
import os
import shlex
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from sandbox.events import SandboxEvent
    from sandbox.lab.scenarios import Scenario
    from sandbox.tlsview.keylog import KeyLog


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Wireshark")
    group.add_argument(
        "--pcap",
        type=Path,
        metavar="FILE",
        help="write the session as a pcapng capture carrying its TLS secrets "
        "(tshark -r FILE -Y smtp decrypts it with no setting)",
    )
    group.add_argument(
        "--keylog",
        type=Path,
        metavar="FILE",
        help="write the session's TLS secrets as an NSS key log (SSLKEYLOGFILE format)",
    )


def add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--keylog",
        type=Path,
        metavar="FILE",
        help="log the TLS secrets of every session to FILE (0600), to decrypt a capture "
        "of an outside client in Wireshark; anyone with FILE can read those sessions",
    )


class DemoFiles:
    """What `demo --pcap/--keylog` asked for: `keep` receives the session's secrets when the lab
    stops (run_demo calls it), `save` writes the files once the demo is over."""

    def __init__(self, args: argparse.Namespace, err: TextIO | None = None) -> None:
        self.pcap: Path | None = args.pcap
        self.keylog: Path | None = args.keylog
        self.err = err if err is not None else sys.stderr
        self._secrets = b""

    @property
    def wanted(self) -> bool:
        """A capture or a key log was asked for: the lab's client must keep its secrets."""
        return bool(self.pcap or self.keylog)

    def keep(self, keylog: KeyLog) -> None:
        self._secrets += keylog.to_bytes()

    def save(self, scenario: Scenario, events: Iterable[SandboxEvent]) -> int:
        """Write the files asked for; 0, or 1 with one line on stderr saying why not."""
        from sandbox.capture.write import write_capture, write_keylog

        target = self.keylog
        try:
            if self.keylog:
                write_keylog(self.keylog, self._secrets)
                self.err.write(f"=== TLS secrets written to {self.keylog} (0600, NSS key log)\n")
            if self.pcap:
                target = self.pcap
                port = capture_port(scenario)
                both = not scenario.attack  # an attack's tap changes what it passes on (M34)
                write_capture(self.pcap, events, port=port, keylog=self._secrets, both_legs=both)
                self.err.write(capture_written(self.pcap, has_secrets=bool(self._secrets)) + "\n")
        except OSError as exc:
            self.err.write(f"smtp-tutor demo: cannot write {target}: {exc.strerror or exc}\n")
            return 1
        return 0


def capture_port(scenario: Scenario) -> int:
    """The well-known port of what the lab plays, so Wireshark needs no "decode as"."""
    from sandbox.capture.legs import service_port

    return service_port(implicit_tls=scenario.implicit_tls, submission=scenario.authenticate)


def capture_written(path: Path, *, has_secrets: bool) -> str:
    """The one line that says where the capture went and how to open it."""
    if not has_secrets:
        return (
            f"=== Capture written to {path} (0600; no TLS secrets were logged, so any TLS in it "
            f"stays opaque): tshark -r {path} -Y smtp, or open it in Wireshark."
        )
    return (
        f"=== Capture written to {path} (0600; it holds the TLS secrets): "
        f"tshark -r {path} -Y smtp shows the SMTP inside TLS; in Wireshark, File > Open "
        "and filter smtp. No key log setting is needed."
    )


def open_server_keylog(path: Path) -> str | None:
    """Make `path` ready for the server's secrets: created 0600 (an existing file is appended to
    and closed to others), never through a link. None, or why it cannot be used."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"{path} is a symbolic link; give the key log file's own path"
        return f"{exc.strerror or exc}"
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return None


def announce_server_keylog(path: Path, port: int, *, implicit_tls: bool, err: TextIO) -> None:
    """What --keylog means, said once as the sandbox starts, with the commands that use it (the
    port is not a well-known one, so tshark is told what it carries)."""
    read = ["tshark", "-r", "sandbox.pcap", "-o", f"tls.keylog_file:{path}"]
    read += ["-d", f"tcp.port=={port},{'tls' if implicit_tls else 'smtp'}"]
    if implicit_tls:
        read += ["-d", f"tls.port=={port},smtp"]
    err.write(
        f"*** --keylog: the TLS secrets of every session go to {path} (0600). With it, anyone\n"
        "***   holding a capture of this server's traffic reads those sessions, passwords\n"
        "***   included: keep it to yourself and delete it when you are done.\n"
        f"***   Capture: tcpdump -i lo -w sandbox.pcap tcp port {port}\n"
        f"***   Read:    {shlex.join([*read, '-Y', 'smtp'])}\n"
        "***   Wireshark: Preferences > Protocols > TLS > (Pre)-Master-Secret log filename.\n"
    )
    err.flush()
