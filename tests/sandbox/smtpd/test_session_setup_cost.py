"""What a new session costs the server before its first byte (E11): aiosmtpd lists a session's
`auth_*` methods with `inspect.getmembers`, which fetches every attribute of the session and its
handler, on every connection; the sandbox lists them once per class. The lab's certificate is
parsed once, not once per session.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from sandbox.client.smtp import SmtpClient
from sandbox.pki.certs import ensure_certs, summarize
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.protocol import SandboxSMTP
from sandbox.smtpd.server import SandboxServer


async def test_e11_sessions_list_their_auth_methods_without_inspect_getmembers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = inspect.getmembers
    inspected: list[str] = []

    def counting(obj: Any, predicate: Any = None) -> Any:
        inspected.append(type(obj).__name__)
        return real(obj, predicate)

    monkeypatch.setattr(inspect, "getmembers", counting)
    server = SandboxServer(ServerPolicy(tls_level="may"))
    await server.start()
    try:
        for _ in range(3):
            client = SmtpClient(server.host, server.port, policy="none")
            reply = await client.connect()
            assert reply.code == 220
            assert (await client.ehlo()).code == 250
            await client.quit()
    finally:
        await server.stop()
    assert inspected == []


async def test_e11_the_auth_methods_are_the_same_as_aiosmtpd_finds() -> None:
    server = SandboxServer(ServerPolicy(tls_level="may"))
    await server.start()
    try:
        session = server._protocol_factory()
        assert isinstance(session, SandboxSMTP)
        found = {
            name.removeprefix("auth_")
            for obj in (session, server._handler)
            for name, _ in inspect.getmembers(obj)
            if name.startswith("auth_")
        }
        assert set(session._auth_methods) == found == {"LOGIN", "PLAIN"}
        server.session_ended(session)
    finally:
        await server.stop()


def test_e11_a_certificate_is_parsed_once_per_distinct_der() -> None:
    bundle = ensure_certs()
    der = x509.load_pem_x509_certificate(bundle.server_cert.read_bytes()).public_bytes(Encoding.DER)
    first = summarize(der)
    assert summarize(bytes(der)) is first  # equal bytes: the same summary, not parsed again
    ca = x509.load_pem_x509_certificate(bundle.ca_cert.read_bytes())
    other = summarize(ca.public_bytes(Encoding.DER))
    assert other.subject != first.subject and other is not first
