"""Mail storage is bounded (properties.md D11-D13): past a bound the server answers Postfix's
`452 4.3.1 Insufficient system storage`, at MAIL when it can tell, else after DATA; it keeps a
message whole or not at all, says so as a typed notice and in its log, and serves the next
client."""

from __future__ import annotations

import contextlib
import logging
import resource
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.events import Notice
from sandbox.smtpd.mailbox import (
    INSUFFICIENT_STORAGE,
    Mailbox,
    StorageFull,
    StorageLimits,
    StorageRefusal,
    StoredMessage,
)

FULL = INSUFFICIENT_STORAGE
ENVELOPE = b"MAIL FROM:<a@sandbox.test>\r\nRCPT TO:<b@sandbox.test>\r\nDATA\r\n"


def body(size: int) -> bytes:
    """A message of exactly `size` bytes once stored: lines of 100 octets with their CRLF."""
    line = b"x" * 98 + b"\r\n"
    lines, rest = divmod(size, 100)
    assert rest == 0
    return line * lines


async def send(wire, size: int) -> str:  # type: ignore[no-untyped-def]
    """MAIL, RCPT, DATA and a `size`-byte message; the reply to MAIL if not 250, else the final."""
    first = await wire.cmd("MAIL FROM:<a@sandbox.test>")
    if not first.startswith("250"):
        return str(first)
    assert (await wire.cmd("RCPT TO:<b@sandbox.test>")).startswith("250")
    assert (await wire.cmd("DATA")).startswith("354")
    return str(await wire.cmd(body(size) + b"."))


def maildir_files(root: Path) -> dict[str, list[Path]]:
    return {sub: sorted((root / sub).iterdir()) for sub in ("tmp", "new", "cur")}


async def served(server, connect) -> None:  # type: ignore[no-untyped-def]
    """A normal client right after: greeted, and its NOOP answered."""
    wire = await connect(server)
    assert (await wire.cmd("EHLO next.test")).startswith("250")
    assert (await wire.cmd("NOOP")).startswith("250")
    assert (await wire.cmd("QUIT")).startswith("221")


async def test_d11_memory_holds_at_most_its_message_count(start_server, connect) -> None:
    server = await start_server(storage=StorageLimits(messages=3))
    wire = await connect(server)
    await wire.cmd("EHLO client.test")
    for _ in range(3):
        assert (await send(wire, 200)).startswith("250 2.0.0 Ok: queued")
    # Full already: said at MAIL, before the client sends any data.
    assert await wire.cmd("MAIL FROM:<a@sandbox.test>") == FULL
    assert len(server.mailbox) == 3 and server.mailbox.delivered == 3
    assert (await wire.cmd("NOOP")).startswith("250")  # the session goes on
    server.mailbox.clear()  # room again
    assert (await send(wire, 200)).startswith("250 2.0.0")
    await served(server, connect)


async def test_d11_memory_bound_counts_stored_bytes(start_server, connect) -> None:
    """20 messages of 100 kB against a bound of 512 KiB: exactly 5 kept, the rest refused after
    DATA (the client declares no SIZE), and the bytes held never pass the bound."""
    limit = 512 * 1024
    server = await start_server(storage=StorageLimits(memory_bytes=limit))
    wire = await connect(server)
    await wire.cmd("EHLO client.test")
    replies = [await send(wire, 100_000) for _ in range(20)]
    assert [r[:3] for r in replies] == ["250"] * 5 + ["452"] * 15
    assert all(r == FULL for r in replies[5:])
    assert server.mailbox.stored_bytes == sum(m.size for m in server.mailbox) == 500_000
    assert server.mailbox.stored_bytes <= limit
    # A smaller message still fits: the bound is bytes, not a closed door.
    assert (await send(wire, 12_000)).startswith("250 2.0.0")
    assert server.mailbox.stored_bytes == 512_000
    await served(server, connect)


async def test_d11_a_declared_size_that_cannot_fit_is_refused_at_mail(
    start_server, connect
) -> None:
    server = await start_server(storage=StorageLimits(memory_bytes=10_000))
    wire = await connect(server)
    await wire.cmd("EHLO client.test")
    assert await wire.cmd("MAIL FROM:<a@sandbox.test> SIZE=10001") == FULL
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test> SIZE=10000")).startswith("250")
    assert (await wire.cmd("RSET")).startswith("250")
    assert server.mailbox.delivered == 0


def test_d11_the_mailbox_refuses_rather_than_forgets() -> None:
    box = Mailbox(keep=2, max_bytes=10)
    msgs = [
        StoredMessage(f"q{i}", "a@x", ("b@x",), b"12345", False, None, None, None, "p", None)
        for i in range(3)
    ]
    box.add(msgs[0])
    box.add(msgs[1])
    with pytest.raises(StorageFull) as full:
        box.add(msgs[2])
    assert full.value.refusal == StorageRefusal("memory", "messages", 2, 2, 5)
    assert [m.queue_id for m in box] == ["q0", "q1"] and box.stored_bytes == 10
    with pytest.raises(ValueError, match="messages must be at least 1"):
        StorageLimits(messages=0)


async def test_d12_maildir_holds_at_most_its_file_count(start_server, connect, tmp_path) -> None:
    root = tmp_path / "Maildir"
    server = await start_server(maildir=root, storage=StorageLimits(maildir_files=2))
    wire = await connect(server)
    await wire.cmd("EHLO client.test")
    assert (await send(wire, 100)).startswith("250")
    assert (await send(wire, 100)).startswith("250")
    assert await wire.cmd("MAIL FROM:<a@sandbox.test>") == FULL
    files = maildir_files(root)
    assert (len(files["new"]), files["tmp"]) == (2, [])
    assert len(server.mailbox) == 2  # the memory store kept the same two, no more
    # The learner reads and deletes one: the server counts again and takes mail again.
    files["new"][0].unlink()
    assert (await send(wire, 100)).startswith("250")
    assert len(maildir_files(root)["new"]) == 2
    await served(server, connect)


async def test_d12_maildir_bound_counts_file_bytes_with_headers(
    start_server, connect, tmp_path
) -> None:
    root = tmp_path / "Maildir"
    limit = 100_000
    server = await start_server(maildir=root, storage=StorageLimits(maildir_bytes=limit))
    wire = await connect(server)
    await wire.cmd("EHLO client.test")
    replies = [await send(wire, 30_000) for _ in range(4)]
    # Three files of 30,000 bytes and their trace headers fit; the fourth would not.
    assert [r[:3] for r in replies] == ["250", "250", "250", "452"]
    sizes = [p.stat().st_size for p in maildir_files(root)["new"]]
    assert len(sizes) == 3 and sum(sizes) <= limit
    assert maildir_files(root)["tmp"] == [] and len(server.mailbox) == 3


@contextlib.contextmanager
def file_size_limit(size: int) -> Iterator[None]:
    """Writes past `size` bytes fail with EFBIG (a full disk, for real, in this process only)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old)


async def test_d12_a_write_that_fails_half_way_leaves_no_file_and_no_message(
    start_server, connect, tmp_path
) -> None:
    root = tmp_path / "Maildir"
    server = await start_server(maildir=root)
    wire = await connect(server)
    await wire.cmd("EHLO client.test")
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test>")).startswith("250")
    assert (await wire.cmd("RCPT TO:<b@sandbox.test>")).startswith("250")
    assert (await wire.cmd("DATA")).startswith("354")
    await wire.send(body(600_000))
    with file_size_limit(256 * 1024):  # the file system refuses past 256 KiB: half a file
        reply = await wire.cmd(b".")
    assert reply == FULL
    assert maildir_files(root) == {"tmp": [], "new": [], "cur": []}
    assert len(server.mailbox) == 0 and server.mailbox.delivered == 0
    assert (await send(wire, 1000)).startswith("250")  # and the disk has room again
    assert len(maildir_files(root)["new"]) == 1


async def test_d13_a_refusal_is_a_typed_notice_and_a_log_line(
    start_server, connect, caplog
) -> None:
    events: list[object] = []
    server = await start_server(storage=StorageLimits(messages=1), emit=events.append)
    wire = await connect(server)
    await wire.cmd("EHLO client.test")
    assert (await send(wire, 100)).startswith("250")
    with caplog.at_level(logging.WARNING, logger="sandbox.smtpd.server"):
        assert await wire.cmd("MAIL FROM:<a@sandbox.test>") == FULL
    full = [e for e in events if isinstance(e, Notice) and e.key == "server.storage_full"]
    assert len(full) == 1
    assert full[0].params == {"store": "memory", "bound": "messages", "used": "1", "limit": "1"}
    assert any(
        "insufficient storage: memory messages 1 of 1" in r.getMessage() for r in caplog.records
    )
