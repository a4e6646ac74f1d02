"""Where the sandbox keeps the mail it accepts: in memory, and optionally in a Maildir on disk.

Nothing is ever relayed (properties.md K2). Mail for outside domains is kept here like the rest and
labelled, in the record and in an `X-Sandbox-Not-Relayed` header of the file the learner opens.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

from sandbox.safety.files import create_private, ensure_private_dir

_counter = itertools.count(1)


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


def trace_headers(msg: StoredMessage, hostname: str) -> bytes:
    """`Return-Path` and a `Received` trace header (RFC 5321 4.4) with Postfix-style TLS details."""
    protocol = "ESMTP" if msg.helo is not None else "SMTP"
    if msg.tls:
        protocol += "S"
    if msg.authenticated_as is not None:
        protocol += "A"  # RFC 3848
    tls = f"\r\n\t(using {msg.tls_version} with cipher {msg.tls_cipher})" if msg.tls else ""
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
    """A minimal Maildir writer: `tmp/` then `new/`, files 0600, dirs 0700."""

    def __init__(self, root: Path) -> None:
        self.root = ensure_private_dir(root)  # the root too, not only its parts (J1)
        for sub in ("tmp", "new", "cur"):
            ensure_private_dir(root / sub)

    def add(self, data: bytes, queue_id: str) -> Path:
        name = f"{time.time_ns()}.{queue_id}.{socket.gethostname().replace('/', '_')}"
        tmp, final = self.root / "tmp" / name, self.root / "new" / name
        create_private(tmp, data)
        os.replace(tmp, final)
        return final


class Mailbox:
    """The messages the server accepted, newest last (the oldest are forgotten past `keep`)."""

    def __init__(self, keep: int = 500) -> None:
        self._messages: collections.deque[StoredMessage] = collections.deque(maxlen=keep)
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

    def clear(self) -> None:
        self._messages.clear()

    def add(self, msg: StoredMessage) -> None:
        self._messages.append(msg)
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
