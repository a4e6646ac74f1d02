"""The plaintext attacks work on whole SMTP lines, whatever way TCP splits the stream.

These drive the tampers directly through a recording stand-in for the tap's connection: the
same `TapControl` they get in a lab, with no sockets, so hypothesis can try many splits. The
real-socket behaviour is in test_matrix.py and the other test_threat_* files.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from sandbox.events import Level, Notice, SandboxEvent
from sandbox.threats.inject_command import INJECTED_COMMAND, InjectCommand
from sandbox.threats.inject_response import INJECTED_RESPONSE, InjectResponse
from sandbox.threats.lines import LineTamper
from sandbox.threats.strip import NOT_RECOGNIZED, Strip
from sandbox.wire.tamper import TakeOverHandler, Tamper, TapControl

GREETING = b"220 sandbox.test ESMTP\r\n"
EHLO_REPLY = b"250-sandbox.test\r\n250-SIZE 1048576\r\n250-STARTTLS\r\n250 HELP\r\n"
EHLO_STRIPPED = b"250-sandbox.test\r\n250-SIZE 1048576\r\n250 HELP\r\n"


class Recorder:
    """What a tamper did to its connection: events, bytes injected each way, bytes shown."""

    id = 1

    def __init__(self) -> None:
        self.events: list[SandboxEvent] = []
        self.to_client_bytes = bytearray()
        self.to_server_bytes = bytearray()
        self.shown = bytearray()

    def emit(self, event: SandboxEvent) -> None:
        self.events.append(event)

    def to_client(self, data: bytes) -> None:
        self.to_client_bytes += data

    def to_server(self, data: bytes) -> None:
        self.to_server_bytes += data

    def show_to_server(self, data: bytes) -> None:
        self.shown += data

    def request_takeover(self, handler: TakeOverHandler) -> None:
        raise AssertionError("no take-over expected")

    def abort(self) -> None:
        raise AssertionError("no abort expected")


def pieces(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def through(tamper: Tamper, conn: TapControl, side: str, chunks: Sequence[bytes]) -> bytes:
    feed = tamper.server_data if side == "server" else tamper.client_data
    return b"".join(feed(c, conn) for c in chunks)


def attacks(rec: Recorder) -> list[str]:
    return [e.text for e in rec.events if isinstance(e, Notice) and e.level is Level.ATTACK]


@given(st.lists(st.integers(min_value=0), max_size=8))
def test_strip_erases_starttls_from_the_ehlo_reply_whatever_the_split(cuts: list[int]) -> None:
    rec = Recorder()
    conn, strip = TapControl(rec), Strip()
    assert through(strip, conn, "server", pieces(GREETING, cuts)) == GREETING
    assert through(strip, conn, "client", [b"EHLO client.test\r\n"]) == b"EHLO client.test\r\n"
    assert through(strip, conn, "server", pieces(EHLO_REPLY, cuts)) == EHLO_STRIPPED
    assert attacks(rec) == ["The attacker deleted '250-STARTTLS' from the server's EHLO reply."]


def test_strip_starttls_as_the_last_line_makes_the_line_before_it_final() -> None:
    rec = Recorder()
    conn, strip = TapControl(rec), Strip()
    reply = b"250-sandbox.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n"
    out = through(strip, conn, "server", [reply[:20], reply[20:40], reply[40:]])
    assert out == b"250-sandbox.test\r\n250 PIPELINING\r\n"


def test_strip_answers_a_starttls_sent_anyway_and_the_server_never_hears_it() -> None:
    rec = Recorder()
    conn, strip = TapControl(rec), Strip()
    assert through(strip, conn, "client", [b"STAR", b"TTLS\r\n"]) == b""
    assert bytes(rec.to_client_bytes) == NOT_RECOGNIZED + b"\r\n"


def test_strip_454_leaves_the_offer_and_answers_starttls_itself() -> None:
    rec = Recorder()
    conn, strip = TapControl(rec), Strip(b"454 4.7.0 TLS not available")
    assert through(strip, conn, "server", [EHLO_REPLY]) == EHLO_REPLY
    assert through(strip, conn, "client", [b"STARTTLS\r\nNOOP\r\n"]) == b"NOOP\r\n"
    assert bytes(rec.to_client_bytes) == b"454 4.7.0 TLS not available\r\n"
    assert attacks(rec) == [
        "The attacker answers STARTTLS with '454 4.7.0 TLS not available' in the server's place."
    ]


def test_a_message_line_reading_starttls_is_no_command() -> None:
    rec = Recorder()
    conn, strip = TapControl(rec), Strip()
    through(strip, conn, "client", [b"DATA\r\n"])
    through(strip, conn, "server", [b"354 End data with <CR><LF>.<CR><LF>\r\n"])
    body = b"Subject: x\r\n\r\nSTARTTLS\r\n.\r\n"
    assert through(strip, conn, "client", [body]) == body  # forwarded, not answered
    assert not rec.to_client_bytes
    assert through(strip, conn, "client", [b"STARTTLS\r\n"]) == b""  # a command again


@given(st.lists(st.integers(min_value=0), max_size=6))
def test_inject_command_appends_to_the_starttls_write_and_shows_it(cuts: list[int]) -> None:
    rec = Recorder()
    conn, inject = TapControl(rec), InjectCommand()
    stream = b"EHLO client.test\r\nSTARTTLS\r\n"
    assert through(inject, conn, "client", pieces(stream, cuts)) == stream + INJECTED_COMMAND
    assert bytes(rec.shown) == INJECTED_COMMAND
    hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\n\r"  # TLS from here: passed on untouched
    assert through(inject, conn, "client", [hello]) == hello


@given(st.lists(st.integers(min_value=0), max_size=6))
def test_inject_response_follows_only_the_220_to_starttls(cuts: list[int]) -> None:
    rec = Recorder()
    conn, inject = TapControl(rec), InjectResponse()
    through(inject, conn, "client", [b"EHLO client.test\r\n"])
    assert through(inject, conn, "server", pieces(EHLO_REPLY, cuts)) == EHLO_REPLY
    through(inject, conn, "client", [b"STARTTLS\r\n"])
    ready = b"220 2.0.0 Ready to start TLS\r\n"
    assert through(inject, conn, "server", pieces(ready, cuts)) == ready + INJECTED_RESPONSE


def test_inject_response_leaves_a_refused_starttls_alone() -> None:
    rec = Recorder()
    conn, inject = TapControl(rec), InjectResponse()
    through(inject, conn, "client", [b"STARTTLS\r\n"])
    assert through(inject, conn, "server", [b"454 4.7.0 No\r\n"]) == b"454 4.7.0 No\r\n"
    assert through(inject, conn, "server", [b"220 x\r\n"]) == b"220 x\r\n"  # not the answer
    assert not attacks(rec)


def test_bytes_after_the_line_that_starts_tls_are_never_held_back() -> None:
    rec = Recorder()
    conn, inject = TapControl(rec), InjectCommand()
    # A partial "line" right behind STARTTLS in the same read: TLS, to pass on untouched.
    out = through(inject, conn, "client", [b"STARTTLS\r\n\x16\x03\x01\x02"])
    assert out == b"STARTTLS\r\n" + INJECTED_COMMAND + b"\x16\x03\x01\x02"


@given(st.lists(st.integers(min_value=0), max_size=6))
def test_a_line_tamper_steps_aside_by_itself_once_the_server_says_220_to_starttls(
    cuts: list[int],
) -> None:
    """An attack that never calls step_aside (an extension's, say) still lets TLS through."""
    conn, tamper = TapControl(Recorder()), LineTamper()
    assert through(tamper, conn, "server", pieces(GREETING, cuts)) == GREETING  # a 220, not TLS
    through(tamper, conn, "client", [b"EHLO client.test\r\n"])
    through(tamper, conn, "server", [EHLO_REPLY])
    through(tamper, conn, "client", [b"STARTTLS\r\n"])
    ready = b"220 2.0.0 Ready to start TLS\r\n"
    server_hello = b"\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03"  # no line end: never held
    assert through(tamper, conn, "server", pieces(ready + server_hello, cuts)) == (
        ready + server_hello
    )
    client_hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc"
    assert through(tamper, conn, "client", [client_hello]) == client_hello


def test_a_line_tamper_keeps_reading_lines_after_a_refused_starttls() -> None:
    conn, tamper = TapControl(Recorder()), LineTamper()
    through(tamper, conn, "client", [b"STARTTLS\r\n"])
    refused = b"454 4.7.0 TLS not available due to local problem\r\n"
    assert through(tamper, conn, "server", [refused]) == refused
    through(tamper, conn, "client", [b"MAIL FROM:<a@b.test>\r\n"])
    assert through(tamper, conn, "server", [b"250 2.1.0 O", b"k\r\n"]) == b"250 2.1.0 Ok\r\n"
    assert through(tamper, conn, "server", [b"partial"]) == b""  # held: still cutting lines
