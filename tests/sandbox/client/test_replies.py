"""Reply framing (sandbox.client.replies): RFC 5321 §4.2 replies cut out of a byte stream, any
split."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.client.replies import MAX_LINE, MAX_LINES, Reply, ReplyError, ReplyParser

EHLO = b"250-sandbox.test Hello client.test\r\n250-SIZE 1048576\r\n250-8BITMIME\r\n250 STARTTLS\r\n"


def parse_all(data: bytes) -> list[Reply]:
    return ReplyParser().feed(data)


def test_multi_line_reply_keeps_each_line_without_its_code() -> None:
    [reply] = parse_all(EHLO)
    assert reply.code == 250
    assert reply.lines == ("sandbox.test Hello client.test", "SIZE 1048576", "8BITMIME", "STARTTLS")
    assert reply.text == "sandbox.test Hello client.test\nSIZE 1048576\n8BITMIME\nSTARTTLS"
    assert reply.wire_lines()[1] == "250-SIZE 1048576"
    assert str(reply).encode().replace(b"\n", b"\r\n") + b"\r\n" == EHLO


def test_replies_in_one_chunk_come_out_in_order_and_a_partial_one_waits() -> None:
    parser = ReplyParser()
    replies = parser.feed(b"220 ready\r\n250 ok\r\n354 go")
    assert [r.code for r in replies] == [220, 250]
    assert parser.has_partial
    assert parser.feed(b" on\r\n") == [Reply(354, ("go on",))]
    assert not parser.has_partial


def test_an_unfinished_multi_line_reply_counts_as_partial() -> None:
    parser = ReplyParser()
    assert parser.feed(b"250-first\r\n") == []
    assert parser.has_partial
    assert parser.feed(b"250 last\r\n") == [Reply(250, ("first", "last"))]


@pytest.mark.parametrize(
    ("raw", "reply"),
    [
        (b"250\r\n", Reply(250, ("",))),  # RFC 5321 allows a code with no text
        (b"250 \r\n", Reply(250, ("",))),
        (b"221 Bye\n", Reply(221, ("Bye",))),  # a bare LF is tolerated on input
        (b"250-a\r\n250-\r\n250 b\r\n", Reply(250, ("a", "", "b"))),
        (b"554 5.7.1 no\r\n", Reply(554, ("5.7.1 no",))),
    ],
)
def test_valid_reply_forms(raw: bytes, reply: Reply) -> None:
    assert parse_all(raw) == [reply]


def test_reply_text_from_the_network_is_terminal_safe() -> None:
    [reply] = parse_all(b"250 ok \x1b]0;pwned\x07 \xff\r\n")
    assert reply.text == "ok \\x1b]0;pwned\\x07 \\xff"
    assert "\x1b" not in str(reply)


@pytest.mark.parametrize(
    "raw",
    [
        b"HELLO there\r\n",  # not a code
        b"25\r\n",  # too short
        b"2500 ok\r\n",  # no separator after three digits
        b"650 ok\r\n",  # first digit must be 2-5 (RFC 5321 §4.2 ABNF)
        b"190 ok\r\n",
        b"260 ok\r\n",  # second digit must be 0-5
        b"25x ok\r\n",
        b"250_ok\r\n",
        b"250-one\r\n550 two\r\n",  # the code changed inside one reply
        b"\r\n",
    ],
)
def test_garbage_raises_reply_error(raw: bytes) -> None:
    with pytest.raises(ReplyError):
        parse_all(raw)


def test_a_line_of_exactly_512_octets_passes_and_513_fails() -> None:
    longest = b"250 " + b"x" * (MAX_LINE - 6) + b"\r\n"
    assert len(longest) == MAX_LINE
    assert parse_all(longest)[0].code == 250
    with pytest.raises(ReplyError, match="longer than 512"):
        parse_all(b"250 " + b"x" * (MAX_LINE - 5) + b"\r\n")


def test_an_endless_line_fails_as_soon_as_it_is_too_long_not_at_its_end() -> None:
    parser = ReplyParser()
    parser.feed(b"250 " + b"x" * (MAX_LINE - 5))  # still could end in time
    with pytest.raises(ReplyError, match="longer than 512"):
        parser.feed(b"x")


def test_too_many_lines_in_one_reply_fail() -> None:
    at_limit = b"250-x\r\n" * (MAX_LINES - 1) + b"250 x\r\n"
    assert len(parse_all(at_limit)[0].lines) == MAX_LINES
    with pytest.raises(ReplyError, match="lines"):
        parse_all(b"250-x\r\n" * MAX_LINES)


@pytest.mark.parametrize(
    ("code", "flags"),
    [
        (220, {"is_positive", "is_success"}),
        (334, {"is_positive", "is_intermediate"}),
        (354, {"is_positive", "is_intermediate"}),
        (421, {"is_transient"}),
        (535, {"is_permanent"}),
    ],
)
def test_reply_categories(code: int, flags: set[str]) -> None:
    names = {"is_positive", "is_success", "is_intermediate", "is_transient", "is_permanent"}
    reply = Reply(code, ("x",))
    assert {name for name in names if getattr(reply, name)} == flags


def test_enhanced_status_code() -> None:
    assert Reply(530, ("5.7.0 Must issue a STARTTLS command first",)).enhanced_status == "5.7.0"
    assert Reply(250, ("sandbox.test",)).enhanced_status is None


# --- D8-style property: the split never matters ----------------------------------------------

# Printable ASCII; a backslash would come back escaped (`\\`), which is safetext's business.
texts = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters="\\"),
    max_size=40,
)
replies = st.builds(
    Reply,
    code=st.sampled_from([220, 221, 235, 250, 251, 334, 354, 421, 454, 500, 530, 535, 554]),
    lines=st.lists(texts, min_size=1, max_size=6).map(tuple),
)


def wire(reply: Reply) -> bytes:
    return b"".join(line.encode() + b"\r\n" for line in reply.wire_lines())


@settings(max_examples=200, deadline=None)
@given(
    expected=st.lists(replies, min_size=1, max_size=6),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=30),
)
def test_any_split_of_the_stream_gives_the_same_replies(
    expected: list[Reply], cuts: list[int]
) -> None:
    stream = b"".join(wire(r) for r in expected)
    points = sorted({c % (len(stream) + 1) for c in cuts})
    parser = ReplyParser()
    got: list[Reply] = []
    for start, end in zip([0, *points], [*points, len(stream)], strict=True):
        got += parser.feed(stream[start:end])
    assert got == expected
    assert not parser.has_partial


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=10))
def test_arbitrary_bytes_give_replies_or_reply_error_never_anything_else(
    chunks: list[bytes],
) -> None:
    parser = ReplyParser()
    try:
        for chunk in chunks:
            for reply in parser.feed(chunk):
                assert 200 <= reply.code <= 559
                text = "".join(reply.lines)
                assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text)
    except ReplyError:
        pass
