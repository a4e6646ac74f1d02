"""Hostile command lines (properties.md E7): overlong lines, bare LF and CR, control bytes, other
protocols at the SMTP port, bad syntax, and the junk and error budgets (D3, D7, D9, D10).

One server for the whole table; each case runs on its own connection, then a normal client must be
served (test_hostile_kit.py says what each case checks).
"""

from __future__ import annotations

import pytest
from test_hostile_kit import Case, ServerFixture, case, module_server, params, run_case, served
from test_hostile_kit import Expect as E

pytestmark = pytest.mark.asyncio(loop_scope="module")
server = module_server()

TOO_LONG = "500 Command line too long"
EHLO = b"EHLO client.test\r\n"


def overlong() -> list[Case]:
    """Every verb's line past 512 octets (CRLF included), at 600, 5,000 and 70,000 octets."""
    cases = []
    for verb in (b"NOOP ", b"EHLO ", b"HELO ", b"MAIL FROM:<", b"RCPT TO:<", b"VRFY ", b"XJUNK "):
        for size in (600, 5_000, 70_000):
            line = verb + b"a" * (size - len(verb) - 2) + b"\r\n"
            name = f"overlong-{verb.split()[0].strip(b':<').decode().lower()}-{size}"
            cases.append(case(name, line, E(TOO_LONG)))
    cases += [
        case("overlong-noop-512-is-fine", b"NOOP " + b"a" * 505 + b"\r\n", E("250 OK")),
        case("overlong-noop-513", b"NOOP " + b"a" * 506 + b"\r\n", E(TOO_LONG)),
        case("overlong-ehlo-512-is-fine", b"EHLO " + b"a" * 505 + b"\r\n", E("250-")),
        case("overlong-1mb-then-crlf", b"x" * 1_048_576 + b"\r\n", E(TOO_LONG)),
        case("overlong-twice", b"y" * 4000 + b"\r\n" + b"z" * 4000 + b"\r\n", E("500"), E("500")),
    ]
    return cases


def line_ends() -> list[Case]:
    return [
        case("lf-alone", b"\n", E("500 Error: bad syntax")),
        case("crlf-alone", b"\r\n", E("500 Error: bad syntax")),
        case("noop-lf", b"NOOP\n", E("250 OK")),
        case("ehlo-lf", b"EHLO client.test\n", E("250-")),
        case("noop-cr-is-no-end", b"NOOP\rNOOP\r\n", E('500 Error: command "NOOP\\rNOOP"')),
        case("cr-alone-then-crlf", b"\r\r\n", E("500")),
        case("noop-cr-crlf-is-a-noop", b"NOOP\r\r\n", E("250 OK")),
        case("three-lfs", b"\n\n\n", E("500"), E("500"), E("500")),
        case("cr-flood", b"\r" * 400 + b"\r\n", E("500")),
        case(
            "lf-flood-cut-at-five",
            b"\n" * 200_000,
            *[E("500")] * 4,
            E("502 5.5.1"),
            closed=True,
            may_reset=True,
        ),
        case(
            "crlf-flood-cut-at-five",
            b"\r\n" * 1000,
            *[E("500")] * 4,
            E("502"),
            closed=True,
            may_reset=True,
        ),
        case("ehlo-cr-smuggled-mail", b"EHLO x\rMAIL FROM:<a@b>\r\n", E("250")),
        case(
            "mail-lf-rcpt", EHLO + b"MAIL FROM:<a@b>\nRCPT TO:<c@d>\n", E("250"), E("250"), E("250")
        ),
    ]


def control_bytes() -> list[Case]:
    """Every C0 control byte but CR and LF, DEL and bytes past ASCII, inside a command."""
    values = [b for b in range(0x20) if b not in (0x0A, 0x0D)] + [0x7F, 0x80, 0xC3, 0xFF]
    cases = [
        case(f"control-0x{b:02x}-in-noop", b"NO" + bytes([b]) + b"OP\r\n", E("500")) for b in values
    ]
    cases += [
        case("esc-title-in-ehlo", b"EHLO \x1b]0;pwned\x07\r\n", E("250")),
        case("esc-clear-in-vrfy", b"VRFY \x1b[2J\x1b[H\r\n", E("252")),
        case("esc-in-mail", EHLO + b"MAIL FROM:<\x1b[31m@x.test>\r\n", E("250"), E("501")),
        case("nul-in-helo", b"HELO a\x00b\r\n", E("250")),
        case("utf8-command", "ÉHLO x\r\n".encode(), E("500")),
        case("utf8-in-mail", EHLO + "MAIL FROM:<é@x.test>\r\n".encode(), E("250"), E("500")),
    ]
    return cases


def other_protocols() -> list[Case]:
    return [
        case("http-get", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", E("500"), E("500"), E("500")),
        case("http-connect", b"CONNECT mail.test:25 HTTP/1.1\r\n", E("500")),
        case("proxy-v1-header", b"PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n", E("500")),
        case("ssh-banner", b"SSH-2.0-OpenSSH_9.6\r\n", E("500")),
        case("tls-hello-on-plain", b"\x16\x03\x01\x00\x05hello\r\n", E("500")),
    ]


def syntax() -> list[Case]:
    return [
        case("rset-with-arg", b"RSET x\r\n", E("501")),
        case("quit-with-arg", b"QUIT x\r\n", E("501")),
        case("ehlo-without-name", b"EHLO\r\n", E("501")),
        case("helo-without-name", b"HELO\r\n", E("501")),
        case("mail-before-ehlo", b"MAIL FROM:<a@b>\r\n", E("503")),
        case("rcpt-before-mail", EHLO + b"RCPT TO:<c@d>\r\n", E("250"), E("503")),
        case(
            "data-before-rcpt", EHLO + b"MAIL FROM:<a@b>\r\nDATA\r\n", E("250"), E("250"), E("503")
        ),
        case(
            "nested-mail",
            EHLO + b"MAIL FROM:<a@b>\r\nMAIL FROM:<a@b>\r\n",
            E("250"),
            E("250"),
            E("503"),
        ),
        case("size-not-a-number", EHLO + b"MAIL FROM:<a@b> SIZE=abc\r\n", E("250"), E("501")),
        case("unknown-mail-param", EHLO + b"MAIL FROM:<a@b> FOO=bar\r\n", E("250"), E("555")),
        case("expn", b"EXPN root\r\n", E("502")),
        case("vrfy", b"VRFY root\r\n", E("252")),
        case(
            "data-with-arg",
            EHLO + b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA x\r\n",
            E("250"),
            E("250"),
            E("250"),
            E("501"),
        ),
        case("quit", b"QUIT\r\n", E("221"), closed=True),
        case("quit-then-pipelined", b"QUIT\r\nNOOP\r\nNOOP\r\n", E("221"), closed=True),
    ]


def budgets() -> list[Case]:
    return [
        case("four-unknown-still-open", b"A\r\nB\r\nC\r\nD\r\n", *[E("500")] * 4),
        case(
            "five-unknown-close",
            b"A\r\nB\r\nC\r\nD\r\nE\r\nNOOP\r\n",
            *[E("500")] * 4,
            E("502"),
            closed=True,
        ),
        case("nineteen-errors-still-open", b"RCPT TO:<a@b>\r\n" * 19, *[E("503")] * 19),
        case(
            "twenty-errors-close",
            b"RCPT TO:<a@b>\r\n" * 21,
            *[E("503")] * 19,
            E("421 4.7.0"),
            closed=True,
        ),
        case(
            "noop-loop-cut",
            b"NOOP\r\n" * 60,
            *[E("250")] * 50,
            E("421"),
            closed=True,
            may_reset=True,
        ),
    ]


TABLE = overlong() + line_ends() + control_bytes() + other_protocols() + syntax() + budgets()


@pytest.mark.parametrize("c", params(TABLE))
async def test_e7_hostile_lines(server: ServerFixture, c: Case, client_ctx) -> None:  # type: ignore[no-untyped-def]
    srv, events = server
    await run_case(srv, events, c, client_ctx)
    await served(srv)
