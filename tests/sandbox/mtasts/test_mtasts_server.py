"""The lab's MTA-STS policy host: real HTTPS on loopback with the sandbox CA (RFC 8461 3.3)."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import pytest

from sandbox.mtasts.policy import Mode, policy_text
from sandbox.mtasts.server import WELL_KNOWN, Fetched, PolicyServer, fetch_policy
from sandbox.pki.certs import CertBundle, ensure_certs
from sandbox.tlsrpt.report import ResultType


async def _fetch(server: PolicyServer, ca: Path, domain: str = "example.test") -> Fetched:
    return await fetch_policy(domain, "127.0.0.1", server.port, ca)


async def test_p8_the_policy_is_fetched_over_verified_https() -> None:
    bundle = ensure_certs()
    server = PolicyServer("example.test", policy_text(Mode.ENFORCE, ["sandbox.test"]))
    await server.start()
    try:
        fetched = await _fetch(server, bundle.ca_cert)
    finally:
        await server.stop()
    assert fetched.failure is None and fetched.policy is not None
    assert fetched.policy.mode is Mode.ENFORCE and fetched.policy.allows_mx("sandbox.test")
    assert server.requests == [f"GET {WELL_KNOWN} HTTP/1.1"]


async def test_p8_the_certificate_names_the_policy_host(certs: CertBundle) -> None:
    bundle = ensure_certs()
    server = PolicyServer("example.test", "x")
    await server.start()
    try:
        context = ssl.create_default_context(cafile=str(bundle.ca_cert))
        _, writer = await asyncio.open_connection(
            "127.0.0.1", server.port, ssl=context, server_hostname="mta-sts.example.test"
        )
        cert = writer.get_extra_info("peercert")
        writer.close()
        await writer.wait_closed()
        # Asked for as another domain's policy host, the name check fails: sts-webpki-invalid.
        wrong = await _fetch(server, bundle.ca_cert, "other.test")
    finally:
        await server.stop()
    assert ("DNS", "mta-sts.example.test") in cert["subjectAltName"]
    assert wrong.failure is ResultType.STS_WEBPKI_INVALID


async def test_p8_an_untrusted_ca_is_sts_webpki_invalid(certs: CertBundle) -> None:
    server = PolicyServer("example.test", "x")
    await server.start()
    try:
        fetched = await _fetch(server, certs.ca_cert)  # another CA than the one that signed it
    finally:
        await server.stop()
    assert fetched.failure is ResultType.STS_WEBPKI_INVALID


@pytest.mark.parametrize(
    ("body", "content_type", "failure"),
    [
        (None, "text/plain", ResultType.STS_POLICY_FETCH_ERROR),  # 404
        ("version: STSv1\r\n", "text/html", ResultType.STS_POLICY_FETCH_ERROR),
        ("version: STSv2\r\nmode: enforce\r\n", "text/plain", ResultType.STS_POLICY_INVALID),
        (b"\xff\xfe", "text/plain", ResultType.STS_POLICY_INVALID),
    ],
    ids=["404", "html", "bad-version", "non-utf8"],
)
async def test_p8_fetch_failures_are_tls_rpt_result_types(
    body: str | bytes | None, content_type: str, failure: ResultType
) -> None:
    bundle = ensure_certs()
    server = PolicyServer("example.test", body, content_type=content_type)
    await server.start()
    try:
        fetched = await _fetch(server, bundle.ca_cert)
    finally:
        await server.stop()
    assert fetched.failure is failure


async def test_p8_nobody_listening_is_a_fetch_error() -> None:
    bundle = ensure_certs()
    server = PolicyServer("example.test", "x")
    await server.start()
    port = server.port
    await server.stop()
    fetched = await fetch_policy("example.test", "127.0.0.1", port, bundle.ca_cert)
    assert fetched.failure is ResultType.STS_POLICY_FETCH_ERROR


def test_p8_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        PolicyServer("example.test", "x", host="192.0.2.1")
    with pytest.raises(ValueError, match="loopback"):
        asyncio.run(fetch_policy("example.test", "192.0.2.1", 443, None))
