"""Interop with `openssl s_client`: STARTTLS and implicit TLS, verified; no client certificate
requested (properties.md G3)."""

from __future__ import annotations

import asyncio
import shutil

import pytest

pytestmark = pytest.mark.interop


@pytest.fixture(autouse=True)
def _openssl_installed(tool) -> None:  # type: ignore[no-untyped-def]
    tool("openssl")  # missing: a skip that says how to get it; in CI a failure


async def s_client(*args: str, stdin: bytes = b"EHLO client.test\nQUIT\n") -> tuple[int, str]:
    exe = shutil.which("openssl")
    assert exe  # _openssl_installed saw it
    proc = await asyncio.create_subprocess_exec(
        exe,
        "s_client",
        *args,
        "-crlf",
        "-ign_eof",
        "-msg",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(stdin), 30)
    return proc.returncode or 0, out.decode("utf-8", "replace")


def verified(server, certs, name: str = "sandbox.test") -> list[str]:  # type: ignore[no-untyped-def]
    return [
        "-connect",
        f"{server.host}:{server.port}",
        "-CAfile",
        str(certs.ca_cert),
        "-verify_return_error",
        "-servername",
        name,
        "-verify_hostname",
        name,
    ]


@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
async def test_interop_openssl_starttls_verified(start_server, certs, version: str) -> None:
    server = await start_server()
    code, out = await s_client("-starttls", "smtp", *verified(server, certs), version)
    assert code == 0, out
    assert "Verify return code: 0 (ok)" in out
    assert "250-AUTH LOGIN PLAIN" in out.splitlines()  # the EHLO sent inside TLS
    assert "221 " in out
    # G3: no CertificateRequest in the handshake, so no client certificate is asked for.
    assert "CertificateRequest" not in out
    assert "No client certificate CA names sent" in out


async def test_interop_openssl_implicit_tls_verified(start_server, certs, quick) -> None:
    server = await start_server(quick(implicit_tls=True))
    code, out = await s_client(*verified(server, certs))
    assert code == 0, out
    assert "Verify return code: 0 (ok)" in out
    assert "220 sandbox.test ESMTP" in out
    assert "250-AUTH LOGIN PLAIN" in out.splitlines()
    assert "CertificateRequest" not in out


async def test_interop_openssl_wrong_name_is_refused(start_server, certs) -> None:
    """Control: the same check with another name fails, so the checks above mean something."""
    server = await start_server()
    code, out = await s_client("-starttls", "smtp", *verified(server, certs, "mail.example.org"))
    assert code != 0
    assert "Verify return code: 0 (ok)" not in out
    assert "hostname mismatch" in out
