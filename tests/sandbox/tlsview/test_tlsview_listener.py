"""One session at TLS 1.2 and at TLS 1.3, and what a listener learns of each (M39), on real
loopback sessions; the client's version floor and ceiling are lab settings."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from sandbox.events import SandboxEvent, TlsEstablished
from sandbox.lab.session import LabSession
from sandbox.lab.versions import VersionRun, run_versions
from sandbox.pki.tlsconfig import client_context

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def runs() -> dict[str, VersionRun]:
    return {r.name: r for r in asyncio.run(run_versions("starttls"))}


def test_m39_tls12_shows_the_certificate_and_takes_two_round_trips(
    runs: dict[str, VersionRun],
) -> None:
    run = runs["TLS 1.2"]
    assert run.negotiated == "TLSv1.2"
    learns = run.learns
    assert learns.version == "TLS 1.2" and learns.sni == "sandbox.test"
    assert learns.cipher is not None and learns.cipher.startswith("TLS_ECDHE_ECDSA_WITH_")
    assert learns.certificate_seen and not learns.certificate_hidden
    assert learns.certificate[0].startswith("CN=sandbox.test")
    assert learns.round_trips == 2


def test_m39_tls13_hides_the_certificate_and_takes_one_round_trip(
    runs: dict[str, VersionRun],
) -> None:
    run = runs["TLS 1.3"]
    assert run.negotiated == "TLSv1.3"
    learns = run.learns
    assert learns.version == "TLS 1.3" and learns.sni == "sandbox.test"
    assert learns.cipher in ("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256",
                             "TLS_CHACHA20_POLY1305_SHA256")  # fmt: skip
    assert learns.certificate == () and learns.certificate_hidden
    assert learns.round_trips == 1
    # the SMTP itself is the same session at both versions
    said = {name: _said(r.events) for name, r in runs.items()}
    assert said["TLS 1.2"] == said["TLS 1.3"]


def _said(events: tuple[SandboxEvent, ...]) -> list[str]:
    from sandbox.events import ConversationLine

    return [e.verb for e in events if isinstance(e, ConversationLine) and e.verb]


async def test_m39_the_client_cap_alone_decides_against_a_server_that_speaks_both() -> None:
    events: list[SandboxEvent] = []
    session = LabSession(
        "implicit-tls",
        emit=events.append,
        client_tls=(ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2),
    )
    await session.start()
    try:
        await session.play()
    finally:
        await session.stop()
    (tls,) = [e for e in events if isinstance(e, TlsEstablished)]
    assert tls.version == "TLSv1.2" and tls.verified


def test_m39_a_cap_below_the_floor_is_refused() -> None:
    with pytest.raises(ValueError, match="no TLS version left"):
        client_context(None, maximum=ssl.TLSVersion.TLSv1_1)  # G1: never below TLS 1.2
    ctx = client_context(None, minimum=ssl.TLSVersion.TLSv1_3)
    assert ctx.minimum_version is ssl.TLSVersion.TLSv1_3
