"""G6: a handshake the server refuses ends with a real TLS alert, not a bare EOF.

asyncio's TLS layer used to abort the socket with OpenSSL's alert still in its outgoing buffer, so
a TLS 1.1 client read "unexpected EOF" where the lesson is "protocol version". Each case here sends
a real ClientHello made by OpenSSL (through a memory BIO, so the test sees every byte), on port 465
and after STARTTLS, and reads what the server sends back up to its closing the connection.
"""

from __future__ import annotations

import asyncio
import ssl
import warnings

import pytest

from sandbox.smtpd.server import SandboxServer

PROTOCOL_VERSION, HANDSHAKE_FAILURE = 70, 40  # RFC 8446 6 AlertDescription
FATAL = 2


def _client(max_version: ssl.TLSVersion, ciphers: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # old versions are the point
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = max_version
    ctx.set_ciphers(ciphers + ":@SECLEVEL=0")  # let OpenSSL 3 offer what it would refuse
    return ctx


CLIENTS = {
    # name: (client context, the alert the server must send, the reason the client reads)
    "tls1.1": (
        lambda: _client(ssl.TLSVersion.TLSv1_1, "DEFAULT"),
        PROTOCOL_VERSION,
        "TLSV1_ALERT_PROTOCOL_VERSION",
    ),
    "tls1.0": (
        lambda: _client(ssl.TLSVersion.TLSv1, "DEFAULT"),
        PROTOCOL_VERSION,
        "TLSV1_ALERT_PROTOCOL_VERSION",
    ),
    "cbc-only": (
        lambda: _client(ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA"),
        HANDSHAKE_FAILURE,
        "SSLV3_ALERT_HANDSHAKE_FAILURE",
    ),
    "no-shared-cipher": (
        lambda: _client(ssl.TLSVersion.TLSv1_2, "AES256-GCM-SHA384:AES128-SHA256"),
        HANDSHAKE_FAILURE,
        "SSLV3_ALERT_HANDSHAKE_FAILURE",
    ),
}


class MemoryClient:
    """An OpenSSL client over memory BIOs: its bytes are handed to the test, not to a socket."""

    def __init__(self, ctx: ssl.SSLContext) -> None:
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.incoming, self.outgoing, server_hostname="sandbox.test")

    def hello(self) -> bytes:
        with pytest.raises(ssl.SSLWantReadError):
            self.tls.do_handshake()
        return self.outgoing.read()

    def reason_for(self, answer: bytes) -> str | None:
        """What the client's OpenSSL makes of the server's answer (its SSLError reason)."""
        self.incoming.write(answer)
        self.incoming.write_eof()
        try:
            self.tls.do_handshake()
        except ssl.SSLError as error:
            return error.reason
        return None


async def refused_answer(server: SandboxServer, hello: bytes, *, starttls: bool) -> bytes:
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        async with asyncio.timeout(5):
            if starttls:
                assert (await reader.readline()).startswith(b"220 ")
                writer.write(b"EHLO client.test\r\n")
                while (await reader.readline())[3:4] == b"-":
                    pass
                writer.write(b"STARTTLS\r\n")
                assert (await reader.readline()).startswith(b"220 ")
            writer.write(hello)
            return await reader.read()
    finally:
        writer.close()


def assert_alert(answer: bytes, description: int) -> None:
    # One TLS record: content type alert (21), a version, length 2, then level and description.
    assert len(answer) == 7, answer
    assert answer[0] == 21 and answer[1] == 3 and answer[3:5] == b"\x00\x02", answer
    assert (answer[5], answer[6]) == (FATAL, description), answer


@pytest.mark.parametrize("starttls", [True, False], ids=["starttls", "implicit"])
@pytest.mark.parametrize("client", list(CLIENTS))
async def test_g6_refused_handshake_sends_its_alert(
    start_server, connect, client_ctx, quick, client: str, starttls: bool
) -> None:
    make, description, reason = CLIENTS[client]
    server = await start_server(quick(implicit_tls=not starttls))
    tls = MemoryClient(make())
    answer = await refused_answer(server, tls.hello(), starttls=starttls)
    assert_alert(answer, description)
    assert tls.reason_for(answer) == reason
    # The refused session is over, and the next client is served.
    wire = await connect(server, tls=None if starttls else client_ctx)
    assert (await wire.cmd("NOOP")).startswith("250")


async def test_g6_a_tls12_client_is_served_by_the_same_server(start_server, quick) -> None:
    """Control: the same memory client, allowed TLS 1.2 and AEAD suites, gets a ServerHello."""
    server = await start_server(quick(implicit_tls=True))
    tls = MemoryClient(_client(ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES128-GCM-SHA256"))
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(tls.hello())
        answer = await asyncio.wait_for(reader.read(5), 5)
        assert answer[0] == 22  # handshake record: the ServerHello
    finally:
        writer.close()


@pytest.mark.interop
@pytest.mark.parametrize("starttls", [True, False], ids=["starttls", "implicit"])
async def test_g6_openssl_s_client_tls11_reads_protocol_version(
    start_server, quick, tool, starttls: bool
) -> None:
    exe = tool("openssl")
    server = await start_server(quick(implicit_tls=not starttls))
    args = ["-starttls", "smtp"] if starttls else []
    proc = await asyncio.create_subprocess_exec(
        exe,
        "s_client",
        "-connect",
        f"{server.host}:{server.port}",
        *args,
        "-tls1_1",
        "-cipher",
        "DEFAULT:@SECLEVEL=0",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    text = out.decode("utf-8", "replace")
    assert proc.returncode != 0
    assert "alert protocol version" in text, text
    assert "unexpected eof" not in text.lower(), text
