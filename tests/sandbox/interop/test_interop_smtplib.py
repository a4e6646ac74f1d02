"""Interop with Python's smtplib: a client nobody here wrote, with a verifying TLS context."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage

import pytest

from sandbox.pki import tlsconfig

pytestmark = pytest.mark.interop


def message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "learner@sandbox.test"
    msg["To"] = "friend@sandbox.test"
    msg["Subject"] = "smtplib interop"
    msg.set_content("Sent by smtplib through STARTTLS.\n.A line that starts with a dot.\n")
    return msg


async def test_interop_smtplib_starttls_auth_send(start_server, certs, demo) -> None:
    server = await start_server()
    ctx = tlsconfig.client_context(certs.ca_cert)  # verifying: CA, hostname, strict

    def send() -> tuple[bool, bool]:
        with smtplib.SMTP(server.host, server.port, local_hostname="client.test", timeout=10) as c:
            c.ehlo()
            offered_auth_before = c.has_extn("auth")
            c.starttls(context=ctx)  # verifies the certificate for 127.0.0.1 (an IP SAN)
            c.ehlo()
            c.login(*demo)
            c.send_message(message())
            return offered_auth_before, c.has_extn("starttls")

    auth_before_tls, starttls_inside_tls = await asyncio.to_thread(send)
    assert not auth_before_tls
    assert not starttls_inside_tls
    msg = await server.mailbox.wait_for(1)
    assert msg.tls
    assert msg.authenticated_as == demo[0]
    assert msg.rcpt_tos == ("friend@sandbox.test",)
    assert b"\r\n.A line that starts with a dot.\r\n" in msg.raw  # smtplib stuffed, we unstuffed


async def test_interop_smtplib_refuses_login_before_tls(start_server, demo) -> None:
    server = await start_server()

    def login_in_clear() -> None:
        with smtplib.SMTP(server.host, server.port, local_hostname="client.test", timeout=10) as c:
            c.login(*demo)

    with pytest.raises(smtplib.SMTPNotSupportedError, match="AUTH extension not supported"):
        await asyncio.to_thread(login_in_clear)


async def test_interop_smtplib_implicit_tls(start_server, certs, quick, demo) -> None:
    server = await start_server(quick(implicit_tls=True))
    ctx = tlsconfig.client_context(certs.ca_cert)

    def send() -> str:
        with smtplib.SMTP_SSL(
            server.host, server.port, local_hostname="client.test", context=ctx, timeout=10
        ) as c:
            c.login(*demo)
            c.send_message(message())
            sock = c.sock
            assert isinstance(sock, ssl.SSLSocket)
            return str(sock.version())

    version = await asyncio.to_thread(send)
    msg = await server.mailbox.wait_for(1)
    assert msg.tls
    assert msg.tls_version == version


async def test_interop_smtplib_verifying_client_refuses_another_ca(
    start_server, tmp_path, demo
) -> None:
    """Control: the same verifying client, trusting a different CA, refuses the sandbox."""
    from sandbox.pki.certs import make_ca, write_cert

    _, other_ca = make_ca("some other CA")
    write_cert(tmp_path / "other.pem", other_ca)
    server = await start_server()
    ctx = tlsconfig.client_context(tmp_path / "other.pem")

    def send() -> None:
        with smtplib.SMTP(server.host, server.port, local_hostname="client.test", timeout=10) as c:
            c.starttls(context=ctx)

    with pytest.raises(ssl.SSLCertVerificationError):
        await asyncio.to_thread(send)
    assert server.mailbox.delivered == 0
