"""One lab session run at TLS 1.2 and at TLS 1.3, and what a listener learns of each (issue 12,
section 2): the same scenario, server and client, the client's version floor and ceiling the
only difference (a lab setting, `LabSession(client_tls=...)`)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from sandbox.events import SandboxEvent, TlsEstablished
from sandbox.tlsview.listener import ListenerLearns, listener_learns

VERSIONS: dict[str, tuple[ssl.TLSVersion, ssl.TLSVersion]] = {
    "TLS 1.2": (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2),
    "TLS 1.3": (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_3),
}
"""Name -> the client's (floor, ceiling) for the run."""


@dataclass(frozen=True, slots=True)
class VersionRun:
    name: str  # "TLS 1.2"
    events: tuple[SandboxEvent, ...]
    learns: ListenerLearns
    negotiated: str | None  # what the client's TLS library says it agreed ("TLSv1.2")


async def run_versions(scenario: str = "starttls", *, idle: float = 30.0) -> list[VersionRun]:
    """Run `scenario` once per entry of `VERSIONS`, one after the other, on loopback."""
    from sandbox.lab.session import LabSession  # loads aiosmtpd and ssl: only when run

    runs: list[VersionRun] = []
    for name, versions in VERSIONS.items():
        events: list[SandboxEvent] = []
        session = LabSession(scenario, emit=events.append, client_tls=versions, timeout=idle)
        await session.start()
        try:
            await session.play()
        finally:
            await session.stop()
        agreed = [e.version for e in events if isinstance(e, TlsEstablished)]
        runs.append(
            VersionRun(name, tuple(events), listener_learns(events), agreed[-1] if agreed else None)
        )
    return runs
