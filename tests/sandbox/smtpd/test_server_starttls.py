"""The STARTTLS state machine of the server (properties.md B1-B8) and TLS versions (G1)."""

from __future__ import annotations

import asyncio
import ssl
import warnings

import pytest

from sandbox.events import Level, Notice


async def wait_until(predicate, wait: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + wait
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


async def test_b1_plaintext_after_starttls_is_discarded(start_server, connect, client_ctx) -> None:
    events: list[object] = []
    server = await start_server(emit=events.append)
    wire = await connect(server)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    # One write: the command and an injected transaction that a vulnerable server would run
    # after the handshake as if the client had sent it inside TLS (CVE-2011-0411).
    await wire.send(b"STARTTLS\r\nMAIL FROM:<evil@x.test>\r\n")
    assert (await wire.reply()).startswith("220 ")
    await wire.starttls(client_ctx)
    with pytest.raises(TimeoutError):
        await wire.line(wait=0.3)  # nothing unsolicited after the handshake
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert (await wire.cmd("RCPT TO:<a@sandbox.test>")).startswith("503")
    assert any(
        isinstance(e, Notice) and e.level is Level.WARNING and "discarded" in e.text for e in events
    )


async def test_b2_state_before_tls_is_forgotten(start_server, connect, client_ctx) -> None:
    server = await start_server()
    wire = await connect(server)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test>")).startswith("250")
    assert (await wire.cmd("STARTTLS")).startswith("220")
    await wire.starttls(client_ctx)
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test>")).startswith("503")  # EHLO forgotten
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert (await wire.cmd("RCPT TO:<b@sandbox.test>")).startswith("503")  # envelope forgotten
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test>")).startswith("250")
    assert (await wire.cmd("RCPT TO:<b@sandbox.test>")).startswith("250")


async def test_b3_ehlo_after_tls_lists_auth_not_starttls(start_server, connect, client_ctx) -> None:
    server = await start_server()
    wire = await connect(server)
    before = (await wire.cmd("EHLO client.test")).splitlines()
    assert "250-STARTTLS" in before
    assert not any("AUTH" in line for line in before)
    assert (await wire.cmd("STARTTLS")).startswith("220")
    await wire.starttls(client_ctx)
    after = (await wire.cmd("EHLO client.test")).splitlines()
    assert "250-AUTH LOGIN PLAIN" in after
    assert not any("STARTTLS" in line for line in after)


async def test_b4_starttls_inside_tls_refused(start_server, connect, client_ctx) -> None:
    server = await start_server()
    wire = await connect(server)
    await wire.upgrade(client_ctx)
    assert await wire.cmd("STARTTLS") == "554 5.5.1 Error: TLS already active"
    assert (await wire.cmd("NOOP")).startswith("250")  # the TLS session goes on


async def test_b4_starttls_inside_implicit_tls_refused(
    start_server, connect, client_ctx, quick
) -> None:
    server = await start_server(quick(implicit_tls=True))
    wire = await connect(server, tls=client_ctx)
    ehlo = await wire.cmd("EHLO client.test")
    assert "STARTTLS" not in ehlo
    assert "250-AUTH LOGIN PLAIN" in ehlo.splitlines()
    assert await wire.cmd("STARTTLS") == "554 5.5.1 Error: TLS already active"
    assert (await wire.cmd("NOOP")).startswith("250")


async def test_b5_starttls_with_argument_is_a_syntax_error(
    start_server, connect, client_ctx
) -> None:
    server = await start_server()
    wire = await connect(server)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert (await wire.cmd("STARTTLS foo")).startswith("501")
    assert (await wire.cmd("STARTTLS")).startswith("220")  # still possible afterwards
    await wire.starttls(client_ctx)
    assert (await wire.cmd("EHLO client.test")).startswith("250")


async def test_b5_starttls_without_certificate_gets_454(start_server, connect, quick) -> None:
    server = await start_server(quick(tls_level="none"))
    assert server.certs is not None  # the bundle exists, but this server offers no TLS
    wire = await connect(server)
    assert "STARTTLS" not in await wire.cmd("EHLO client.test")
    assert (await wire.cmd("STARTTLS")).startswith("454 4.7.0")
    assert (await wire.cmd("NOOP")).startswith("250")


@pytest.mark.parametrize(
    "command",
    [
        "MAIL FROM:<a@sandbox.test>",
        "RCPT TO:<b@sandbox.test>",
        "DATA",
        "AUTH PLAIN AGxlYXJuZXIAeA==",
        "VRFY learner",
        "HELP",
        "RSET",  # as Postfix 3.7 refuses it (the differential test, L20)
    ],
)
async def test_b6_tls_required_refuses_commands_before_tls(
    start_server, connect, client_ctx, quick, command: str
) -> None:
    server = await start_server(quick(tls_level="encrypt"))
    wire = await connect(server)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert await wire.cmd(command) == "530 5.7.0 Must issue a STARTTLS command first"
    assert (await wire.cmd("STARTTLS")).startswith("220")
    await wire.starttls(client_ctx)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert not (await wire.cmd(command)).startswith("530")


async def test_b6_tls_required_still_allows_the_basics(start_server, connect, quick) -> None:
    server = await start_server(quick(tls_level="encrypt"))
    wire = await connect(server)
    assert (await wire.cmd("HELO client.test")).startswith("250")
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert (await wire.cmd("NOOP")).startswith("250")
    assert (await wire.cmd("QUIT")).startswith("221")


async def test_b7_stall_after_starttls_is_disconnected(start_server, connect, quick) -> None:
    server = await start_server(quick(idle_timeout=0.5))
    wire = await connect(server)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert (await wire.cmd("STARTTLS")).startswith("220")
    started = asyncio.get_running_loop().time()
    assert await wire.read_until_closed(wait=20) == b""  # no handshake from us: dropped
    assert asyncio.get_running_loop().time() - started < 20  # late on a busy machine, but dropped
    # aiosmtpd alone leaves this session's task waiting forever: the server must be empty.
    await wait_until(lambda: server.session_count == 0)


async def test_b8_failed_handshake_leaves_no_plaintext_session(start_server, connect) -> None:
    events: list[object] = []
    server = await start_server(emit=events.append)
    wire = await connect(server)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert (await wire.cmd("STARTTLS")).startswith("220")
    # Instead of a ClientHello, carry on in plaintext as a downgrading client would.
    await wire.send(b"MAIL FROM:<a@sandbox.test>\r\nRCPT TO:<b@sandbox.test>\r\nNOOP\r\n")
    rest = await wire.read_until_closed()
    assert b"250" not in rest
    assert b"503" not in rest
    assert not rest or rest[0] == 0x15  # at most a TLS alert record
    await wait_until(lambda: server.session_count == 0)
    assert any(
        isinstance(e, Notice) and e.level is Level.ERROR and "TLS handshake failed" in e.text
        for e in events
    )


async def test_b8_client_refusing_the_certificate_leaves_nothing_behind(
    start_server, connect
) -> None:
    server = await start_server()
    wire = await connect(server)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert (await wire.cmd("STARTTLS")).startswith("220")
    with pytest.raises(ssl.SSLCertVerificationError):
        await wire.starttls(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))  # trusts nothing
    await wait_until(lambda: server.session_count == 0)


def tls11_only_client() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # that is the point
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # let OpenSSL 3 offer TLS 1.0/1.1 at all
    return ctx


def assert_refused_by_server(error: BaseException) -> None:
    """The server refused the ClientHello with its protocol_version alert (G6), which the
    client read: not a cut connection, and not the client failing to say hello."""
    assert isinstance(error, ssl.SSLError), error
    assert error.reason == "TLSV1_ALERT_PROTOCOL_VERSION", error


async def test_g1_tls11_only_client_is_refused(start_server, connect, client_ctx) -> None:
    server = await start_server()
    wire = await connect(server)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert (await wire.cmd("STARTTLS")).startswith("220")
    with pytest.raises(ssl.SSLError) as refused:
        await wire.starttls(tls11_only_client())
    assert_refused_by_server(refused.value)
    await wait_until(lambda: server.session_count == 0)
    # Control: the same server takes a TLS 1.2 client.
    ctx = tls11_only_client()
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    wire = await connect(server)
    await wire.upgrade(ctx)
    assert wire.writer.get_extra_info("ssl_object").version() == "TLSv1.2"


async def test_g1_tls11_only_client_is_refused_on_implicit_tls(start_server, quick) -> None:
    server = await start_server(quick(implicit_tls=True))
    with pytest.raises(ssl.SSLError) as refused:
        await asyncio.open_connection(server.host, server.port, ssl=tls11_only_client())
    assert_refused_by_server(refused.value)
    ctx = tls11_only_client()
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    reader, writer = await asyncio.open_connection(server.host, server.port, ssl=ctx)
    assert (await reader.readline()).startswith(b"220 ")
    writer.close()


async def test_b6_help_after_tls_lists_every_command(
    start_server, connect, client_ctx, quick
) -> None:
    server = await start_server(quick(tls_level="encrypt"))
    wire = await connect(server)
    await wire.upgrade(client_ctx)
    reply = await wire.cmd("HELP")
    assert reply.startswith("250 Supported commands:")
    assert {"AUTH", "DATA", "MAIL", "RCPT", "STARTTLS"} <= set(reply.split()[3:])
    assert (await wire.cmd("HELP MAIL")).startswith("250 Syntax: MAIL FROM:")
