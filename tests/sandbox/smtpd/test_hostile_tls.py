"""Hostile TLS and AUTH (properties.md E7): plaintext pipelined behind STARTTLS, STARTTLS inside
TLS, AUTH abuse, and garbage where a TLS handshake should be, on STARTTLS and on implicit TLS
(B1, B4, B5, C1, C3, G6). test_hostile_kit.py says what each case checks.
"""

from __future__ import annotations

import base64
import random

import pytest
from test_hostile_kit import Case, ServerFixture, Tls, case, module_server, params, run_case, served
from test_hostile_kit import Expect as E

pytestmark = pytest.mark.asyncio(loop_scope="module")
server = module_server()
implicit_server = module_server(implicit_tls=True)

EHLO = (b"EHLO client.test\r\n", E("250"))
UP = (*EHLO, b"STARTTLS\r\n", E("220"), Tls(), *EHLO)


def plain(user: str, password: str) -> bytes:
    return base64.b64encode(f"\0{user}\0{password}".encode())


GOOD = b"AUTH PLAIN " + plain("learner", "demo-Pa55-for-tests") + b"\r\n"
WRONG = b"AUTH PLAIN " + plain("learner", "guess") + b"\r\n"


def injections() -> list[Case]:
    """Plaintext sent in the same segment as STARTTLS: discarded, never run inside TLS (B1)."""
    injected = {
        "noop": b"NOOP\r\n",
        "mail": b"MAIL FROM:<evil@sandbox.test>\r\n",
        "rset": b"RSET\r\n",
        "quit": b"QUIT\r\n",
        "ehlo": b"EHLO evil.test\r\n",
        "blob": b"X" * 10_000,
        "empty-line": b"\r\n",
        "auth": GOOD,
        "starttls-again": b"STARTTLS\r\n",
    }
    return [
        case(
            f"starttls-pipelined-{name}",
            *EHLO,
            b"STARTTLS\r\n" + data,
            E("220"),
            Tls(),
            *EHLO,
            # a fresh transaction: the injected MAIL (if run) would make this a nested 503
            b"MAIL FROM:<a@sandbox.test>\r\n",
            E("250"),
            b"RSET\r\n",
            E("250"),
            notice="server.injection_discarded",
        )
        for name, data in injected.items()
    ]


def starttls_misuse() -> list[Case]:
    return [
        case("starttls-in-tls", *UP, b"STARTTLS\r\n", E("554 5.5.1")),
        case("starttls-in-tls-with-arg", *UP, b"STARTTLS x\r\n", E("554 5.5.1")),
        case("starttls-with-arg", *EHLO, b"STARTTLS now\r\n", E("501 5.5.4")),
        case("starttls-before-ehlo", b"STARTTLS\r\n", E("220"), Tls(), *EHLO),
    ]


def auth_abuse() -> list[Case]:
    return [
        case("auth-before-tls", *EHLO, GOOD, E("538 5.7.11")),
        case("auth-before-ehlo-in-tls", *EHLO, b"STARTTLS\r\n", E("220"), Tls(), GOOD, E("503")),
        case("auth-plain-bad-base64", *UP, b"AUTH PLAIN !!!notbase64\r\n", E("501")),
        case("auth-plain-huge", *UP, b"AUTH PLAIN " + b"A" * 10_000 + b"\r\n", E("500")),
        case(
            "auth-plain-no-nuls",
            *UP,
            b"AUTH PLAIN " + base64.b64encode(b"text") + b"\r\n",
            E("501 5.5.2"),
        ),
        case("auth-login-bad-base64", *UP, b"AUTH LOGIN\r\n", E("334"), b"!!!\r\n", E("501")),
        case("auth-plain-cancel", *UP, b"AUTH PLAIN\r\n", E("334"), b"*\r\n", E("501")),
        case("auth-unknown-mechanism", *UP, b"AUTH CRAM-MD5\r\n", E("504")),
        case("auth-wrong-password", *UP, WRONG, E("535")),
        case(
            "auth-three-failures", *UP, WRONG * 3, E("535"), E("535"), E("421 4.7.0"), closed=True
        ),
        case("auth-twice", *UP, GOOD, E("235"), GOOD, E("503")),
        case("auth-lower-case", *UP, GOOD.lower()[:11] + GOOD[11:], E("235")),
        case("auth-empty-initial", *UP, b"AUTH PLAIN =\r\n", E("501 5.5.2")),
    ]


GARBAGE = {
    "text": b"hello\r\n",
    "nuls": b"\x00" * 100,
    "http": b"GET / HTTP/1.0\r\n\r\n",
    "sslv2-hello": b"\x80\x2e\x01\x00\x02\x00\x15\x00\x00\x00\x10" + b"\x01" * 37,
    "bad-record-version": b"\x16\x09\x09\x00\x05\x01\x00\x00\x01\x00",
    "alert-first": b"\x15\x03\x03\x00\x02\x02\x28",
    "ccs-first": b"\x14\x03\x03\x00\x01\x01",
    "random-1k": random.Random(7).randbytes(1024),
    "appdata-first": b"\x17\x03\x03\x00\x05hello",
}


def garbage_handshakes() -> list[Case]:
    after_starttls = [
        case(
            f"starttls-garbage-{name}",
            *EHLO,
            b"STARTTLS\r\n",
            E("220"),
            data,
            closed=True,
            handshake_fails=True,
        )
        for name, data in GARBAGE.items()
    ]
    return after_starttls


def implicit_garbage() -> list[Case]:
    return [
        case(f"implicit-garbage-{name}", data, closed=True, handshake_fails=True, banner=False)
        for name, data in GARBAGE.items()
    ]


@pytest.mark.parametrize(
    "c", params(injections() + starttls_misuse() + auth_abuse() + garbage_handshakes())
)
async def test_e7_hostile_tls_and_auth(server: ServerFixture, c: Case, client_ctx) -> None:  # type: ignore[no-untyped-def]
    srv, events = server
    await run_case(srv, events, c, client_ctx)
    await served(srv)


@pytest.mark.parametrize("c", params(implicit_garbage()))
async def test_e7_hostile_implicit_tls(implicit_server: ServerFixture, c: Case, client_ctx) -> None:  # type: ignore[no-untyped-def]
    srv, events = implicit_server
    await run_case(srv, events, c, client_ctx)
    await served(srv, client_ctx)
