"""Where the sandbox keeps the mail it accepts: in memory, and optionally in a Maildir on disk.

Nothing is ever relayed (properties.md K2). Mail for outside domains is kept here like the rest and
labelled, in the record and in an `X-Sandbox-Not-Relayed` header of the file the learner opens.

Both stores are bounded (properties.md D11-D13, `StorageLimits`): past a bound the server answers
Postfix's `452 4.3.1 Insufficient system storage`, at MAIL when it can tell already, else at the end
of DATA, and `store` keeps a message whole in both stores or in neither.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from email.utils import formatdate
from pathlib import Path
from typing import Literal

from sandbox.safety.files import create_private, ensure_private_dir

_counter = itertools.count(1)
_MIB = 1024 * 1024

INSUFFICIENT_STORAGE = "452 4.3.1 Insufficient system storage"
"""Postfix's reply when its queue has no room (`queue_minfree`), at MAIL or after DATA (D11)."""


@dataclass(frozen=True, slots=True)
class StorageLimits:
    """How much mail the sandbox keeps (D11-D13); each bound must be at least 1.

    `messages` and `memory_bytes` bound the in-memory mailbox (the raw messages' sizes);
    `maildir_files` and `maildir_bytes` the Maildir's files in `new/` and `cur/` (the files' sizes,
    trace headers included). 64 MiB in memory holds 64 messages of the 1 MiB default size limit.
    """

    messages: int = 500
    memory_bytes: int = 64 * _MIB
    maildir_files: int = 10_000
    maildir_bytes: int = 256 * _MIB

    def __post_init__(self) -> None:
        for name in ("messages", "memory_bytes", "maildir_files", "maildir_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")


Store = Literal["memory", "maildir"]
Bound = Literal["messages", "bytes", "files", "disk"]


@dataclass(frozen=True, slots=True)
class StorageRefusal:
    """The typed fact of a refusal: which `store` ("memory" or "maildir") hit which `bound`
    ("messages", "bytes", "files", or "disk" when the file system itself refused), the `limit`
    and what was `used`, for a message of `size` bytes (the SIZE declared at MAIL, or 0)."""

    store: Store
    bound: Bound
    limit: int
    used: int
    size: int


class StorageFull(Exception):
    """No room for a message: `refusal` says where."""

    def __init__(self, refusal: StorageRefusal) -> None:
        super().__init__(f"{refusal.store} {refusal.bound}: {refusal.used}/{refusal.limit}")
        self.refusal = refusal


def new_queue_id() -> str:
    """A short id like Postfix's queue ids, unique within this process."""
    return f"{int(time.time()):X}{os.getpid() & 0xFFF:03X}{next(_counter):05X}"


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One accepted message.

    `raw` is the message exactly as the client sent it, after dot-unstuffing and without the
    final `.` line. `outside_rcpts` lists recipients in outside domains, kept here instead of
    relayed. `bare_newline` tells that the data held a bare CR or LF (properties.md D2). `path` is
    the Maildir file, when the server keeps one.
    """

    queue_id: str
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    tls: bool
    tls_version: str | None
    tls_cipher: str | None
    authenticated_as: str | None
    peer: str
    helo: str | None
    outside_rcpts: tuple[str, ...] = ()
    bare_newline: bool = False
    received_at: float = 0.0
    path: Path | None = None

    @property
    def size(self) -> int:
        return len(self.raw)


def _header_safe(text: str) -> str:
    # Client-chosen text (the HELO name) must not break the header it is written into.
    return "".join(c if 0x20 < ord(c) < 0x7F else "?" for c in text)[:200]


def trace_headers(msg: StoredMessage, hostname: str, *, tls_details: bool = True) -> bytes:
    """`Return-Path` and a `Received` trace header (RFC 5321 4.4) with Postfix-style TLS details
    (unless not `tls_details`: Postfix's `smtpd_tls_received_header = no`)."""
    protocol = "ESMTP" if msg.helo is not None else "SMTP"
    if msg.tls:
        protocol += "S"
    if msg.authenticated_as is not None:
        protocol += "A"  # RFC 3848
    tls = f"\r\n\t(using {msg.tls_version} with cipher {msg.tls_cipher})" if msg.tls else ""
    tls = tls if tls_details else ""
    lines = [
        f"Return-Path: <{_header_safe(msg.mail_from)}>",
        f"Received: from {_header_safe(msg.helo or 'unknown')} ({msg.peer}){tls}\r\n"
        f"\tby {hostname} (smtp-tutor sandbox) with {protocol} id {msg.queue_id};\r\n"
        f"\t{formatdate(msg.received_at)}",
    ]
    if msg.outside_rcpts:
        kept = ", ".join(_header_safe(r) for r in msg.outside_rcpts)
        lines.append(f"X-Sandbox-Not-Relayed: {kept} (kept in the sandbox, never sent on)")
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


class Maildir:
    """A minimal Maildir writer: `tmp/` then `new/`, files 0600, dirs 0700, bounded (D12).

    The files and bytes in `new/` and `cur/` are counted once at start and then as they are
    added; the folders are counted again only when a bound seems reached, since the learner may
    have deleted mail meanwhile.
    """

    def __init__(self, root: Path, *, max_files: int = 10_000, max_bytes: int = 256 * _MIB) -> None:
        self.root = ensure_private_dir(root)  # the root too, not only its parts (J1)
        for sub in ("tmp", "new", "cur"):
            ensure_private_dir(root / sub)
        self.max_files, self.max_bytes = max_files, max_bytes
        self.files, self.bytes = self._count()

    def _count(self) -> tuple[int, int]:
        files = size = 0
        for sub in ("new", "cur"):
            with os.scandir(self.root / sub) as entries:
                for entry in entries:
                    if entry.is_file(follow_symlinks=False):
                        files += 1
                        size += entry.stat(follow_symlinks=False).st_size
        return files, size

    def refusal(self, size: int) -> StorageRefusal | None:
        """Why a file of `size` bytes would not fit, or None."""
        for fresh in (False, True):
            if fresh:
                self.files, self.bytes = self._count()
            if self.files + 1 > self.max_files:
                refusal = StorageRefusal("maildir", "files", self.max_files, self.files, size)
            elif self.bytes + size > self.max_bytes:
                refusal = StorageRefusal("maildir", "bytes", self.max_bytes, self.bytes, size)
            else:
                return None
        return refusal

    def add(self, data: bytes, queue_id: str) -> Path:
        """Write `data` as a new message file; `StorageFull`, and no file left, when it cannot."""
        refusal = self.refusal(len(data))
        if refusal is not None:
            raise StorageFull(refusal)
        name = f"{time.time_ns()}.{queue_id}.{socket.gethostname().replace('/', '_')}"
        tmp, final = self.root / "tmp" / name, self.root / "new" / name
        try:
            create_private(tmp, data)
            os.replace(tmp, final)
        except OSError as error:  # ENOSPC, EDQUOT...: no half-written file stays behind
            tmp.unlink(missing_ok=True)
            refusal = StorageRefusal("maildir", "disk", self.max_bytes, self.bytes, len(data))
            raise StorageFull(refusal) from error
        self.files += 1
        self.bytes += len(data)
        return final


class Mailbox:
    """The messages the server accepted, newest last, at most `keep` of them holding at most
    `max_bytes` (D11): a message that does not fit is refused (`StorageFull`), not kept in part,
    and no older one is dropped for it. `clear()` makes room again."""

    def __init__(self, keep: int = 500, max_bytes: int = 64 * _MIB) -> None:
        self._messages: collections.deque[StoredMessage] = collections.deque()
        self.keep, self.max_bytes = keep, max_bytes
        self._bytes = 0
        self._delivered = 0
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []

    def __len__(self) -> int:
        return len(self._messages)

    def __iter__(self) -> Iterator[StoredMessage]:
        return iter(list(self._messages))

    def __getitem__(self, index: int) -> StoredMessage:
        return self._messages[index]

    @property
    def delivered(self) -> int:
        """How many messages were ever accepted (not capped by `keep`)."""
        return self._delivered

    @property
    def stored_bytes(self) -> int:
        """The sizes of the messages held, added up (what the bound counts)."""
        return self._bytes

    def clear(self) -> None:
        self._messages.clear()
        self._bytes = 0

    def refusal(self, size: int) -> StorageRefusal | None:
        """Why one more message of `size` bytes would not fit, or None."""
        if len(self._messages) + 1 > self.keep:
            return StorageRefusal("memory", "messages", self.keep, len(self._messages), size)
        if self._bytes + size > self.max_bytes:
            return StorageRefusal("memory", "bytes", self.max_bytes, self._bytes, size)
        return None

    def add(self, msg: StoredMessage) -> None:
        refusal = self.refusal(msg.size)
        if refusal is not None:
            raise StorageFull(refusal)
        self._messages.append(msg)
        self._bytes += msg.size
        self._delivered += 1
        for waiter in [w for w in self._waiters if w[0] <= self._delivered]:
            self._waiters.remove(waiter)
            if not waiter[1].done():
                waiter[1].set_result(None)

    async def wait_for(self, count: int = 1, timeout: float = 5.0) -> StoredMessage:  # noqa: ASYNC109
        """Wait until `count` messages in all have been delivered; return the newest."""
        if self._delivered < count:
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            entry = (count, fut)
            self._waiters.append(entry)
            try:
                await asyncio.wait_for(fut, timeout)
            finally:
                if entry in self._waiters:
                    self._waiters.remove(entry)
        return self._messages[-1]


def room_for(mailbox: Mailbox, maildir: Maildir | None, size: int) -> StorageRefusal | None:
    """Why a message of `size` bytes (0: size unknown yet) would be refused, or None: what the
    server asks at MAIL, to answer 452 before the client sends the data."""
    refusal = mailbox.refusal(size)
    if refusal is None and maildir is not None:
        refusal = maildir.refusal(size)
    return refusal


def store(
    mailbox: Mailbox,
    maildir: Maildir | None,
    msg: StoredMessage,
    hostname: str,
    *,
    tls_details: bool = True,
) -> StoredMessage:
    """Keep `msg` in the Maildir (when there is one) and in memory, whole in both or in neither;
    `StorageFull` when either has no room."""
    refusal = mailbox.refusal(msg.size)
    if refusal is not None:
        raise StorageFull(refusal)
    if maildir is not None:
        headers = trace_headers(msg, hostname, tls_details=tls_details)
        msg = replace(msg, path=maildir.add(headers + msg.raw, msg.queue_id))
    mailbox.add(msg)  # cannot fail now: checked above, nothing awaited in between
    return msg
