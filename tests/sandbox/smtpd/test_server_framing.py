"""Framing and limits (properties.md D1-D7, D9): raw bytes in, exact replies out."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from sandbox.events import Level, Notice
from sandbox.smtpd.policy import Replies

ENVELOPE = b"EHLO client.test\r\nMAIL FROM:<a@sandbox.test>\r\nRCPT TO:<b@sandbox.test>\r\nDATA\r\n"
SMUGGLED = (
    b"MAIL FROM:<evil@sandbox.test>\r\n"
    b"RCPT TO:<victim@sandbox.test>\r\n"
    b"DATA\r\n"
    b"Subject: smuggled\r\n\r\nevil\r\n"
)


async def wait_until(predicate, wait: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + wait
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def codes(wire, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [(await wire.reply())[:3] for _ in range(count)]


async def send_message(wire, body: bytes) -> str:  # type: ignore[no-untyped-def]
    """EHLO, MAIL, RCPT, DATA with `body` (already ending in CRLF), then the final dot."""
    await wire.send(ENVELOPE)
    assert await codes(wire, 4) == ["250", "250", "250", "354"]
    await wire.send(body + b".\r\n")
    return await wire.reply()


@pytest.mark.parametrize(
    "fake_end",
    [
        b"\n.\n",
        b"\n.\r",
        b"\r.\n",
        b"\r.\r",
        b"\n.\r\n",
        b"\r.\r\n",
        b"\r\n\x00.\r\n",
        b"\r\n.\r\r\n",
        b"\r\r\n.\r\r\n",
    ],
)
@pytest.mark.parametrize("strict", [False, True])
async def test_d1_only_crlf_dot_crlf_ends_data(
    start_server, connect, quick, fake_end: bytes, strict: bool
) -> None:
    server = await start_server(quick(strict_bare_newline=strict))
    wire = await connect(server)
    await wire.send(
        ENVELOPE + b"Subject: first\r\n\r\nhello" + fake_end + SMUGGLED + b".\r\nQUIT\r\n"
    )
    replies = await codes(wire, 6)
    bare = fake_end != b"\r\n\x00.\r\n"
    if strict and bare:
        assert replies == ["250", "250", "250", "354", "550", "221"]
        assert server.mailbox.delivered == 0
    else:
        assert replies == ["250", "250", "250", "354", "250", "221"]
        assert server.mailbox.delivered == 1  # exactly one: the "smuggled" one is just text
        msg = server.mailbox[0]
        assert msg.mail_from == "a@sandbox.test"
        assert msg.rcpt_tos == ("b@sandbox.test",)
        assert b"Subject: smuggled" in msg.raw
        assert msg.bare_newline is bare


async def test_d1_dot_stuffing_is_undone(start_server, connect) -> None:
    server = await start_server()
    wire = await connect(server)
    reply = await send_message(wire, b"Subject: dots\r\n\r\n..leading dot\r\n..\r\n")
    assert reply.startswith("250")
    assert server.mailbox[0].raw == b"Subject: dots\r\n\r\n.leading dot\r\n.\r\n"


async def test_d2_bare_newline_is_flagged(start_server, connect) -> None:
    events: list[object] = []
    server = await start_server(emit=events.append)
    wire = await connect(server)
    assert (await send_message(wire, b"Subject: x\r\n\r\none\ntwo\rthree\r\n")).startswith("250")
    assert server.mailbox[0].bare_newline
    assert server.mailbox[0].raw.endswith(b"one\ntwo\rthree\r\n")  # kept as sent
    assert any(
        isinstance(e, Notice) and e.level is Level.WARNING and "bare CR or LF" in e.text
        for e in events
    )
    wire = await connect(server)
    assert (await send_message(wire, b"Subject: y\r\n\r\nclean\r\n")).startswith("250")
    assert not server.mailbox[1].bare_newline


async def test_d2_bare_newline_rejected_in_strict_mode(start_server, connect, quick) -> None:
    server = await start_server(quick(strict_bare_newline=True))
    wire = await connect(server)
    reply = await send_message(wire, b"Subject: x\r\n\r\none\ntwo\r\n")
    assert reply == "550 5.5.2 Error: bare <CR> or <LF> received"
    assert server.mailbox.delivered == 0
    assert (await wire.cmd("NOOP")).startswith("250")


async def test_d3_command_over_512_octets_gets_500(start_server, connect) -> None:
    server = await start_server()
    wire = await connect(server)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    exactly_512 = b"NOOP " + b"x" * (512 - len("NOOP ") - 2)
    assert len(exactly_512 + b"\r\n") == 512
    assert (await wire.cmd(exactly_512)).startswith("250")
    assert (await wire.cmd(exactly_512 + b"x")).startswith("500")
    assert (await wire.cmd(b"NOOP " + b"x" * 5000)).startswith("500")
    assert (await wire.cmd("NOOP")).startswith("250")  # the session goes on
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test>")).startswith("250")


async def test_d3_mail_limit_does_not_grow_with_each_ehlo(start_server, connect) -> None:
    """aiosmtpd adds 26 octets to MAIL's limit on every EHLO, in a dict shared by all sessions."""
    server = await start_server()
    wire = await connect(server)
    for _ in range(15):
        assert (await wire.cmd("EHLO client.test")).startswith("250")
    too_long = b"MAIL FROM:<" + b"a" * 560 + b"@sandbox.test>"
    assert (await wire.cmd(too_long)).startswith("500")
    with_size = b"MAIL FROM:<" + b"a" * 480 + b"@sandbox.test> SIZE=1000"
    assert 512 < len(with_size) + 2 <= 512 + 26
    assert (await wire.cmd(with_size)).startswith("250")  # RFC 1870's extra 26 octets


async def test_d3_a_megabyte_without_newline_then_the_session_goes_on(
    start_server, connect
) -> None:
    server = await start_server()
    wire = await connect(server)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    await wire.send(b"A" * (1024 * 1024))
    assert (await wire.cmd(b"")).startswith("500")
    assert (await wire.cmd("NOOP")).startswith("250")


async def test_d4_data_line_over_1000_octets_gets_500(start_server, connect) -> None:
    server = await start_server()
    wire = await connect(server)
    line_1001 = b"x" * 999 + b"\r\n"
    reply = await send_message(wire, b"Subject: long\r\n\r\n" + line_1001)
    assert reply.startswith("500")
    assert server.mailbox.delivered == 0
    assert (await wire.cmd("NOOP")).startswith("250")  # the session goes on


async def test_d4_lines_at_the_limit_are_accepted(start_server, connect) -> None:
    """Control: 1000 octets with CRLF pass, and so does a dot-stuffed line of that length."""
    server = await start_server()
    wire = await connect(server)
    line_1000 = b"x" * 998 + b"\r\n"
    stuffed = b".." + b"y" * 997 + b"\r\n"  # 1000 octets once unstuffed
    assert (await send_message(wire, b"Subject: ok\r\n\r\n" + line_1000 + stuffed)).startswith(
        "250"
    )
    assert server.mailbox[0].raw.endswith(line_1000 + stuffed[1:])


async def test_d4_huge_line_in_data_is_dropped_not_buffered(start_server, connect) -> None:
    server = await start_server()
    wire = await connect(server)
    body = b"Subject: huge\r\n\r\n" + b"z" * 200_000 + b".\r\n"  # ".\r\n" ends a line, not DATA
    assert (await send_message(wire, body)).startswith("500")
    assert server.mailbox.delivered == 0


async def test_d5_size_advertised_and_enforced(start_server, connect) -> None:
    server = await start_server()
    wire = await connect(server)
    assert "250-SIZE 1048576" in (await wire.cmd("EHLO client.test")).splitlines()
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test> SIZE=2000000")).startswith("552")
    big = b"Subject: big\r\n\r\n" + (b"y" * 998 + b"\r\n") * 1100  # about 1.1 MB
    wire = await connect(server)
    assert (await send_message(wire, big)).startswith("552 5.3.4")
    assert server.mailbox.delivered == 0
    assert (await wire.cmd("NOOP")).startswith("250")


async def test_d6_at_most_100_recipients(start_server, connect) -> None:
    server = await start_server()
    wire = await connect(server)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test>")).startswith("250")
    await wire.send(b"".join(b"RCPT TO:<r%d@sandbox.test>\r\n" % i for i in range(100)))
    assert await codes(wire, 100) == ["250"] * 100
    assert await wire.cmd("RCPT TO:<r100@sandbox.test>") == "452 4.5.3 Error: too many recipients"
    assert (await wire.cmd("DATA")).startswith("354")
    assert (await wire.cmd("Subject: many\r\n\r\nhi\r\n.")).startswith("250")
    assert len(server.mailbox[0].rcpt_tos) == 100


@pytest.mark.parametrize(
    "command",
    [b"FOO\rBAR", b"\x1b[31mRED\x1b[0m", b"\x1b]0;pwned\x07", b"VRFY \x1b[2J", b"X\x00Y\x08"],
)
async def test_d7_replies_never_carry_control_bytes(start_server, connect, command: bytes) -> None:
    server = await start_server()
    wire = await connect(server)
    await wire.send(command + b"\r\n")
    raw = await wire.line()
    assert raw.endswith(b"\r\n")
    assert all(0x20 <= b < 0x7F for b in raw[:-2]), raw
    assert raw[:1] in (b"5", b"2")
    assert (await wire.cmd("NOOP")).startswith("250")


async def test_d9_five_unknown_commands_then_502_and_close(start_server, connect) -> None:
    server = await start_server()
    wire = await connect(server)
    for i in range(4):
        assert (await wire.cmd(f"BOGUS{i}")).startswith("500")
    assert (await wire.cmd("BOGUS4")).startswith("502")
    assert await wire.read_until_closed() == b""


async def test_d9_pipelined_input_after_close_is_never_acted_on(start_server, connect) -> None:
    server = await start_server()
    wire = await connect(server)
    bogus = b"".join(b"BOGUS%d\r\n" % i for i in range(5))
    await wire.send(bogus + ENVELOPE + b"Subject: x\r\n\r\nsneaky\r\n.\r\n")
    replies = (await wire.read_until_closed()).decode().splitlines()
    assert [r[:3] for r in replies] == ["500"] * 4 + ["502"]
    assert server.mailbox.delivered == 0


async def test_d9_noop_loop_is_cut_off(start_server, connect) -> None:
    server = await start_server()
    wire = await connect(server)
    await wire.send(b"NOOP\r\n" * 50)
    assert await codes(wire, 50) == ["250"] * 50
    assert (await wire.cmd("NOOP")).startswith("421 4.7.0")
    assert await wire.read_until_closed() == b""


async def test_d7_log_lines_never_carry_control_bytes(
    start_server, connect, caplog: pytest.LogCaptureFixture
) -> None:
    """aiosmtpd logs an unknown command verbatim; a terminal showing that log must stay safe."""
    server = await start_server()
    caplog.set_level(logging.DEBUG)
    wire = await connect(server)
    assert (await wire.cmd(b"\x1b]0;pwned\x07EVIL")).startswith("500")
    messages = [r.getMessage() for r in caplog.records]
    assert any("unrecognised" in m and "\\x1b" in m for m in messages)
    assert not any("\x1b" in m or "\x07" in m for m in messages)


JUNK = {
    "empty line": b"",
    "bare LF": b"\n",  # sent as b"\n\r\n": a bare LF line, then an empty one (two replies)
    "non-ASCII command": b"\xc3\xa9HLO client.test",
    "non-ASCII argument": b"NOOP \xff\xfe",
    "overlong command": b"NOOP " + b"x" * 600,
    "endless line": b"A" * 200_000,
    "unknown command": b"BOGUS",
}


@pytest.mark.parametrize("junk", list(JUNK))
async def test_d9_every_junk_line_counts(start_server, connect, junk: str) -> None:
    """Five junk lines of any kind, not only unknown commands, end the session with 502."""
    server = await start_server()
    wire = await connect(server)
    line = JUNK[junk]
    data = line if line == b"\n" else line + b"\r\n"
    for _ in range(4):
        await wire.send(data)
        assert (await wire.reply()).startswith("500")
    await wire.send(data)
    rest = await wire.read_until_closed()
    assert rest == b"502 5.5.1 Too many unrecognized commands, goodbye.\r\n"


async def test_d9_a_flood_of_empty_lines_gets_five_replies_not_200000(
    start_server, connect
) -> None:
    """aiosmtpd alone answers each of the 200,000 bare LFs (4.6 MB back) and stays open."""
    server = await start_server()
    wire = await connect(server)
    await wire.send(b"\n" * 200_000)
    received = b""
    with contextlib.suppress(ConnectionResetError):  # closing with input unread sends RST
        while chunk := await asyncio.wait_for(wire.reader.read(65536), 5):
            received += chunk
    expected = b"500 Error: bad syntax\r\n" * 4 + Replies.TOO_MANY_UNRECOGNIZED.encode() + b"\r\n"
    assert expected.startswith(received), received[:200]
    await wait_until(lambda: server.session_count == 0)
    wire = await connect(server)  # the next client is served
    assert (await wire.cmd("NOOP")).startswith("250")


async def test_d9_junk_of_mixed_kinds_shares_one_budget(start_server, connect) -> None:
    server = await start_server()
    wire = await connect(server)
    for line in (b"", b"BOGUS", b"NOOP \xff", b"X" * 600):
        assert (await wire.cmd(line)).startswith("500")
    assert (await wire.cmd("NOOP")).startswith("250")  # valid commands do not refill it
    await wire.send(b"\xc3\xa9\r\n")
    assert (await wire.read_until_closed()).startswith(b"502 ")


ERRORS = [
    b"MAIL FROM:<a@sandbox.test>",  # 503: EHLO first
    b"RCPT TO:<b@sandbox.test>",  # 503
    b"DATA",  # 503
    b"AUTH PLAIN",  # 503 before EHLO
    b"STARTTLS now",  # 501
    b"QUIT now",  # 501
]


async def test_d10_every_error_reply_counts_up_to_the_hard_limit(
    start_server, connect, quick
) -> None:
    server = await start_server(quick(max_errors=20))
    wire = await connect(server)
    for i in range(19):
        reply = await wire.cmd(ERRORS[i % len(ERRORS)])
        assert reply[:1] in ("4", "5") and not reply.startswith("421"), reply
    assert (await wire.cmd("NOOP")).startswith("250")  # 19 errors: still served
    await wire.send(ERRORS[0] + b"\r\n")
    assert await wire.read_until_closed() == b"421 4.7.0 sandbox.test Error: too many errors\r\n"
    wire = await connect(server)
    assert (await wire.cmd("NOOP")).startswith("250")
