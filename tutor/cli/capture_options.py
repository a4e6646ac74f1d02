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


def wants_secrets(args: argparse.Namespace) -> bool:
    """The demo must keep its client's TLS secrets: a capture or a key log was asked for."""
    return bool(args.pcap or args.keylog)


def capture_port(scenario: Scenario) -> int:
    """The well-known port of what the lab plays, so Wireshark needs no "decode as"."""
    from sandbox.capture.legs import service_port

    return service_port(implicit_tls=scenario.implicit_tls, submission=scenario.authenticate)


def save_demo_files(
    args: argparse.Namespace,
    scenario: Scenario,
    events: Iterable[SandboxEvent],
    keylog: bytes,
    err: TextIO = sys.stderr,
) -> int:
    """Write what --pcap and --keylog ask for; 0, or 1 with one line on `err` saying why not."""
    from sandbox.capture.write import write_capture, write_keylog

    try:
        if args.keylog:
            write_keylog(args.keylog, keylog)
            err.write(f"=== TLS secrets written to {args.keylog} (0600, NSS key log format)\n")
        if args.pcap:
            write_capture(args.pcap, list(events), port=capture_port(scenario), keylog=keylog)
            err.write(capture_written(args.pcap, has_secrets=bool(keylog)) + "\n")
    except OSError as exc:
        failed = args.pcap if args.pcap and exc.filename != str(args.keylog) else args.keylog
        err.write(f"smtp-tutor demo: cannot write {failed}: {exc.strerror or exc}\n")
        return 1
    return 0


def capture_written(path: Path, *, has_secrets: bool) -> str:
    """The one line that says where the capture went and how to open it."""
    if not has_secrets:
        return (
            f"=== Capture written to {path} (0600). The session used no TLS: "
            f"tshark -r {path} -Y smtp, or open it in Wireshark."
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
