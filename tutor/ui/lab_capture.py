"""The lab's capture for Wireshark: what the lab keeps of its sessions to write a pcapng, and the
writing (the lab's `w` key). Pure: no Textual here, the screen only binds the key and says where
the file went.

The capture carries the session's TLS secrets (the tutor's own client keeps them for its lab
sessions), so Wireshark and tshark decrypt it with no setting; the file is 0600 in a private
folder of the data dir, as everything that opens a session is.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.events import SandboxEvent, SessionClosed, SessionStarted, WireChunk

CaptureEvent = WireChunk | SessionStarted | SessionClosed
MAX_BYTES = 16 * 1024 * 1024  # the eavesdropper records 4 MiB per connection; a few sessions' worth


@dataclass(slots=True)
class CaptureRecorder:
    """The events a capture is made of, for every session the lab ran, oldest sessions dropped
    first past `max_bytes` of wire data (a lab left open all day stays bounded)."""

    max_bytes: int = MAX_BYTES
    _sessions: deque[list[CaptureEvent]] = field(default_factory=deque)
    _sizes: deque[int] = field(default_factory=deque)

    def add(self, event: SandboxEvent) -> None:
        if isinstance(event, SessionStarted) or not self._sessions:
            self._sessions.append([])
            self._sizes.append(0)
        if isinstance(event, WireChunk | SessionStarted | SessionClosed):
            self._sessions[-1].append(event)
        if isinstance(event, WireChunk):
            self._sizes[-1] += len(event.data)
            while sum(self._sizes) > self.max_bytes and len(self._sessions) > 1:
                self._sessions.popleft()
                self._sizes.popleft()

    @property
    def events(self) -> list[CaptureEvent]:
        return [e for session in self._sessions for e in session]

    @property
    def has_traffic(self) -> bool:
        return any(self._sizes)


def keylog_bytes(session: object) -> bytes:
    """The session's TLS secrets as an NSS key log; none from a session that keeps none."""
    keylog = getattr(session, "keylog", None)
    to_bytes = getattr(keylog, "to_bytes", None)
    return to_bytes() if callable(to_bytes) else b""


def export_capture(
    events: list[CaptureEvent], scenario: str, keylog: bytes, folder: Path | None = None
) -> Path:
    """Write the capture of `events` (`CaptureRecorder.events`, taken on the UI's thread) to
    `folder` (default: `captures/` in the data dir, 0700) as SCENARIO-YYYYmmdd-HHMMSS.pcapng,
    0600; returns its path. Raises OSError."""
    from sandbox.capture.legs import service_port
    from sandbox.capture.write import write_capture
    from sandbox.lab import catalog
    from sandbox.safety.files import data_dir, ensure_private_dir

    lab = catalog.get(scenario)
    where = ensure_private_dir(folder or data_dir() / "captures")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = where / f"{scenario}-{stamp}.pcapng"
    n = 1
    while path.exists():  # two exports in one second
        n += 1
        path = where / f"{scenario}-{stamp}-{n}.pcapng"
    port = service_port(implicit_tls=lab.implicit_tls, submission=lab.authenticate)
    write_capture(path, events, port=port, keylog=keylog, both_legs=not lab.attack)  # M34
    return path
