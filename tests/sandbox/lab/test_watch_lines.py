"""An outside client's conversation read off the wire (properties.md Q9): plaintext lines as
they are, lines inside opened records joined across records, long bodies folded, nothing
decided from them."""

from __future__ import annotations

from sandbox.events import ConversationLine, SessionStarted, Side, WireLine
from sandbox.lab.watchlines import FOLD_LINES, WireConversation, said
from sandbox.tlsview.view import EndpointRecord


def _record(sender: Side, data: bytes, *, content_type: int = 23) -> EndpointRecord:
    return EndpointRecord(sender, 0, len(data), True, content_type, data)


def test_q9_plaintext_wire_lines_become_conversation_lines() -> None:
    conv = WireConversation()
    assert conv.feed(SessionStarted(scenario="watch", server="s", via_tap="t")) == []
    (line,) = conv.feed(WireLine(sender=Side.SERVER, offset=0, text="250-STARTTLS"))
    assert (line.sender, line.text, line.tls, line.code, line.final) == (
        Side.SERVER, "250-STARTTLS", False, 250, False,
    )  # fmt: skip
    (line,) = conv.feed(WireLine(sender=Side.CLIENT, offset=0, text="EHLO pc.test"))
    assert line.marker == "->" and line.code is None and line.verb == ""
    injected = WireLine(sender=Side.CLIENT, offset=9, text="MAIL FROM:<x@y>", injected=True)
    assert conv.feed(injected) == []


def test_q9_lines_inside_records_are_joined_across_records_and_escaped() -> None:
    conv = WireConversation()
    out = conv._opened([_record(Side.CLIENT, b"EHLO pc"), _record(Side.CLIENT, b".test\r\nNO")])
    assert [(x.text, x.tls, x.marker) for x in out] == [("EHLO pc.test", True, "~>")]
    out = conv._opened([_record(Side.CLIENT, b"OP\r\n\x1b[2J\r\n")])
    assert [x.text for x in out] == ["NOOP", "\\x1b[2J"]
    assert conv._opened([_record(Side.SERVER, b"\x16handshake", content_type=22)]) == []
    (reply,) = conv._opened([_record(Side.SERVER, b"221 2.0.0 Bye\r\n")])
    assert reply.code == 221 and reply.final and reply.marker == "<~"


def test_q9_a_long_body_is_one_event() -> None:
    conv = WireConversation()
    body = b"".join(b"line %d\r\n" % i for i in range(FOLD_LINES + 5))
    (line,) = conv._opened([_record(Side.CLIENT, body)])
    assert (line.text, line.more, line.last) == ("line 0", FOLD_LINES + 4, f"line {FOLD_LINES + 4}")


def test_q9_without_secrets_tls_stays_shut_and_finish_is_empty() -> None:
    conv = WireConversation(keys=None)
    conv.feed(SessionStarted(scenario="watch", server="s", via_tap="t"))
    assert conv.feed(WireLine(sender=Side.SERVER, offset=0, text="220 x")) != []
    assert conv.finish() == []
    assert said(Side.SERVER, "2x0 odd", tls=False).code is None
    assert isinstance(said(Side.CLIENT, "QUIT", tls=True), ConversationLine)
