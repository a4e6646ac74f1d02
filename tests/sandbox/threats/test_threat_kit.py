"""Shared kit for the threat-lab tests (this module holds no tests).

One data dir for every threat-lab test, so the sandbox PKI, the demo account and the attacker's
certificates are made once per run (import `shared_data_dir` and `data_dir` into a test module to
use it); a runner for one lab session; and filters that read the eavesdropper's events.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from sandbox.events import (
    AttackerInTls,
    AttackerRead,
    ConversationLine,
    Exposure,
    Level,
    MessageDelivered,
    Notice,
    SandboxEvent,
    Side,
    WireChunk,
    WireLine,
    WireRecord,
    WireSwitch,
)
from sandbox.lab.scenarios import MESSAGE, SENDER
from sandbox.lab.session import LabSession
from sandbox.smtpd.policy import ServerPolicy

SECRET = b"This message is the secret the eavesdropper wants to read."
assert SECRET.decode() in MESSAGE
MAIL_LINE = f"MAIL FROM:<{SENDER}>"
NEEDS_TLS = ("MAIL", "RCPT", "AUTH", "DATA")  # F2: never sent in the clear by a requiring client


@pytest.fixture(scope="session")
def shared_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("threatlab-data")


@pytest.fixture(autouse=True)
def data_dir(shared_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Overrides conftest's per-test data dir: certificates are reused across these tests."""
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(shared_data_dir))
    return shared_data_dir


async def run_lab(
    scenario: str,
    policy: str | None = None,
    *,
    server_policy: ServerPolicy | None = None,
) -> list[SandboxEvent]:
    """Play one lab session to its end; return every event (the tap has finished). A lab
    world's name (`mta-sts-testing`...) as `policy` plays it in that world."""
    from sandbox.lab.world_session import WORLDS, WorldLabSession

    events: list[SandboxEvent] = []
    if policy in WORLDS:
        session: LabSession = WorldLabSession(
            scenario, emit=events.append, world=policy, server_policy=server_policy, timeout=5
        )
    else:
        session = LabSession(
            scenario,
            emit=events.append,
            client_policy=policy,
            server_policy=server_policy,
            timeout=5,
        )
    await session.start()
    try:
        await session.play()
    finally:
        await session.stop()
    return events


# --- what crossed the client's leg ------------------------------------------------------------


def raw(events: Sequence[SandboxEvent], side: Side) -> bytes:
    """Every byte the tap saw from `side`, in order."""
    return b"".join(e.data for e in events if isinstance(e, WireChunk) and e.sender is side)


def lines(events: Sequence[SandboxEvent], side: Side, *, injected: bool = False) -> list[str]:
    """Readable plaintext lines from `side` (the injected ones, or the others)."""
    return [
        e.text
        for e in events
        if isinstance(e, WireLine) and e.sender is side and e.injected is injected
    ]


def verbs(events: Sequence[SandboxEvent]) -> set[str]:
    """The command words the client said in plaintext on the wire."""
    return {t.split(" ", 1)[0].upper() for t in lines(events, Side.CLIENT) if t}


def records(events: Sequence[SandboxEvent], side: Side) -> list[WireRecord]:
    return [e for e in events if isinstance(e, WireRecord) and e.sender is side]


def switch_offset(events: Sequence[SandboxEvent], side: Side) -> int | None:
    return next((e.offset for e in events if isinstance(e, WireSwitch) and e.sender is side), None)


def attack_notices(events: Sequence[SandboxEvent]) -> list[str]:
    return [e.text for e in events if isinstance(e, Notice) and e.level is Level.ATTACK]


def attacker_reads(events: Sequence[SandboxEvent]) -> list[tuple[Exposure, str]]:
    """What an impersonating attacker reported decrypting: (what, detail), in order."""
    return [(e.what, e.detail) for e in events if isinstance(e, AttackerRead)]


def attacker_in_tls(events: Sequence[SandboxEvent]) -> bool:
    """The attacker reported holding the client's TLS session."""
    return any(isinstance(e, AttackerInTls) for e in events)


def delivered(events: Sequence[SandboxEvent]) -> list[MessageDelivered]:
    return [e for e in events if isinstance(e, MessageDelivered)]


def said(events: Sequence[SandboxEvent], side: Side, *, tls: bool) -> list[str]:
    """The conversation as the client lived it (for what no eavesdropper can read: inside TLS)."""
    return [
        e.text
        for e in events
        if isinstance(e, ConversationLine) and e.sender is side and e.tls is tls
    ]


def assert_nothing_that_needs_tls_left(events: Sequence[SandboxEvent]) -> None:
    """F2 on the wire: no MAIL, RCPT, AUTH or DATA byte ever left the client, and no message."""
    sent = raw(events, Side.CLIENT)
    for verb in NEEDS_TLS:
        assert verb.encode() not in sent.upper(), (verb, sent[:200])
    assert SECRET not in sent
    assert not delivered(events)
