"""The tutor's client in plaintext sessions, against scripted servers on real loopback sockets."""

from __future__ import annotations

import asyncio
import base64
import logging
import socket
import time
from typing import Any

import pytest
from client_fakes import Events, FakeConn, MiniSmtp, serving

from sandbox.client.framing import (
    CleartextAuthError,
    ConnectError,
    ConnectionClosedError,
    NotConnectedError,
    SmtpClientError,
    SmtpProtocolError,
    SmtpReplyError,
    SmtpTimeoutError,
    UnsafeArgumentError,
)
from sandbox.client.replies import Reply
from sandbox.client.smtp import SmtpClient
from sandbox.events import ConversationLine, Level, SessionClosed, Side

PLAIN_EHLO = ("SIZE 1048576", "8BITMIME")  # a server that offers no STARTTLS


def make_client(port: int, events: Events, **options: Any) -> SmtpClient:
    options.setdefault("timeout", 3.0)
    options.setdefault("policy", "none")
    return SmtpClient("127.0.0.1", port, emit=events.append, **options)


async def say(client: SmtpClient, line: str) -> Reply:
    """`raw(line)` for a line that must get a reply."""
    reply = await client.raw(line)
    assert reply is not None
    return reply


async def test_a_session_step_by_step_and_its_conversation() -> None:
    smtp = MiniSmtp(ehlo_plain=PLAIN_EHLO)
    events = Events()
    async with serving(smtp) as server:
        client = make_client(server.port, events)
        assert (await client.connect()).code == 220
        ehlo = await client.ehlo()
        assert ehlo.code == 250
        assert client.capabilities == {"SIZE": "1048576", "8BITMIME": ""}
        assert (await client.mail("learner@sandbox.test")).code == 250
        assert (await client.rcpt("friend@sandbox.test")).code == 250
        assert (await client.noop()).code == 250
        assert (await client.data("Subject: hi\n\nHello!\n")).code == 250
        assert (await client.rset()).code == 250
        assert (await client.quit()).code == 221
        assert not client.connected
    assert server.received == (
        b"EHLO client.test\r\nMAIL FROM:<learner@sandbox.test>\r\n"
        b"RCPT TO:<friend@sandbox.test>\r\nNOOP\r\nDATA\r\n"
        b"Subject: hi\r\n\r\nHello!\r\n.\r\nRSET\r\nQUIT\r\n"
    )
    assert events.lines() == [
        "<- 220 fake.test ESMTP",
        "-> EHLO client.test",
        "<- 250-fake.test greets you",
        "<- 250-SIZE 1048576",
        "<- 250 8BITMIME",
        "-> MAIL FROM:<learner@sandbox.test>",
        "<- 250 2.0.0 Ok",
        "-> RCPT TO:<friend@sandbox.test>",
        "<- 250 2.0.0 Ok",
        "-> NOOP",
        "<- 250 2.0.0 Ok",
        "-> DATA",
        "<- 354 End data with <CR><LF>.<CR><LF>",
        "-> Subject: hi",
        "-> ",
        "-> Hello!",
        "-> .",
        "<- 250 2.0.0 Ok: queued as FAKE1",
        "-> RSET",
        "<- 250 2.0.0 Ok",
        "-> QUIT",
        "<- 221 2.0.0 Bye",
    ]
    assert events.notices(Level.INFO)[:2] == [
        f"Trying 127.0.0.1:{server.port}...",
        f"Connected to 127.0.0.1:{server.port}.",
    ]
    assert events.notices(Level.ERROR) == []
    [closed] = events.closed()
    assert closed.clean
    assert "221" in closed.reason


async def test_raw_lines_as_a_learner_types_them() -> None:
    smtp = MiniSmtp(ehlo_plain=PLAIN_EHLO)
    events = Events()
    async with serving(smtp) as server:
        client = make_client(server.port, events)
        await client.connect()
        assert (await say(client, "ehlo my-laptop.test")).code == 250
        assert client.capabilities["SIZE"] == "1048576"  # EHLO typed by hand still counts
        assert (await say(client, "FOO bar")).code == 500
        assert (await say(client, "MAIL FROM:<learner@sandbox.test>")).code == 250
        assert (await say(client, "RCPT TO:<friend@sandbox.test>")).code == 250
        assert (await say(client, "DATA")).code == 354
        assert await client.raw("Subject: typed by hand") is None  # a message line: no reply yet
        assert await client.raw("") is None
        with pytest.raises(SmtpClientError, match="reading a message"):
            await client.mail("x@sandbox.test")  # not while the server reads the message
        assert (await say(client, ".")).code == 250
        assert (await say(client, "QUIT")).code == 221
        assert not client.connected
    assert smtp.messages == [b"Subject: typed by hand\r\n\r\n.\r\n"]
    assert smtp.commands[0] == (False, "ehlo my-laptop.test")  # sent exactly as typed


async def test_every_byte_in_its_own_segment_gives_the_same_replies() -> None:
    ehlo = b"250-fake.test\r\n250-SIZE 1048576\r\n250-PIPELINING\r\n250 HELP\r\n"

    async def trickle(conn: FakeConn) -> None:
        sock = conn.writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for data in (b"220 fake.test ESMTP\r\n", ehlo):
            for i in range(len(data)):
                await conn.send(data[i : i + 1])
                await asyncio.sleep(0.001)
            await conn.line()
        await conn.send(b"221 Bye\r\n")

    events = Events()
    async with serving(trickle) as server:
        client = make_client(server.port, events)
        banner = await client.connect()
        assert (banner.code, banner.lines) == (220, ("fake.test ESMTP",))
        reply = await client.ehlo()
        assert reply.lines == ("fake.test", "SIZE 1048576", "PIPELINING", "HELP")
        assert client.capabilities == {"SIZE": "1048576", "PIPELINING": "", "HELP": ""}
        assert (await client.quit()).code == 221


def script_sending(data: bytes) -> Any:
    async def script(conn: FakeConn) -> None:
        await conn.send(data)
        await conn.line()  # wait for the client to hang up

    return script


@pytest.mark.parametrize(
    ("banner", "message"),
    [
        (b"HELLO I am not SMTP\r\n", "not an SMTP reply line"),
        (b"2" * 1_000_000, "longer than 512 octets"),  # no newline, ever
        (b"220-fake.test\r\n554 changed my mind\r\n", "reply code changed"),
        (b"220-x\r\n" * 200, "lines"),
        (
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
            "not an SMTP reply line",  # a TLS record, not SMTP
        ),
    ],
)
async def test_broken_replies_raise_a_clean_protocol_error_at_once(
    banner: bytes, message: str
) -> None:
    events = Events()
    async with serving(script_sending(banner)) as server:
        client = make_client(server.port, events, timeout=60.0)
        started = time.monotonic()
        with pytest.raises(SmtpProtocolError, match=message):
            await client.connect()
        assert time.monotonic() - started < 30.0  # an error, not a wait for the 60 s timeout
        assert not client.connected
    [closed] = events.closed()
    assert not closed.clean
    assert any(message in text for text in events.notices(Level.ERROR))


async def test_a_silent_server_times_out() -> None:
    events = Events()
    async with serving(script_sending(b"")) as server:
        client = make_client(server.port, events, timeout=0.2)
        started = time.monotonic()
        with pytest.raises(SmtpTimeoutError, match=r"no reply within 0\.2 s"):
            await client.connect()
        assert time.monotonic() - started < 20.0  # the timeout ends it (late when busy)
    assert isinstance(SmtpTimeoutError("x"), TimeoutError)
    assert events.closed()[0].clean is False


async def test_a_server_that_stops_reading_makes_the_write_time_out() -> None:
    stop = asyncio.Event()

    async def deaf(conn: FakeConn) -> None:
        conn.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # keep buffers small
        await conn.send(b"220 fake.test\r\n")
        await conn.line()
        await conn.send(b"354 go ahead\r\n")
        await stop.wait()  # and never read the message

    events = Events()
    async with serving(deaf) as server:
        client = make_client(server.port, events, timeout=1.5)  # the banner comes in time
        await client.connect()
        started = time.monotonic()
        with pytest.raises(SmtpTimeoutError, match="could not send"):
            await client.data((b"x" * 1022 + b"\r\n") * 16 * 1024)  # 16 MiB: fills the buffers
        assert time.monotonic() - started < 30.0
        assert not client.connected
        stop.set()


async def test_a_server_closing_in_the_middle_of_a_reply() -> None:
    async def hang_up(conn: FakeConn) -> None:
        await conn.send(b"220-fake.test\r\n220-still")

    events = Events()
    async with serving(hang_up) as server:
        client = make_client(server.port, events)
        with pytest.raises(ConnectionClosedError, match="in the middle of a reply"):
            await client.connect()
    assert events.closed()[0].clean is False


async def test_421_ends_the_session_and_later_commands_say_not_connected() -> None:
    async def busy(conn: FakeConn) -> None:
        await conn.send(b"220 fake.test\r\n")
        await conn.line()
        await conn.send(b"421 4.7.0 fake.test Too many connections, try later\r\n")

    events = Events()
    async with serving(busy) as server:
        client = make_client(server.port, events)
        await client.connect()
        reply = await client.ehlo()
        assert reply.code == 421
        assert reply.is_transient
        assert not client.connected
        with pytest.raises(NotConnectedError):
            await client.noop()
    [closed] = events.closed()
    assert not closed.clean
    assert "Too many connections" in closed.reason


async def test_connection_refused_is_a_connect_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: refused
        events = Events()
        client = make_client(port, events)
        with pytest.raises(ConnectError, match=f"could not connect to 127.0.0.1:{port}"):
            await client.connect()
    assert events.notices(Level.ERROR)


async def test_send_mail_stops_at_a_refused_recipient_and_quits() -> None:
    smtp = MiniSmtp(ehlo_plain=PLAIN_EHLO)

    async def refuse_rcpt(conn: FakeConn) -> None:
        original = conn.send

        async def send(data: bytes) -> None:
            last = smtp.commands[-1][1] if smtp.commands else ""
            if last.startswith("RCPT"):
                data = b"550 5.1.1 No such user\r\n"
            await original(data)

        conn.send = send  # type: ignore[method-assign]
        await smtp(conn)

    async with serving(refuse_rcpt) as server:
        client = make_client(server.port, Events(), policy="may")
        with pytest.raises(SmtpReplyError, match=r"RCPT was refused: 550 5\.1\.1") as caught:
            await client.send_mail("learner@sandbox.test", ["nobody@sandbox.test"], "hi")
        assert caught.value.reply.code == 550
    assert [line for _, line in smtp.commands][-2:] == ["RCPT TO:<nobody@sandbox.test>", "QUIT"]
    assert b"DATA" not in server.received


async def test_helo_fallback_for_an_old_server_when_tls_is_not_required() -> None:
    smtp = MiniSmtp(ehlo_reply=b"502 5.5.2 EHLO? never heard of it\r\n")
    async with serving(smtp) as server:
        client = make_client(server.port, Events(), policy="may")
        reply = await client.send_mail("learner@sandbox.test", "friend@sandbox.test", "hi\n")
        assert reply.code == 250
    assert [line.split()[0] for _, line in smtp.commands] == [
        "EHLO", "HELO", "MAIL", "RCPT", "DATA", "QUIT"
    ]  # fmt: skip


async def test_server_text_is_escaped_in_the_conversation() -> None:
    events = Events()
    async with serving(script_sending(b"220 hi \x1b[2J\x1b]0;owned\x07\r\n")) as server:
        client = make_client(server.port, events)
        await client.connect()
        await client.close()
    [line] = events.of(ConversationLine)
    assert line.sender is Side.SERVER
    assert line.text == "220 hi \\x1b[2J\\x1b]0;owned\\x07"


# --- F5, F6, F7, C4 -------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["none", "may"])
async def test_f5_no_auth_in_cleartext(policy: str) -> None:
    events = Events()
    async with (
        serving(MiniSmtp(ehlo_plain=(*PLAIN_EHLO, "AUTH PLAIN LOGIN"))) as server,
        make_client(server.port, events, policy=policy) as client,
    ):
        await client.connect()
        await client.ehlo()
        with pytest.raises(CleartextAuthError, match="cleartext"):
            await client.auth_plain("learner", "secret")
        with pytest.raises(CleartextAuthError):
            await client.auth_login("learner", "secret")
        with pytest.raises(CleartextAuthError):
            await client.raw("AUTH PLAIN AGxlYXJuZXIAc2VjcmV0")
        assert (await client.noop()).code == 250  # the session itself goes on
    assert server.received == b"EHLO client.test\r\nNOOP\r\n"
    assert len(events.notices(Level.ERROR)) == 3


async def test_f5_cleartext_auth_only_when_a_lab_turns_the_protection_off() -> None:
    smtp = MiniSmtp(ehlo_plain=(*PLAIN_EHLO, "AUTH PLAIN LOGIN"))
    events = Events()
    async with (
        serving(smtp) as server,
        make_client(server.port, events, allow_cleartext_auth=True) as client,
    ):
        await client.connect()
        await client.ehlo()
        assert (await client.auth_plain("learner", "pa55")).code == 235
        assert (await client.auth_login("learner", "pa55")).code == 235
    assert smtp.logins == ["learner:pa55", "learner:pa55"]
    assert any("cleartext" in text for text in events.notices(Level.WARNING))
    token = base64.b64encode(b"\0learner\0pa55").decode()
    assert f"-> AUTH PLAIN {token}" in events.lines()  # shown as sent: lessons decode it


CALLS = {
    "mail": lambda c, bad: c.mail(f"a@x.test>{bad}RCPT TO:<victim@y.test"),
    "mail-option": lambda c, bad: c.mail("a@x.test", f"SIZE=1{bad}DATA"),
    "rcpt": lambda c, bad: c.rcpt(f"victim@y.test>{bad}DATA"),
    "ehlo": lambda c, bad: c.ehlo(f"client.test{bad}MAIL FROM:<x@y.test>"),
    "helo": lambda c, bad: c.helo(f"client.test{bad}QUIT"),
    "raw": lambda c, bad: c.raw(f"NOOP{bad}MAIL FROM:<x@y.test>"),
    "raw-auth": lambda c, bad: c.raw(f"AUTH PLAIN{bad}x"),
}


@pytest.mark.parametrize("bad", ["\r\n", "\n", "\r", "\0"], ids=["CRLF", "LF", "CR", "NUL"])
@pytest.mark.parametrize("call", sorted(CALLS))
async def test_f6_cr_lf_nul_in_an_argument_raise_before_any_byte_is_written(
    call: str, bad: str
) -> None:
    async with (
        serving(MiniSmtp(ehlo_plain=PLAIN_EHLO)) as server,
        make_client(server.port, Events(), allow_cleartext_auth=True) as client,
    ):
        await client.connect()
        with pytest.raises(UnsafeArgumentError):
            await CALLS[call](client, bad)
        assert (await client.noop()).code == 250
    assert server.received == b"NOOP\r\n"


async def test_f6_nul_inside_auth_plain_credentials_is_refused_before_sending() -> None:
    async with (
        serving(MiniSmtp(ehlo_plain=PLAIN_EHLO)) as server,
        make_client(server.port, Events(), allow_cleartext_auth=True) as client,
    ):
        await client.connect()
        with pytest.raises(UnsafeArgumentError, match="NUL"):
            await client.auth_plain("learner\0admin", "pa55")
    assert server.received == b""


async def test_f7_data_is_dot_stuffed_with_crlf_only() -> None:
    smtp = MiniSmtp(ehlo_plain=PLAIN_EHLO)
    message = (
        b"Subject: smuggling attempt\n\n.leading dot\r\n..two dots\r.\rMAIL FROM:<evil@x.test>\n"
        b"\r\n.\r\nRCPT TO:<victim@y.test>\r\nlast line without end"
    )
    events = Events()
    async with serving(smtp) as server:
        client = make_client(server.port, events)
        await client.connect()
        await client.ehlo()
        await client.mail("learner@sandbox.test")
        await client.rcpt("friend@sandbox.test")
        assert (await client.data(message)).code == 250
        await client.quit()
    assert smtp.messages == [
        b"Subject: smuggling attempt\r\n\r\n..leading dot\r\n...two dots\r\n..\r\n"
        b"MAIL FROM:<evil@x.test>\r\n\r\n..\r\nRCPT TO:<victim@y.test>\r\n"
        b"last line without end\r\n.\r\n"
    ]
    assert len(smtp.commands) == 5  # EHLO MAIL RCPT DATA QUIT: nothing was smuggled
    assert "-> ..leading dot" in events.lines()


async def test_c4_credentials_never_reach_a_log_record(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    user, password = "learner", "Sup3r-secret-pa55"
    smtp = MiniSmtp(ehlo_plain=(*PLAIN_EHLO, "AUTH PLAIN LOGIN"))
    async with serving(smtp) as server:
        client = make_client(server.port, Events(), allow_cleartext_auth=True)
        await client.connect()
        await client.ehlo()
        await client.auth_plain(user, password)
        await client.auth_login(user, password)
        await client.raw("AUTH LOGIN")
        await client.raw(base64.b64encode(user.encode()).decode())
        await client.raw(base64.b64encode(password.encode()).decode())
        await client.quit()
    assert smtp.logins == [f"{user}:{password}"] * 3
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "C: AUTH <hidden>" in logged  # the client does log, at DEBUG
    secrets = [password, base64.b64encode(f"\0{user}\0{password}".encode()).decode()]
    secrets += [base64.b64encode(s.encode()).decode() for s in (user, password)]
    for secret in secrets:
        assert secret not in logged


async def test_commands_before_connect_say_not_connected() -> None:
    events = Events()
    client = make_client(1, events)
    with pytest.raises(NotConnectedError, match="connect"):
        await client.ehlo()
    assert events.notices(Level.ERROR) == ["not connected: connect() first"]
    assert not events.of(SessionClosed)
