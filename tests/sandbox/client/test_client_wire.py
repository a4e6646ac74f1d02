"""What the client puts on the wire, as pure functions (sandbox.client.framing, .clientpolicy)."""

from __future__ import annotations

import base64
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.client.framing import (
    UnsafeArgumentError,
    auth_plain_token,
    check_line,
    encode_data,
    parse_capabilities,
    verb_of,
)
from sandbox.client.policy import DEFAULT_POLICY, TlsPolicy, as_policy
from sandbox.client.replies import Reply


@pytest.mark.parametrize("char", ["\r", "\n", "\0"])
def test_f6_check_line_refuses_cr_lf_nul_and_says_where_not_what(char: str) -> None:
    line = f"MAIL FROM:<a@x.test>{char}RCPT TO:<secret@y.test>"
    with pytest.raises(UnsafeArgumentError, match="character 21") as caught:
        check_line(line)
    assert "secret" not in str(caught.value)  # the line may hold a credential (C4)
    assert isinstance(caught.value, ValueError)


def test_check_line_accepts_an_ordinary_command() -> None:
    check_line("MAIL FROM:<learner@sandbox.test> SIZE=100")


def test_verb_of() -> None:
    assert verb_of("mail from:<x@y.test>") == "MAIL"
    assert verb_of("QUIT") == "QUIT"


def test_auth_plain_token_is_only_base64() -> None:
    token = auth_plain_token("learner", "pa55")
    assert base64.b64decode(token) == b"\0learner\0pa55"
    with pytest.raises(UnsafeArgumentError):
        auth_plain_token("learner\0admin", "x")


@pytest.mark.parametrize(
    ("message", "wire"),
    [
        (b"Subject: hi\r\n\r\nbody\r\n", b"Subject: hi\r\n\r\nbody\r\n.\r\n"),
        (b"no final newline", b"no final newline\r\n.\r\n"),
        (b"bare\nline\nends\n", b"bare\r\nline\r\nends\r\n.\r\n"),
        (b"bare\rcr", b"bare\r\ncr\r\n.\r\n"),
        (b".starts with a dot\r\n..two\r\n", b"..starts with a dot\r\n...two\r\n.\r\n"),
        (b"a\r\n.\r\nMAIL FROM:<evil>\r\n", b"a\r\n..\r\nMAIL FROM:<evil>\r\n.\r\n"),
        (b"a\n.\nsmuggled\n", b"a\r\n..\r\nsmuggled\r\n.\r\n"),
        (b"a\r.\rsmuggled", b"a\r\n..\r\nsmuggled\r\n.\r\n"),
        ("Grüße, 日本\n", "Grüße, 日本\r\n.\r\n".encode()),
        (b"", b".\r\n"),
        (b"\r\n", b"\r\n.\r\n"),
    ],
)
def test_f7_encode_data(message: bytes | str, wire: bytes) -> None:
    assert encode_data(message) == wire


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=400) | st.lists(st.sampled_from([b".", b"\r", b"\n", b"x"])).map(b"".join)
)
def test_f7_the_end_marker_appears_once_at_the_end_and_unstuffing_gives_the_message_back(
    message: bytes,
) -> None:
    wire = encode_data(message)
    assert wire.endswith(b".\r\n")
    no_crlf = wire.replace(b"\r\n", b"")
    assert b"\r" not in no_crlf
    assert b"\n" not in no_crlf
    body = wire[: -len(b".\r\n")]
    lines = body.split(b"\r\n")[:-1] if body else []
    assert b"." not in lines  # no line of the message ends it early
    unstuffed = [line[1:] if line.startswith(b".") else line for line in lines]
    expected = re.split(rb"\r\n|\r|\n", message)
    if expected[-1] == b"":
        expected.pop()
    assert unstuffed == expected


def test_parse_capabilities_skips_the_greeting_line() -> None:
    reply = Reply(250, ("sandbox.test Hello", "SIZE 1048576", "auth PLAIN LOGIN", "STARTTLS", ""))
    assert parse_capabilities(reply) == {"SIZE": "1048576", "AUTH": "PLAIN LOGIN", "STARTTLS": ""}


@pytest.mark.parametrize(
    ("name", "requires", "starts", "verifies"),
    [
        ("none", False, False, True),
        ("may", False, True, False),
        ("encrypt", True, True, False),
        ("verify", True, True, True),
        ("secure", True, True, True),
    ],
)
def test_policy_table_matches_postfix_levels(
    name: str, requires: bool, starts: bool, verifies: bool
) -> None:
    policy = as_policy(name.upper())
    assert policy is TlsPolicy(name)
    assert (policy.requires_tls, policy.starts_tls, policy.verifies) == (requires, starts, verifies)


def test_default_policy_verifies_and_unknown_names_are_refused() -> None:
    assert DEFAULT_POLICY is TlsPolicy.VERIFY
    with pytest.raises(ValueError, match="opportunistic"):
        as_policy("opportunistic")
