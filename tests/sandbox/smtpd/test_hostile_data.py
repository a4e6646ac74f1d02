"""Hostile mail transactions (properties.md E7): SMTP smuggling sequences, DATA and size limits,
recipient limits (D1, D4, D5, D6). Every case also states how many messages it delivers: a smuggled
second transaction is never one, and nothing is stored without a 250 after DATA.

One server for the whole table; test_hostile_kit.py says what each case checks.
"""

from __future__ import annotations

import pytest
from test_hostile_kit import Case, ServerFixture, case, module_server, params, run_case, served
from test_hostile_kit import Expect as E

pytestmark = pytest.mark.asyncio(loop_scope="module")
server = module_server()

ENVELOPE = b"EHLO client.test\r\nMAIL FROM:<a@sandbox.test>\r\nRCPT TO:<b@sandbox.test>\r\nDATA\r\n"
OPENED = (E("250"), E("250"), E("250"), E("354"))
SMUGGLED = (
    b"MAIL FROM:<evil@sandbox.test>\r\nRCPT TO:<victim@sandbox.test>\r\nDATA\r\n"
    b"Subject: smuggled\r\n\r\nevil"
)
FAKE_ENDS = {
    "lf-dot-lf": b"\n.\n",
    "lf-dot-cr": b"\n.\r",
    "cr-dot-lf": b"\r.\n",
    "cr-dot-cr": b"\r.\r",
    "lf-dot-crlf": b"\n.\r\n",
    "cr-dot-crlf": b"\r.\r\n",
    "crlf-nul-dot-crlf": b"\r\n\x00.\r\n",
    "crlf-dot-crcrlf": b"\r\n.\r\r\n",
    "crcrlf-dot-crcrlf": b"\r\r\n.\r\r\n",
    "crlf-dot-lf": b"\r\n.\n",
    "crlf-dot-space-crlf": b"\r\n. \r\n",
    "crlf-dot-nul-crlf": b"\r\n.\x00\r\n",
    "crlf-dot-tab-crlf": b"\r\n.\t\r\n",
    "crlf-stuffed-dot-crlf": b"\r\n..\r\n",
    "lf-dot-lf-crlf": b"\n.\n\r\n",
}


def smuggling() -> list[Case]:
    """A fake end, then a second transaction: one message, which holds the second as text."""
    return [
        case(
            f"smuggle-{name}",
            ENVELOPE + b"Subject: s\r\n\r\nhello" + fake + SMUGGLED + b"\r\n.\r\n",
            *OPENED,
            E("250 2.0.0 Ok: queued"),
            stored=1,
        )
        for name, fake in FAKE_ENDS.items()
    ]


def limits() -> list[Case]:
    big = b"x" * 998 + b"\r\n"
    return [
        case("data-line-1000-ok", ENVELOPE + big + b".\r\n", *OPENED, E("250"), stored=1),
        case("data-line-1001", ENVELOPE + b"x" + big + b".\r\n", *OPENED, E("500 5.5.2"), stored=0),
        case(
            "data-line-endless", ENVELOPE + b"x" * 900_000 + b"\r\n.\r\n", *OPENED, E("500 5.5.2")
        ),
        case("message-over-size", ENVELOPE + big * 1100 + b".\r\n", *OPENED, E("552 5.3.4")),
        case(
            "message-over-then-next",
            ENVELOPE + big * 1100 + b".\r\nRSET\r\n",
            *OPENED,
            E("552"),
            E("250"),
        ),
        case(
            "declared-size-over", b"EHLO c\r\nMAIL FROM:<a@b> SIZE=1048577\r\n", E("250"), E("552")
        ),
        case(
            "declared-size-at-limit",
            b"EHLO c\r\nMAIL FROM:<a@b> SIZE=1048576\r\n",
            E("250"),
            E("250"),
        ),
        case(
            "declared-size-huge",
            b"EHLO c\r\nMAIL FROM:<a@b> SIZE=" + b"9" * 400 + b"\r\n",
            E("250"),
            E("552"),
        ),
        case("empty-message", ENVELOPE + b".\r\n", *OPENED, E("250"), stored=1),
        case("nul-bytes-in-body", ENVELOPE + b"a\x00b\r\n.\r\n", *OPENED, E("250"), stored=1),
        case(
            "bare-cr-in-body",
            ENVELOPE + b"a\rb\r\n.\r\n",
            *OPENED,
            E("250"),
            stored=1,
            notice="server.bare_newline_accepted",
        ),
        case(
            "esc-in-body", ENVELOPE + b"\x1b[2J\x1b]0;x\x07\r\n.\r\n", *OPENED, E("250"), stored=1
        ),
        case("data-twice", ENVELOPE + b".\r\nDATA\r\n", *OPENED, E("250"), E("503"), stored=1),
        case(
            "rset-in-data-is-text", ENVELOPE + b"RSET\r\nQUIT\r\n.\r\n", *OPENED, E("250"), stored=1
        ),
        case(
            "quit-in-data-is-text",
            ENVELOPE + b"QUIT\r\n.\r\nQUIT\r\n",
            *OPENED,
            E("250"),
            E("221"),
            stored=1,
            closed=True,
        ),
    ]


def recipients() -> list[Case]:
    mail = b"EHLO c\r\nMAIL FROM:<a@sandbox.test>\r\n"
    rcpts = b"".join(b"RCPT TO:<r%d@sandbox.test>\r\n" % i for i in range(101))
    return [
        case(
            "rcpt-101st-refused",
            mail + rcpts,
            E("250"),
            E("250"),
            *[E("250")] * 100,
            E("452 4.5.3"),
        ),
        case(
            "rcpt-100-then-data",
            mail + rcpts[: rcpts.index(b"RCPT TO:<r100")] + b"DATA\r\n.\r\n",
            E("250"),
            E("250"),
            *[E("250")] * 100,
            E("354"),
            E("250"),
            stored=1,
        ),
        case("rcpt-empty-path", mail + b"RCPT TO:<>\r\n", E("250"), E("250"), E("501 5.1.3")),
        case(
            "rcpt-no-brackets", mail + b"RCPT TO:b@sandbox.test\r\n", E("250"), E("250"), E("250")
        ),
        case(
            "rcpt-long-address",
            mail + b"RCPT TO:<" + b"a" * 400 + b"@sandbox.test>\r\n",
            E("250"),
            E("250"),
            E("250"),
        ),
        case(
            "rcpt-outside-kept", mail + b"RCPT TO:<x@example.org>\r\n", E("250"), E("250"), E("250")
        ),
        case(
            "rcpt-unknown-param",
            mail + b"RCPT TO:<b@sandbox.test> FOO=1\r\n",
            E("250"),
            E("250"),
            E("555"),
        ),
        case(
            "rset-then-data",
            mail + b"RCPT TO:<b@sandbox.test>\r\nRSET\r\nDATA\r\n",
            E("250"),
            E("250"),
            E("250"),
            E("250"),
            E("503"),
        ),
    ]


TABLE = smuggling() + limits() + recipients()


@pytest.mark.parametrize("c", params(TABLE))
async def test_e7_hostile_transactions(server: ServerFixture, c: Case, client_ctx) -> None:  # type: ignore[no-untyped-def]
    srv, events = server
    srv.mailbox.clear()  # the table delivers more than the default bound over its cases
    await run_case(srv, events, c, client_ctx)
    if c.name.startswith("smuggle-"):
        (msg,) = [m for m in srv.mailbox]
        assert b"smuggled" in msg.raw and msg.rcpt_tos == ("b@sandbox.test",)
    await served(srv)
