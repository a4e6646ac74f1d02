"""The receiving server's side of the threat lab: Postfix's smtpd settings as lab variants.

The server's own refusals are tested where the server is: `530` before STARTTLS at `encrypt`
in test_server_starttls.py::test_b6_tls_required_refuses_commands_before_tls, and `538` for AUTH
before TLS with `smtpd_tls_auth_only` in
test_server_auth.py::test_c1_auth_not_advertised_nor_accepted_before_tls. Here: that a lab
reaches those variants, and what they change against an attack.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl

import pytest
from test_threat_kit import SECRET, data_dir, delivered, lines, raw, run_lab, shared_data_dir

from sandbox.events import Level, Notice, SandboxEvent, Side
from sandbox.lab.session import LabSession
from sandbox.pki.certs import ensure_certs
from sandbox.pki.tlsconfig import client_context
from sandbox.smtpd.describe import describe_server, server_variant
from sandbox.smtpd.policy import (
    MIN_TLS_VERSIONS,
    RELAY_SERVER,
    TLS_LEVELS,
    ServerPolicy,
    TlsLevel,
    exchange_receive,
    min_tls_name,
)
from sandbox.smtpd.server import SandboxServer
from sandbox.threats.outcome import Exposure, outcome

__all__ = ["data_dir", "shared_data_dir"]


async def test_b6_server_at_encrypt_refuses_a_stripped_may_client_before_the_body() -> None:
    events = await run_lab("strip", "may", server_policy=server_variant("encrypt"))
    server = lines(events, Side.SERVER)
    assert "530 5.7.0 Must issue a STARTTLS command first" in server
    client = lines(events, Side.CLIENT)
    assert "MAIL FROM:<learner@sandbox.test>" in client  # the envelope still crossed readable
    assert SECRET not in raw(events, Side.CLIENT)  # DATA got 530: the body never left
    assert not delivered(events)
    result = outcome(events, client_policy="may")
    assert result.read == {Exposure.ENVELOPE} and result.cell == "not sent!"
    assert "530" in result.why


async def test_server_at_none_offers_no_starttls_so_a_may_client_goes_plain_unattacked() -> None:
    events = await run_lab("impersonate", "may", server_policy=server_variant("none"))
    assert not any("STARTTLS" in t for t in lines(events, Side.SERVER))
    assert outcome(events, client_policy="may").cell == "plain READ"


async def test_c1_auth_only_off_is_a_variant_a_lab_reaches_and_it_warns() -> None:
    events: list[SandboxEvent] = []
    policy = server_variant(auth_only=False)
    session = LabSession("strip", emit=events.append, server_policy=policy, timeout=5)
    await session.start()
    try:
        assert session.server is not None
        assert session.server.policy.auth_only_after_tls is False
    finally:
        await session.stop()
    warnings = [e.text for e in events if isinstance(e, Notice) and e.level is Level.WARNING]
    assert any("AUTH run before TLS" in w for w in warnings), warnings


async def _handshake(port: int, maximum: ssl.TLSVersion, ca: ssl.SSLContext) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await reader.readline()
        writer.write(b"EHLO client.test\r\n")
        while (await reader.readline())[3:4] == b"-":
            pass
        writer.write(b"STARTTLS\r\n")
        assert (await reader.readline()).startswith(b"220")
        ca.maximum_version = maximum
        await writer.start_tls(ca, server_hostname="sandbox.test")
        tls = writer.get_extra_info("ssl_object")
        return str(tls.version())
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def test_g1_server_minimum_tls_13_refuses_a_tls12_client() -> None:
    certs = ensure_certs()
    strict = SandboxServer(server_variant(min_tls="1.3"), certs=certs)
    relaxed = SandboxServer(server_variant(), certs=certs)
    await strict.start()
    await relaxed.start()
    try:
        tls12 = ssl.TLSVersion.TLSv1_2
        assert await _handshake(relaxed.port, tls12, client_context(certs.ca_cert)) == "TLSv1.2"
        with pytest.raises((ssl.SSLError, ConnectionError)):  # an alert, or a reset
            await _handshake(strict.port, tls12, client_context(certs.ca_cert))
        best = ssl.TLSVersion.MAXIMUM_SUPPORTED
        assert await _handshake(strict.port, best, client_context(certs.ca_cert)) == "TLSv1.3"
    finally:
        await strict.stop()
        await relaxed.stop()


def test_server_variants_keep_the_base_and_name_postfix_and_exchange_settings() -> None:
    assert server_variant() == RELAY_SERVER
    strict = server_variant("encrypt", auth_only=True, min_tls="1.3")
    assert strict.tls_level == "encrypt" and strict.min_tls_version is ssl.TLSVersion.TLSv1_3
    assert describe_server(strict) == (
        "Postfix: smtpd_tls_security_level = encrypt",
        "Postfix: smtpd_tls_auth_only = yes",
        "Postfix: smtpd_tls_mandatory_protocols = >=TLSv1.3",
        "Exchange receive connector: -RequireTLS $true",
        "Exchange receive connector: -AuthMechanism Tls, BasicAuth, BasicAuthRequireTLS",
    )
    loose = describe_server(server_variant("may", auth_only=False))
    assert "Postfix: smtpd_tls_auth_only = no" in loose
    assert "Postfix: smtpd_tls_protocols = >=TLSv1.2" in loose
    assert loose[-1] == "Exchange receive connector: -AuthMechanism Tls, BasicAuth"
    implicit = server_variant("encrypt", base=RELAY_SERVER.__class__(implicit_tls=True))
    assert implicit.implicit_tls  # a scenario's own settings survive the variant


@pytest.mark.parametrize(
    ("level", "min_tls"), [("require", None), (None, "1.1"), (None, "1.0"), ("MAY", None)]
)
def test_server_variants_refuse_what_postfix_would_not_take(
    level: str | None, min_tls: str | None
) -> None:
    with pytest.raises(ValueError, match="must be one of"):
        server_variant(level, min_tls=min_tls)


@pytest.mark.parametrize("level", TLS_LEVELS)
def test_every_server_tls_level_has_its_postfix_and_exchange_words(level: TlsLevel) -> None:
    said = describe_server(server_variant(level))
    assert said[0] == f"Postfix: smtpd_tls_security_level = {level}"
    assert said[3] == f"Exchange receive connector: {exchange_receive(level)}"
    assert len({exchange_receive(other) for other in TLS_LEVELS}) == len(TLS_LEVELS)


@pytest.mark.parametrize("name", MIN_TLS_VERSIONS)
def test_g1_every_minimum_tls_version_round_trips_through_its_postfix_name(name: str) -> None:
    policy = server_variant(min_tls=name)
    assert policy.min_tls_version is MIN_TLS_VERSIONS[name]
    assert min_tls_name(policy.min_tls_version) == name
    assert f"smtpd_tls_protocols = >=TLSv{name}" in describe_server(policy)[2]


def test_server_policy_refuses_an_unknown_level_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="tls_level must be one of none, may, encrypt"):
        ServerPolicy(tls_level="required")  # type: ignore[arg-type]
