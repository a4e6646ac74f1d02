"""What an eavesdropper understands of one relayed SMTP connection, fed one chunk at a time.

`ConnectionDecoder.feed(sender, data)` emits a `WireChunk` for every chunk, then what the bytes
mean: `WireLine`s while the direction is plaintext, one `WireSwitch` where TLS starts, then
`WireRecord`s from `sandbox.wire.tlsrecords`.

Where TLS starts:
- Implicit TLS: the client's first byte is 0x16 (a handshake record): both directions from offset 0.
- STARTTLS: the client sends a `STARTTLS` line; its later bytes wait, undecided, until the server's
  next final reply. A `220` switches both directions: the client right after its STARTTLS line, the
  server right after its 220 line. Any other reply (454, 502...) leaves both in plaintext and the
  waiting bytes are ordinary lines.
- Between the switch point and the first TLS byte, plaintext can only be injection (properties.md
  I6): bytes the client pipelined after `STARTTLS\\r\\n`, or lines after the server's 220. They are
  shown as `WireLine(injected=True)`. TLS begins at the first 0x15/0x16 byte (handshake or alert
  record) that opens a line or a read; those are never the first byte of an SMTP line.

Fast (properties.md I14): once a direction is in TLS a read goes straight to the record parser's
`feed_events`, and a read of whole SMTP lines is one loop; `ConnectionDecoder(careful=True)` keeps
to the general paths, and gives the same events.

Bounded (properties.md I3): once `max_capture_bytes` have been seen in total the decoder says so
with a `Notice` and emits nothing more; a plaintext line is shown up to `MAX_LINE` bytes; a
direction whose bytes stop looking like TLS is reported once and then only shown as raw chunks.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from time import monotonic

from sandbox.events import (
    Endpoints,
    Level,
    SandboxEvent,
    Side,
    WireChunk,
    WireLine,
    WireRecord,
    WireSwitch,
)
from sandbox.notices import notice
from sandbox.wire.quick_events import quick_chunk, quick_line
from sandbox.wire.tlsrecords import TlsRecordParser, TlsSession, record_names

MAX_LINE = 4096  # bytes of one plaintext line shown; SMTP allows 1000 (RFC 5321 §4.5.3.1)
FOLD_LINES = 20  # more body lines than this in one read are one WireLine (I10)
# plaintext lines shown one by one per direction of a connection: a session says a few dozen; a
# flood of bare LFs is a million in 1 MB, and one event each stalled `watch` for minutes (X4)
MAX_LINES = 2000
# TLS records shown one by one per direction, as plaintext lines: a session has a few dozen; a
# ClientHello in one-byte records (OpenSSL takes it) is 60,000 in 360 KB (properties.md X7)
MAX_RECORDS = MAX_LINES
_TLS_FIRST_BYTES = (0x15, 0x16)  # alert, handshake

Emit = Callable[[SandboxEvent], None]


def _escape_table() -> dict[int, str]:
    table = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
    table.update({0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x5C: "\\\\"})
    shifty = (*range(0xD800, 0xE000), 0x200E, 0x200F, 0x2028, 0x2029, 0xFEFF)
    shifty += (*range(0x202A, 0x202F), *range(0x2066, 0x206A))  # bidi overrides, isolates
    table.update({c: f"\\u{c:04x}" for c in shifty})
    table.update({c: f"\\x{c - 0xDC00:02x}" for c in range(0xDC80, 0xDD00)})  # undecodable bytes
    return table


_ESCAPES = _escape_table()


def escape_line(data: bytes) -> str:
    """Exactly `sandbox.safety.text.escape_bytes(data)` (a test checks it), at C speed.

    Plaintext can be binary garbage from a hostile peer; escaping it char by char in Python would
    hold the event loop for seconds per megabyte.
    """
    text = data.decode("utf-8", "surrogateescape")
    if text.isprintable() and "\\" not in text:
        return text  # the usual SMTP line: nothing to escape
    return text.translate(_ESCAPES)


class Mode(enum.Enum):
    PLAIN = "plain"  # readable SMTP lines
    WAIT = "wait"  # client only: STARTTLS sent, the server's answer decides what follows
    INJECTED = "injected"  # after the switch point, before the first TLS byte
    TLS = "tls"  # records
    OFF = "off"  # not TLS after all: raw chunks only


# The members as module constants: in Python 3.11 `Mode.TLS` is a descriptor call, several a read.
_PLAIN, _WAIT, _INJECTED, _TLS, _OFF = Mode.PLAIN, Mode.WAIT, Mode.INJECTED, Mode.TLS, Mode.OFF
_CLIENT, _SERVER = Side.CLIENT, Side.SERVER


class _Direction:
    __slots__ = (
        "buf",
        "in_data",
        "line_start",
        "lines",
        "mode",
        "offset",
        "parser",
        "pending",
        "records",
        "side",
        "skipping",
        "switch_at",
        "tls_base",
    )

    def __init__(self, side: Side, session: TlsSession, careful: bool) -> None:
        self.side = side
        self.mode = _PLAIN
        self.offset = 0  # bytes seen so far in this direction
        self.buf = bytearray()  # the current incomplete line
        self.line_start = 0  # offset where the current line starts
        self.lines = 0  # plaintext lines seen (MAX_LINES of them are shown)
        self.records = 0  # TLS records seen (MAX_RECORDS of them are shown)
        self.skipping = False  # a line over MAX_LINE was shown; drop the rest of it
        self.in_data = (
            False  # client: between the 354 and the lone "." (body lines are no commands)
        )
        self.pending = bytearray()  # client in WAIT: bytes after the STARTTLS line
        self.switch_at = 0  # client: offset right after its STARTTLS line
        self.parser = TlsRecordParser(session, careful=careful)
        self.tls_base = 0  # offset of the first TLS byte


class ConnectionDecoder:
    """Decode both directions of one connection; see the module docstring.

    `careful=True` turns the fast paths off (events built by their public constructors, records
    through `TlsRecordParser.feed_fields`, hellos by the cursor decoder): the same events, more
    slowly. The tests and `bench/decoder.py` hold the fast paths to it (properties.md I14).
    """

    def __init__(
        self,
        emit: Emit,
        *,
        max_capture_bytes: int = 4 * 1024 * 1024,
        endpoints: Endpoints | None = None,
        careful: bool = False,
    ) -> None:
        self._emit = emit
        self.endpoints = endpoints  # carried by every WireChunk (None: the relay's connection)
        self.careful = careful
        self._ts = 0.0  # when the read being decoded arrived: every event of one read shares it
        self._max = max_capture_bytes
        self.captured = 0  # bytes shown so far, both directions
        self.capture_full = False
        session = TlsSession()
        self.session = session
        self._client = _Direction(_CLIENT, session, careful)
        self._server = _Direction(_SERVER, session, careful)

    def mode(self, side: Side) -> Mode:
        return (self._client if side is _CLIENT else self._server).mode

    def feed(self, sender: Side, data: bytes) -> None:
        """One read's worth of bytes from `sender`, in order."""
        if self.capture_full or not data:
            return
        n = len(data)
        if n > self._max - self.captured:
            self._feed_last(sender, data)
            return
        self.captured += n
        d = self._client if sender is _CLIENT else self._server
        start = d.offset
        d.offset = start + n
        ts = self._ts = monotonic()
        if self.careful:
            chunk = WireChunk(
                sender=sender, offset=start, data=data, endpoints=self.endpoints, ts=ts
            )
            self._emit(chunk)
            self._decode(d, data, start)
        elif d.mode is _TLS:
            # The hot path once a session is in TLS: one chunk, then its records.
            emit = self._emit
            emit(quick_chunk(sender, start, data, ts, self.endpoints))
            parser = d.parser
            records = parser.feed_events(data, sender, d.tls_base, ts)
            count = d.records + len(records)
            if count <= MAX_RECORDS:
                d.records = count
                for event in records:
                    emit(event)
            else:
                self._over_records(d, records)
            if parser.error is not None:
                self._not_tls(d)
        else:
            self._emit(quick_chunk(sender, start, data, ts, self.endpoints))
            self._decode(d, data, start)

    def _feed_last(self, sender: Side, data: bytes) -> None:
        """The read that fills the capture: what fits is shown, then that the capture is full."""
        data = data[: self._max - self.captured]
        self.captured += len(data)
        d = self._client if sender is _CLIENT else self._server
        start = d.offset
        d.offset += len(data)
        if data:
            self._ts = monotonic()
            chunk = WireChunk(
                sender=sender, offset=start, data=data, endpoints=self.endpoints, ts=self._ts
            )
            self._emit(chunk)
            self._decode(d, data, start)
        self.capture_full = True
        self._emit(notice(Level.WARNING, "tap.capture_full", max=self._max))

    def finish(self) -> None:
        """The connection ended: show incomplete last lines and undecided bytes."""
        if self.capture_full:
            return
        self._ts = monotonic()
        for d in (self._client, self._server):
            while d.mode is _WAIT:  # no answer came: those bytes stayed plaintext
                d.mode = _PLAIN
                pending, d.pending = bytes(d.pending), bytearray()
                self._lines(d, pending, d.switch_at, read_start=False)
            if d.mode in (_PLAIN, _INJECTED) and d.buf and not d.skipping:
                self._line(d, bytes(d.buf), d.line_start)
                d.buf.clear()

    # --- dispatch ----------------------------------------------------------------------------

    def _decode(self, d: _Direction, data: bytes, start: int) -> None:
        if d.mode is _TLS:
            self._records(d, data)
        elif d.mode is _WAIT:
            d.pending += data
        elif d.mode is not _OFF:
            if start == 0 and d is self._client and data[0] == 0x16:
                self._implicit_tls()
                self._records(d, data)
            else:
                self._lines(d, data, start, read_start=True)

    def _implicit_tls(self) -> None:
        self._start_tls(self._client, 0)
        if self._server.offset == 0:  # a server that already spoke is plaintext; leave it so
            self._start_tls(self._server, 0)

    def _start_tls(self, d: _Direction, at: int, *, announce: bool = True) -> None:
        if announce:
            self._emit(WireSwitch(sender=d.side, offset=at, ts=self._ts))
        d.mode = _TLS
        d.tls_base = at

    def _records(self, d: _Direction, data: bytes) -> None:
        if not self.careful:
            self._over_records(d, d.parser.feed_events(data, d.side, d.tls_base, self._ts))
            if d.parser.error is not None:
                self._not_tls(d)
            return
        side, base, ts = d.side, d.tls_base, self._ts
        records: list[WireRecord] = []
        for offset, ctype, version, length, preview, encrypted, handshake in d.parser.feed_fields(
            data
        ):
            ctype_name, version_name = record_names(ctype, version)
            records.append(
                WireRecord(
                    side,
                    base + offset,
                    ctype,
                    ctype_name,
                    version_name,
                    length,
                    preview.hex(" "),
                    handshake,
                    encrypted,
                    ts=ts,
                )
            )
        self._over_records(d, records)
        if d.parser.error is not None:
            self._not_tls(d)

    def _over_records(self, d: _Direction, records: list[WireRecord]) -> None:
        """Show `records` while the direction has shown fewer than MAX_RECORDS, then say once
        that the rest are not shown one by one (their bytes are in the WireChunks)."""
        emit = self._emit
        before = d.records
        d.records = before + len(records)
        for event in records[: max(MAX_RECORDS - before, 0)]:
            emit(event)
        if before <= MAX_RECORDS < d.records:
            who = "client" if d.side is _CLIENT else "server"
            emit(notice(Level.WARNING, "tap.records_full", max=MAX_RECORDS, side=who))

    def _not_tls(self, d: _Direction) -> None:
        d.mode = _OFF
        where = d.tls_base + (d.parser.error_offset or 0)
        who = "client" if d.side is _CLIENT else "server"
        self._emit(
            notice(Level.WARNING, "tap.not_tls", offset=where, side=who, error=d.parser.error)
        )

    # --- plaintext ---------------------------------------------------------------------------

    def _lines(self, d: _Direction, data: bytes, start: int, *, read_start: bool) -> None:
        i, n = 0, len(data)
        if d.mode is _PLAIN and not d.buf and not d.skipping and not d.in_data and not self.careful:
            i = self._plain_lines(d, data, start)
        while i < n:
            if d.mode is _WAIT:
                d.pending += data[i:]
                return
            if (
                d.mode is _INJECTED
                and data[i] in _TLS_FIRST_BYTES
                and (not d.buf or (i == 0 and read_start))
            ):
                self._flush_injected(d)
                self._start_tls(d, start + i, announce=False)
                self._records(d, data[i:])
                return
            if d.in_data and not d.buf and not d.skipping and d.mode is _PLAIN:
                i = self._body(d, data, start, i)
                if i >= n:
                    return
            nl = data.find(b"\n", i)
            if nl < 0:
                self._partial(d, data[i:])
                return
            if d.skipping:
                d.skipping = False
                d.buf.clear()
            else:
                line = bytes(d.buf) + data[i:nl] if d.buf else data[i:nl]
                d.buf.clear()
                offset = d.line_start
                d.line_start = start + nl + 1  # before _line: a STARTTLS switches right here
                self._line(d, line, offset)
            d.line_start = start + nl + 1
            i = nl + 1

    def _plain_lines(self, d: _Direction, data: bytes, start: int) -> int:
        """The common case of `_lines`, a read of whole SMTP commands or replies, one step a line
        (`_line` and `_client_line` inlined). Returns where `_lines` goes on: at the first thing
        this does not handle (no LF, an overlong line, the line cap, a STARTTLS or the reply to
        it, which change how the rest reads), and for the rest of the read after those."""
        emit, ts, side, find = self._emit, self._ts, d.side, data.find
        client = d is self._client
        i = 0
        while True:
            nl = find(b"\n", i)
            if nl < 0 or d.lines >= MAX_LINES:
                return i
            end = nl - 1 if nl > i and data[nl - 1] == 0x0D else nl
            if end - i > MAX_LINE:
                return i
            line = data[i:end]
            d.lines += 1
            offset = d.line_start
            d.line_start = start + nl + 1
            i = nl + 1
            emit(quick_line(side, offset, escape_line(line), False, ts))
            if client:
                if line.strip().upper() == b"STARTTLS":
                    d.mode = _WAIT
                    d.switch_at = d.line_start
                    return i
            elif _is_final_reply(line):
                if self._client.mode is _WAIT:
                    self._answer(line[:3] == b"220")
                    return i
                if line[:3] == b"354":
                    self._client.in_data = True

    def _body(self, d: _Direction, data: bytes, start: int, i: int) -> int:
        """Fold the whole body lines of this read, up to the lone ".", into one WireLine (I10).

        One event per line of a 1 MiB message (13,000 of them, and their escaping) was a third
        of the tap's time, and no pane shows them all; every byte is still in the WireChunk.
        Returns where ordinary line reading goes on; a few lines are shown one by one.
        """
        end = data.rfind(b"\n", i) + 1
        lines = data[i:end].split(b"\n")
        lines.pop()  # after the last LF
        for k, line in enumerate(lines):
            if line in (b".", b".\r"):  # the end of the data: read on line by line from there
                lines = lines[:k]
                break
        if len(lines) <= FOLD_LINES:
            return i
        size = sum(map(len, lines)) + len(lines)
        first, last = (line.removesuffix(b"\r") for line in (lines[0], lines[-1]))
        text, tail = (
            escape_line(s[:MAX_LINE]) + ("…" if len(s) > MAX_LINE else "") for s in (first, last)
        )
        self._emit(
            WireLine(
                sender=d.side,
                offset=d.line_start,
                text=text,
                more=len(lines) - 1,
                last=tail,
                ts=self._ts,
            )
        )
        d.line_start = start + i + size
        return i + size

    def _partial(self, d: _Direction, rest: bytes) -> None:
        if d.skipping:
            return
        d.buf += rest
        if len(d.buf) > MAX_LINE + 1:  # + 1: a CR before the LF is not shown either
            self._line(d, bytes(d.buf), d.line_start)
            d.buf.clear()
            d.skipping = True

    def _flush_injected(self, d: _Direction) -> None:
        if d.buf and not d.skipping:
            self._line(d, bytes(d.buf), d.line_start)
        d.buf.clear()
        d.skipping = False

    def _line(self, d: _Direction, line: bytes, offset: int) -> None:
        if line.endswith(b"\r"):
            line = line[:-1]
        d.lines += 1
        if d.lines <= MAX_LINES:
            text = escape_line(line[:MAX_LINE]) + ("…" if len(line) > MAX_LINE else "")
            injected = d.mode is _INJECTED
            if self.careful:
                self._emit(
                    WireLine(
                        sender=d.side, offset=offset, text=text, injected=injected, ts=self._ts
                    )
                )
            else:
                self._emit(quick_line(d.side, offset, text, injected, self._ts))
        elif d.lines == MAX_LINES + 1:  # said once; the lines still steer STARTTLS and DATA
            who = "client" if d.side is _CLIENT else "server"
            self._emit(notice(Level.WARNING, "tap.lines_full", max=MAX_LINES, side=who))
        if d.mode is not _PLAIN:
            return
        if d is self._client:
            self._client_line(d, line)
        elif _is_final_reply(line):
            if self._client.mode is _WAIT:
                self._answer(line[:3] == b"220")
            elif line[:3] == b"354":
                # The message body follows: its lines are not commands. (A client sends it only
                # after this reply has crossed the tap, so the order is certain.)
                self._client.in_data = True

    def _client_line(self, d: _Direction, line: bytes) -> None:
        word = line.strip().upper()
        if d.in_data:
            d.in_data = line != b"."
        elif word == b"STARTTLS":
            d.mode = _WAIT
            d.switch_at = d.line_start

    def _answer(self, accepted: bool) -> None:
        """The server's reply to STARTTLS just went by."""
        c, s = self._client, self._server
        pending, c.pending = bytes(c.pending), bytearray()
        if not accepted:
            c.mode = _PLAIN
            self._lines(c, pending, c.switch_at, read_start=False)
            return
        self._emit(WireSwitch(sender=_SERVER, offset=s.line_start, ts=self._ts))
        s.mode = _INJECTED
        self._emit(WireSwitch(sender=_CLIENT, offset=c.switch_at, ts=self._ts))
        c.mode = _INJECTED
        c.line_start = c.switch_at
        if pending:
            self._lines(c, pending, c.switch_at, read_start=True)


def _is_final_reply(line: bytes) -> bool:
    # "250 OK" or a bare "250" ends a reply; "250-..." continues it.
    return len(line) >= 3 and line[:3].isdigit() and (len(line) == 3 or line[3:4] in (b" ", b"\r"))
