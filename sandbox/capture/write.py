"""Writing a session's capture and its TLS secrets to files the learner opens in Wireshark.

Both files hold what decrypts the session (the capture carries the key log in its Decryption
Secrets Block), so both are written the way every private file of the tutor is: atomically, and
0600 from the first byte (properties.md J2, J3). Secrets are bytes of the NSS key log format,
exactly as the key log file holds them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from sandbox.capture.legs import session_packets
from sandbox.capture.pcapng import LinkType, pcapng
from sandbox.events import SandboxEvent
from sandbox.safety.files import atomic_write


def epoch_offset() -> float:
    """Seconds to add to a `time.monotonic()` reading to get the wall clock, as of now."""
    return time.time() - time.monotonic()


def capture_bytes(
    events: Iterable[SandboxEvent],
    *,
    port: int,
    keylog: bytes = b"",
    link: LinkType = LinkType.RAW,
    offset: float | None = None,
    both_legs: bool = True,
) -> bytes:
    """The pcapng file of a session: its connections as a sniffer would have seen them (see
    `session_packets`), with `keylog` in its secrets block."""
    at = epoch_offset() if offset is None else offset
    packets = session_packets(events, port=port, link=link, epoch_offset=at, both_legs=both_legs)
    return pcapng(packets, link=link, keylog=keylog)


def write_capture(
    path: Path,
    events: Iterable[SandboxEvent],
    *,
    port: int,
    keylog: bytes = b"",
    link: LinkType = LinkType.RAW,
    both_legs: bool = True,
) -> int:
    """Write the capture to `path` (atomically, 0600); returns the number of bytes written."""
    data = capture_bytes(events, port=port, keylog=keylog, link=link, both_legs=both_legs)
    atomic_write(path, data, mode=0o600)
    return len(data)


def write_keylog(path: Path, keylog: bytes) -> None:
    """The NSS key log on its own (SSLKEYLOGFILE format), atomically, 0600."""
    atomic_write(path, keylog, mode=0o600)
