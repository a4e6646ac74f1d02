"""An incremental TLS record and handshake parser: what an eavesdropper can read of a TLS stream.

`TlsRecordParser().feed(data)` takes one direction's bytes in chunks of any size and returns the
records completed so far. The result does not depend on how the stream is split, and no input makes
it raise (properties.md I4). While the handshake is in plaintext it reassembles handshake messages
(one may span records, one record may hold several) and has `sandbox.wire.tlshandshake` decode them.
Once a direction is encrypted (after its ChangeCipherSpec in TLS 1.2; in TLS 1.3 everything after
the ServerHello travels as opaque application_data records) bodies are skipped by length, never
copied, so big transfers cost little.

`feed_events` is the wire decoder's fast path: the same records, as the events it emits, read by
offsets straight from the buffer when a record is whole in one read, and by `feed`'s careful
steps otherwise (properties.md I14).

Memory is bounded: a record longer than TLS allows, a handshake message over `MAX_HANDSHAKE_MESSAGE`
or bytes that are not TLS at all set `error` once, and the parser then ignores the rest of that
direction.
"""

from __future__ import annotations

import struct
from time import monotonic
from typing import NamedTuple

from sandbox.events import HandshakeInfo, Side, WireRecord
from sandbox.wire.quick_events import quick_record
from sandbox.wire.tlshandshake import decode_message
from sandbox.wire.tlsnames import content_type_name, version_name

MAX_RECORD_LENGTH = 2**14 + 2048  # RFC 5246 §6.2.3: the largest TLSCiphertext fragment
MAX_HANDSHAKE_MESSAGE = 2**17  # far above any real certificate chain
PREVIEW_BYTES = 16

_CCS, _ALERT, _HANDSHAKE, _APPDATA = 20, 21, 22, 23
_HEADER = struct.Struct(">BHH")  # content type, legacy version, length
_MSG_HEAD = struct.Struct(">I")  # handshake message type (1 byte), length (3 bytes)
_TLS13 = 0x0304


class TlsSession:
    """What the two directions of one connection learn together.

    The server's ServerHello tells whether this is TLS 1.3, which changes how the client's
    ChangeCipherSpec must be read (in TLS 1.3 it is a compatibility dummy, RFC 8446 D.4).
    """

    __slots__ = ("cipher", "tls13", "version")

    def __init__(self) -> None:
        self.tls13 = False
        self.version: str | None = None  # chosen by the server, e.g. "TLS 1.3"
        self.cipher: str | None = None


class Record(NamedTuple):
    """One complete TLS record; `offset` counts from the first byte fed to the parser.

    A named tuple rather than a frozen dataclass: one is made per record, and it is cheaper.
    """

    offset: int
    content_type: int
    version: int
    length: int
    preview: bytes  # the first PREVIEW_BYTES of the fragment
    encrypted: bool = False
    handshake: tuple[HandshakeInfo, ...] = ()

    @property
    def content_type_name(self) -> str:
        return content_type_name(self.content_type)

    @property
    def version_name(self) -> str:
        return version_name(self.version)

    def to_event(self, sender: Side, base: int = 0, ts: float | None = None) -> WireRecord:
        """The event for this record; `base` is where the TLS stream starts in the direction.

        `ts` lets a caller give every record of one read the same time (one clock read a read).
        """
        ctype_name, version = record_names(self.content_type, self.version)
        return WireRecord(
            sender,
            base + self.offset,
            self.content_type,
            ctype_name,
            version,
            self.length,
            self.preview.hex(" "),
            self.handshake,
            self.encrypted,
            ts=monotonic() if ts is None else ts,
        )


_NAMES: dict[tuple[int, int], tuple[str, str]] = {}


def _record_event(
    sender: Side,
    offset: int,
    ctype: int,
    version: int,
    length: int,
    preview: bytes | memoryview,
    handshake: tuple[HandshakeInfo, ...],
    encrypted: bool,
    ts: float,
) -> WireRecord:
    """One record's `WireRecord`, as `Record.to_event` makes it, built by `quick_record`."""
    kind, version_text = _NAMES.get((ctype, version)) or record_names(ctype, version)
    return quick_record(
        sender, offset, ctype, kind, version_text, length, preview.hex(" "), handshake,
        encrypted, ts,
    )  # fmt: skip


def record_names(content_type: int, version: int) -> tuple[str, str]:
    """(content type name, version name), remembered: a session has a handful of pairs and
    asks for them once per record. Bounded, as a hostile stream can make up many pairs."""
    key = (content_type, version)
    names = _NAMES.get(key)
    if names is None:
        names = (content_type_name(content_type), version_name(version))
        if len(_NAMES) < 512:
            _NAMES[key] = names
    return names


# offset, content_type, version, length, preview, encrypted, handshake: as `Record`
RecordFields = tuple[int, int, int, int, bytes, bool, tuple[HandshakeInfo, ...]]
_as_record = tuple.__new__  # a Record from its fields, at C speed


class TlsRecordParser:
    """Parse one direction of a TLS connection incrementally (see the module docstring).

    `careful=True` decodes hellos with the cursor decoder alone (`decode_message`'s `careful`).
    """

    def __init__(self, session: TlsSession | None = None, *, careful: bool = False) -> None:
        self.session = session if session is not None else TlsSession()
        self.careful = careful  # hellos by the cursor decoder only (properties.md I14)
        self.error: str | None = None  # set once; then the parser ignores further input
        self.error_offset: int | None = None
        self._pos = 0  # stream offset of the next byte fed
        self._head = bytearray()  # a record header split across feeds
        self._start = 0  # offset of the current record
        self._ctype = -1  # content type of the current record; -1 between records
        self._version = 0
        self._length = 0
        self._remaining = 0
        self._encrypted = False
        self._keep = False  # collect the whole body (small plaintext records) or just a preview
        self._body = bytearray()
        self._hs = bytearray()  # handshake messages being reassembled
        self._after_ccs = False  # TLS 1.2: this direction sent ChangeCipherSpec

    @property
    def stopped(self) -> bool:
        return self.error is not None

    def feed(self, data: bytes) -> list[Record]:
        """Consume `data` and return the records it completed. Never raises."""
        return [_as_record(Record, fields) for fields in self.feed_fields(data)]

    def feed_fields(self, data: bytes) -> list[RecordFields]:
        """`feed`, each record as a plain tuple of `Record`'s fields: the wire tap's hot path
        makes its events straight from them (a named tuple per record cost a Python call)."""
        out: list[RecordFields] = []
        base = self._pos
        self._pos += len(data)
        if self.error is None and data:
            try:
                self._feed(memoryview(data), base, out)
            except Exception as exc:  # I4 backstop; the fuzz tests check it never fires
                self._fail(f"internal parser error: {type(exc).__name__}", base)
        return out

    def feed_events(self, data: bytes, sender: Side, base: int, ts: float) -> list[WireRecord]:
        """`feed`, each record as the `WireRecord` the decoder emits (`Record.to_event(sender,
        base, ts)`), built straight from the buffer: the decoder's fast path (properties.md I14).

        A whole record in `data` is read by offsets and becomes its event with nothing copied but
        its preview (and, for plaintext handshake records holding whole messages, those
        messages); anything else (a record begun in an earlier read, a split header or message,
        garbage) takes the careful steps of `feed`, one record at a time. Never raises.
        """
        out: list[WireRecord] = []
        start = self._pos
        self._pos += len(data)
        if self.error is not None or not data:
            return out
        n = len(data)
        i = 0
        unpack = _HEADER.unpack_from
        mv: memoryview | None = None
        try:
            while i < n:
                if self._ctype < 0 and not self._head and n - i >= 5:
                    ctype, version, length = unpack(data, i)
                    body = i + 5
                    if version >> 8 == 3 and length <= MAX_RECORD_LENGTH and n - body >= length:
                        # a whole record in this read; None: a handshake message split across
                        # records, which the careful steps below reassemble
                        encrypted = ctype == _APPDATA or self._after_ccs
                        handshake: tuple[HandshakeInfo, ...] | None = ()
                        if encrypted:
                            pass
                        elif ctype == _HANDSHAKE:
                            handshake = self._whole_messages(data, body, body + length)
                        elif ctype == _CCS and not self.session.tls13:
                            self._after_ccs = True
                            self._hs.clear()
                        if handshake is not None:
                            end = body + length
                            preview = data[body : min(end, body + PREVIEW_BYTES)]
                            at = base + start + i
                            out.append(
                                _record_event(
                                    sender, at, ctype, version, length, preview, handshake,
                                    encrypted, ts,
                                )
                            )  # fmt: skip
                            i = end
                            continue
                # a record begun in an earlier read, a split header or message, not TLS: careful
                mv = memoryview(data) if mv is None else mv
                fields: list[RecordFields] = []
                i = self._feed(mv, start, fields, at=i, one=True)
                for offset, ctype, version, length, preview, encrypted, handshake in fields:
                    out.append(
                        _record_event(
                            sender, base + offset, ctype, version, length, preview, handshake,
                            encrypted, ts,
                        )
                    )  # fmt: skip
                if self.error is not None:
                    break
        except Exception as exc:  # I4 backstop, as in feed_fields
            self._fail(f"internal parser error: {type(exc).__name__}", start)
        return out

    def _whole_messages(self, data: bytes, p: int, end: int) -> tuple[HandshakeInfo, ...] | None:
        """The handshake messages of the plaintext record `data[p:end]`, if it holds whole
        messages only and none is pending from earlier records; else None (and nothing read):
        the careful `_reassemble` then takes the record."""
        if self._hs:
            return None
        spans: list[tuple[int, int, int]] = []
        while p < end:
            if end - p < 4:
                return None
            head = _MSG_HEAD.unpack_from(data, p)[0]
            mlen = head & 0xFFFFFF  # under MAX_HANDSHAKE_MESSAGE: a record is smaller
            if mlen > end - p - 4:
                return None
            spans.append((head >> 24, p + 4, p + 4 + mlen))
            p += 4 + mlen
        return tuple(self._message(mtype, data[a:b]) for mtype, a, b in spans)

    def _fail(self, reason: str, offset: int) -> None:
        if self.error is None:
            self.error = reason
            self.error_offset = offset
        self._head.clear()
        self._body.clear()
        self._hs.clear()

    def _feed(
        self, mv: memoryview, base: int, out: list[RecordFields], *, at: int = 0, one: bool = False
    ) -> int:
        """Parse `mv` from `at` (stream offset of `mv[0]`: `base`); returns where it stopped: the
        end of `mv`, or with `one` right after the first record completed."""
        n = len(mv)
        i = at
        while i < n:
            if self._ctype < 0 and not self._head and n - i >= 5:
                # Fast path for the bulk of a session: a whole encrypted record in this read.
                ctype, version, length = _HEADER.unpack_from(mv, i)
                body = i + 5
                if (
                    (ctype == _APPDATA or self._after_ccs)
                    and version >> 8 == 3
                    and length <= MAX_RECORD_LENGTH
                    and n - body >= length
                ):
                    preview = bytes(mv[body : body + min(length, PREVIEW_BYTES)])
                    out.append((base + i, ctype, version, length, preview, True, ()))
                    i = body + length
                    continue
            if self._ctype < 0:
                if not self._head and n - i >= 5:
                    head = bytes(mv[i : i + 5])
                    self._start = base + i
                else:
                    if not self._head:
                        self._start = base + i
                    take = min(5 - len(self._head), n - i)
                    self._head += mv[i : i + take]
                    if len(self._head) < 5:
                        return n
                    head = bytes(self._head)
                    self._head.clear()
                    i -= 5 - take  # the loop below adds 5 for the header
                i += 5
                if not self._begin(head):
                    return n
                if self._remaining:
                    continue
            else:
                take = min(self._remaining, n - i)
                if self._keep:
                    self._body += mv[i : i + take]
                elif len(self._body) < PREVIEW_BYTES:
                    self._body += mv[i : i + min(take, PREVIEW_BYTES - len(self._body))]
                i += take
                self._remaining -= take
                if self._remaining:
                    return n
            out.append(self._finish())
            if self.error is not None or one:
                return i
        return n

    def _begin(self, head: bytes) -> bool:
        ctype, major, length = head[0], head[1], int.from_bytes(head[3:5], "big")
        if major != 3:
            self._fail(f"not a TLS record (version bytes {head[1:3].hex()})", self._start)
            return False
        if length > MAX_RECORD_LENGTH:
            self._fail(
                f"a record claims {length} bytes, more than TLS allows ({MAX_RECORD_LENGTH})",
                self._start,
            )
            return False
        self._ctype = ctype
        self._version = int.from_bytes(head[1:3], "big")
        self._length = self._remaining = length
        # In TLS 1.3 every encrypted record is dressed as application_data; in TLS 1.2 everything
        # after a direction's ChangeCipherSpec is encrypted whatever its type.
        self._encrypted = ctype == _APPDATA or self._after_ccs
        self._keep = not self._encrypted and ctype in (_CCS, _ALERT, _HANDSHAKE)
        return True

    def _finish(self) -> RecordFields:
        body = bytes(self._body)
        self._body.clear()
        ctype, self._ctype = self._ctype, -1
        handshake: tuple[HandshakeInfo, ...] = ()
        if not self._encrypted:
            if ctype == _HANDSHAKE:
                handshake = self._reassemble(body)
            elif ctype == _CCS and not self.session.tls13:
                self._after_ccs = True
                self._hs.clear()
        return (
            self._start,
            ctype,
            self._version,
            self._length,
            body[:PREVIEW_BYTES],
            self._encrypted,
            handshake,
        )

    def _reassemble(self, body: bytes) -> tuple[HandshakeInfo, ...]:
        hs = self._hs
        hs += body
        infos: list[HandshakeInfo] = []
        pos = 0
        while len(hs) - pos >= 4:
            mlen = int.from_bytes(hs[pos + 1 : pos + 4], "big")
            if mlen > MAX_HANDSHAKE_MESSAGE:
                self._fail(
                    f"a handshake message claims {mlen} bytes (over {MAX_HANDSHAKE_MESSAGE})",
                    self._start,
                )
                return tuple(infos)
            if len(hs) - pos - 4 < mlen:
                break
            infos.append(self._message(hs[pos], bytes(hs[pos + 4 : pos + 4 + mlen])))
            pos += 4 + mlen
        del hs[:pos]
        return tuple(infos)

    def _message(self, mtype: int, msg: bytes) -> HandshakeInfo:
        info = decode_message(mtype, msg, tls13=self.session.tls13, careful=self.careful)
        if mtype == 2:  # ServerHello or HelloRetryRequest: both directions learn the version
            if info.versions:
                self.session.version = info.versions[0]
                self.session.tls13 = info.versions[0] == version_name(_TLS13)
            if info.cipher_suites:
                self.session.cipher = info.cipher_suites[0]
        return info
