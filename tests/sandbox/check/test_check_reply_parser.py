"""`check` reads whatever a server sends without a traceback (properties.md N12): any bytes give
a reply or a one-line `CheckError`, and a reply is the same however the bytes are split."""

from __future__ import annotations

import itertools
import socket
import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.check.probe import CheckError, Conn, Reply, Target

TARGET = Target("127.0.0.1", 25)


def _read(chunks: list[bytes]) -> Reply | CheckError:
    """The first reply of a server that sends `chunks`, then closes."""
    ours, theirs = socket.socketpair()

    def send() -> None:
        try:
            for chunk in chunks:
                theirs.sendall(chunk)
            theirs.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the reader gave up first (a line too long): what it says is the test

    sender = threading.Thread(target=send, daemon=True)
    with ours, theirs:
        ours.settimeout(5)
        sender.start()
        try:
            return Conn(ours, TARGET, 5).reply()
        except CheckError as error:
            return error
        finally:
            ours.shutdown(socket.SHUT_RDWR)
            sender.join(30)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_n12_any_bytes_give_a_reply_or_one_line(data: bytes) -> None:
    got = _read([data])
    if isinstance(got, CheckError):
        assert "\n" not in str(got) and "\x1b" not in got.detail
    else:
        assert 0 <= got.code <= 999 and got.lines


REPLY = b"250-mail.example\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, len(REPLY) - 1), max_size=6, unique=True))
def test_n12_same_reply_however_split(cuts: list[int]) -> None:
    points = [0, *sorted(cuts), len(REPLY)]
    chunks = [REPLY[a:b] for a, b in itertools.pairwise(points)]
    assert _read(chunks) == Reply(250, ("mail.example", "PIPELINING", "STARTTLS", "8BITMIME"))


def test_n12_a_huge_line_is_not_smtp() -> None:
    got = _read([b"220 " + b"x" * (10 * 1024 * 1024)])
    assert isinstance(got, CheckError) and got.kind == "not_smtp"
