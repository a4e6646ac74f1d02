"""Follow one connection's TLS from the wire tap's events and open its records (M3-M6).

    decryptor = TlsDecryptor(keylog)            # a KeyLog, or a function that reads it again
    for event in events:
        for record in decryptor.feed(event):    # EndpointRecord, one per WireRecord
            ...
    decryptor.finish()                          # records still waiting for a key

It reads only events: `WireChunk` gives each direction's bytes, `WireRecord` says where each
record lies in them (the wire decoder's framing, so there is one TLS record parser). The
hellos give the client random (which names the session in the key log), the server random, the
version and the cipher suite. Then each direction opens its records with the secret of its
stage: in TLS 1.3 the handshake traffic secret until that side's Finished, then the application
traffic secret (the next one after each KeyUpdate); in TLS 1.2 the key block from the master
secret, from that side's ChangeCipherSpec on. A record that cannot be opened says why
(`CannotDecrypt`) and keeps its sequence number, so the next one still opens.

Live, the client logs a secret only as it reads the server's flight, after the tap has seen it:
given a function, the decryptor keeps records that wait for a secret (`MAX_WAITING` of them)
and tries again on the next event, reading the key log again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.events import SandboxEvent, Side, WireChunk, WireRecord
from sandbox.tlsview import keylog as kl
from sandbox.tlsview.hello import hello_basics
from sandbox.tlsview.keylog import KeyLog
from sandbox.tlsview.keyschedule import key_block, next_traffic_secret, traffic_key_iv
from sandbox.tlsview.messages import Message, MessageStream
from sandbox.tlsview.protection import InvalidTag, Opener
from sandbox.tlsview.suites import SUITES, Suite
from sandbox.tlsview.view import CannotDecrypt, EndpointRecord, TrafficKey
from sandbox.wire.tlsnames import HELLO_RETRY_RANDOM, handshake_name

MAX_MESSAGES = 64  # handshake messages kept for the annotated view (tickets and key updates too)
MAX_WAITING = 256  # records held for a secret not logged yet; past it, they are given up
_CCS, _HANDSHAKE, _APPDATA = 20, 22, 23
_FINISHED, _KEY_UPDATE = 20, 24
_TLS13 = 0x0304

Keys = KeyLog | Callable[[], KeyLog]


@dataclass(frozen=True, slots=True)
class SeenMessage:
    """A handshake message as it went by: `key` is the secret that protected it (None: sent in
    the clear); `record_offset` and `ts` are those of the record that completed it."""

    sender: Side
    record_offset: int
    ts: float
    message: Message
    key: TrafficKey | None


class _Wait(Exception):
    """The record needs a secret that is not in the key log yet; try again later."""


class _Direction:
    __slots__ = (
        "app_secret",
        "buf",
        "buf_base",
        "ccs_seen",
        "clear",
        "epoch",
        "generation",
        "inner",
        "jobs",
        "opener",
        "side",
    )

    def __init__(self, side: Side) -> None:
        self.side = side
        self.buf = bytearray()  # this direction's bytes from buf_base on
        self.buf_base = 0
        self.jobs: deque[WireRecord] = deque()  # records to open, in order
        self.clear = MessageStream()  # handshake messages sent in the clear
        self.inner = MessageStream()  # handshake messages inside protected records
        self.opener: Opener | None = None
        self.epoch: TrafficKey | None = None  # the secret protecting the next record
        self.app_secret = b""  # TLS 1.3: the current application traffic secret
        self.generation = 0
        self.ccs_seen = False  # TLS 1.2: records after this side's ChangeCipherSpec are sealed


class TlsDecryptor:
    """Open the records of one connection; see the module docstring."""

    def __init__(self, keys: Keys) -> None:
        self._keys = keys
        self._keylog = keys if isinstance(keys, KeyLog) else None
        self._live = not isinstance(keys, KeyLog)
        self._client = _Direction(Side.CLIENT)
        self._server = _Direction(Side.SERVER)
        self.client_random: bytes | None = None
        self.server_random: bytes | None = None
        self.version: int | None = None  # the version the server chose
        self.suite_code: int | None = None
        self.messages: list[SeenMessage] = []  # the handshake, for the annotated view

    @property
    def tls13(self) -> bool:
        return self.version == _TLS13

    @property
    def suite(self) -> Suite | None:
        return None if self.suite_code is None else SUITES.get(self.suite_code)

    # --- input -------------------------------------------------------------------------------

    def feed(self, event: SandboxEvent) -> list[EndpointRecord]:
        """The records this event lets the decryptor open (or give up on); never raises."""
        if isinstance(event, WireChunk):
            d = self._client if event.sender is Side.CLIENT else self._server
            if not d.buf and not d.jobs:
                d.buf_base = event.offset
            d.buf += event.data
            if not d.jobs:
                return []  # the usual order: a chunk, then the records it completes
        elif isinstance(event, WireRecord):
            (self._client if event.sender is Side.CLIENT else self._server).jobs.append(event)
        else:
            return []
        return self._run(give_up=False)

    def feed_all(self, events: list[SandboxEvent]) -> list[EndpointRecord]:
        out: list[EndpointRecord] = []
        for event in events:
            out += self.feed(event)
        return out + self.finish()

    def finish(self) -> list[EndpointRecord]:
        """The connection is over: read the key log once more; what still waits is given up."""
        self._reload()
        return self._run(give_up=True)

    # --- the work ----------------------------------------------------------------------------

    def _reload(self) -> None:
        if self._live:
            self._keylog = None  # read it again when next asked

    def _keylog_now(self) -> KeyLog:
        if self._keylog is None:
            keys = self._keys
            try:
                self._keylog = keys() if callable(keys) else keys
            except Exception:  # an unreadable key log is a missing one (the view never crashes)
                self._keylog = KeyLog()
        return self._keylog

    def _run(self, *, give_up: bool) -> list[EndpointRecord]:
        out: list[EndpointRecord] = []
        progress = True
        while progress:  # the server's hello unblocks the client's records, and so on
            progress = False
            for d in (self._client, self._server):
                while d.jobs:
                    record = d.jobs[0]
                    end = record.offset + 5 + record.length
                    if end > d.buf_base + len(d.buf):
                        break  # its bytes have not all come yet
                    start = record.offset - d.buf_base
                    raw = bytes(d.buf[start : start + 5 + record.length])
                    try:
                        out.append(self._record(d, record, raw[:5], raw[5:], give_up))
                    except _Wait:
                        if len(d.jobs) <= MAX_WAITING:
                            self._reload()
                            break
                        out.append(self._record(d, record, raw[:5], raw[5:], True))
                    d.jobs.popleft()
                    del d.buf[: end - d.buf_base]
                    d.buf_base = end
                    progress = True
        return out

    def _record(
        self, d: _Direction, record: WireRecord, header: bytes, fragment: bytes, give_up: bool
    ) -> EndpointRecord:
        if not (record.encrypted or d.ccs_seen):  # the tap's parser marks sealed records
            return self._clear(d, record, fragment)
        failure = self._ensure_opener(d, give_up)
        key, opened = d.epoch, None
        if failure is None and d.opener is not None:
            try:
                opened = d.opener.open(header, fragment)
            except InvalidTag:
                failure = CannotDecrypt.WRONG_KEY
            except ValueError:
                return self._closed(d, record, CannotDecrypt.MALFORMED)
        if opened is None and failure in (CannotDecrypt.WRONG_KEY, CannotDecrypt.NO_SECRET):
            opened = self._early_application(d, header, fragment)
            key = d.epoch
        if opened is None:
            return self._closed(d, record, failure or CannotDecrypt.NO_SECRET)
        inner_type, plain = opened
        names: tuple[str, ...] = ()
        generation = d.generation
        if inner_type == _HANDSHAKE:
            msgs = d.inner.feed(plain, record.offset)
            names = tuple(handshake_name(m.msg_type) for m in msgs)
            self._seen(d, record, msgs, key)
            if self.tls13:
                self._after_messages(d, msgs)
        return EndpointRecord(
            d.side,
            record.offset,
            record.length,
            True,
            inner_type,
            plain,
            key,
            names,
            generation=generation,
        )

    def _clear(self, d: _Direction, record: WireRecord, fragment: bytes) -> EndpointRecord:
        names: tuple[str, ...] = ()
        if record.content_type == _HANDSHAKE:
            msgs = d.clear.feed(fragment, record.offset + 5)
            names = tuple(handshake_name(m.msg_type) for m in msgs)
            self._seen(d, record, msgs, None)
            for m in msgs:
                self._hello(d, m)
        elif record.content_type == _CCS and not self.tls13:
            d.ccs_seen = True
            d.opener, d.epoch = None, None
        return EndpointRecord(
            d.side,
            record.offset,
            record.length,
            False,
            record.content_type,
            fragment,
            messages=names,
        )

    def _closed(self, d: _Direction, record: WireRecord, why: CannotDecrypt) -> EndpointRecord:
        return EndpointRecord(
            d.side,
            record.offset,
            record.length,
            True,
            record.content_type,
            key=d.epoch,
            failure=why,
            generation=d.generation,
        )

    def _seen(
        self, d: _Direction, record: WireRecord, msgs: list[Message], key: TrafficKey | None
    ) -> None:
        for m in msgs:
            if len(self.messages) < MAX_MESSAGES:
                self.messages.append(SeenMessage(d.side, record.offset, record.ts, m, key))

    def _hello(self, d: _Direction, message: Message) -> None:
        if message.msg_type not in (1, 2):
            return
        basics = hello_basics(message.msg_type, message.body)
        if basics is None:
            return
        random, suite, version = basics
        if message.msg_type == 1 and d.side is Side.CLIENT:
            self.client_random = random  # the same in a second ClientHello (RFC 8446 4.1.2)
        elif message.msg_type == 2 and d.side is Side.SERVER:
            self.version, self.suite_code = version, suite
            if random != HELLO_RETRY_RANDOM:
                self.server_random = random

    # --- keys ---------------------------------------------------------------------------------

    def _ensure_opener(self, d: _Direction, give_up: bool) -> CannotDecrypt | None:
        if d.opener is not None:
            return None
        if self.client_random is None or self.suite_code is None or self.server_random is None:
            return CannotDecrypt.NO_HELLO
        suite = self.suite
        if suite is None or suite.tls13 != self.tls13:
            return CannotDecrypt.UNSUPPORTED
        keys = self._keylog_now()
        client = d.side is Side.CLIENT
        if self.tls13:
            if d.epoch is None:
                d.epoch = TrafficKey.CLIENT_HANDSHAKE if client else TrafficKey.SERVER_HANDSHAKE
            label = _LABELS[d.epoch]
            secret = d.app_secret or keys.secret(self.client_random, label)
            if secret is None:
                return self._missing(give_up)
            if d.epoch in (TrafficKey.CLIENT_APPLICATION, TrafficKey.SERVER_APPLICATION):
                d.app_secret = secret
            d.opener = Opener(suite, *traffic_key_iv(secret, suite))
            return None
        master = keys.secret(self.client_random, kl.CLIENT_RANDOM)
        if master is None:
            return self._missing(give_up)
        client_keys, server_keys = key_block(master, self.client_random, self.server_random, suite)
        d.opener = Opener(suite, *(client_keys if client else server_keys))
        d.epoch = TrafficKey.CLIENT_WRITE if client else TrafficKey.SERVER_WRITE
        return None

    def _missing(self, give_up: bool) -> CannotDecrypt:
        if self._live and not give_up:
            raise _Wait
        return CannotDecrypt.NO_SECRET

    def _after_messages(self, d: _Direction, msgs: list[Message]) -> None:
        suite = self.suite
        for m in msgs:
            if m.msg_type == _FINISHED and d.epoch in _NEXT:
                d.epoch, d.opener = _NEXT[d.epoch], None  # RFC 8446 7.1: the application secret
            elif m.msg_type == _KEY_UPDATE and d.app_secret and suite is not None:
                d.app_secret = next_traffic_secret(d.app_secret, suite)
                d.opener = Opener(suite, *traffic_key_iv(d.app_secret, suite))
                d.generation += 1

    def _early_application(
        self, d: _Direction, header: bytes, fragment: bytes
    ) -> tuple[int, bytes] | None:
        """A TLS 1.3 record that the handshake key cannot open may be the first under the
        application key (a Finished this view could not read): try it, once, at sequence 0."""
        if not self.tls13 or d.epoch not in _NEXT or self.client_random is None:
            return None
        suite = self.suite
        secret = self._keylog_now().secret(self.client_random, _LABELS[_NEXT[d.epoch]])
        if suite is None or secret is None:
            return None
        opener = Opener(suite, *traffic_key_iv(secret, suite))
        try:
            opened = opener.open(header, fragment)
        except (InvalidTag, ValueError):
            return None
        d.epoch, d.opener, d.app_secret = _NEXT[d.epoch], opener, secret
        return opened


_LABELS = {
    TrafficKey.CLIENT_HANDSHAKE: kl.CLIENT_HANDSHAKE_TRAFFIC_SECRET,
    TrafficKey.SERVER_HANDSHAKE: kl.SERVER_HANDSHAKE_TRAFFIC_SECRET,
    TrafficKey.CLIENT_APPLICATION: kl.CLIENT_TRAFFIC_SECRET_0,
    TrafficKey.SERVER_APPLICATION: kl.SERVER_TRAFFIC_SECRET_0,
}
_NEXT = {
    TrafficKey.CLIENT_HANDSHAKE: TrafficKey.CLIENT_APPLICATION,
    TrafficKey.SERVER_HANDSHAKE: TrafficKey.SERVER_APPLICATION,
}
