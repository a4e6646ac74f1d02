"""Load benchmark (issue 15): 200 concurrent STARTTLS sessions of 1-5 messages each.

Five targets in one run, the same sessions against each: bare aiosmtpd (its own `Controller`, a
trivial handler, the same TLS context, the same listen backlog), the sandbox server alone, the
sandbox server through the wire tap (the relay attack labs use), the sandbox server watched by the
observer under its own socket (labs, `sandbox.wire.observer`), and `smtp-tutor watch`'s submission
port (`sandbox.lab.watch.Watched`: the observer, a `SessionStarted` per connection and the
conversation read back off the wire), every event collected. Each message carries a unique
Message-ID; after a run the IDs are counted where the server keeps mail (the sandbox's Maildir,
the bare handler's list), so a message that was accepted (250 after DATA) and never stored is
*lost*, one stored twice is *duplicated*. *unended*: connections the observer announced and never
reported ended (X6), after the server stopped. `ListenOverflows` (/proc/net/netstat, the whole
host) is read before and after each run: the kernel dropped a connect because a listen backlog was
full. The rate is given per second of wall time and per second of this process's CPU time (the
latter is what other processes on a shared machine do not move).

Prints one table; exits 1 if any message was lost or duplicated, a session unended, or a listen
backlog overflowed.

    .venv/bin/python bench/load.py [--sessions 200] [--max-messages 5] [--seed 15] [--runs 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

os.environ.setdefault("SMTP_TUTOR_DATA_DIR", tempfile.mkdtemp(prefix="smtp-tutor-bench-"))

from aiosmtpd.controller import Controller

from sandbox.client.framing import SmtpClientError
from sandbox.client.smtp import SmtpClient
from sandbox.events import SandboxEvent, SessionStarted
from sandbox.lab.watch import Watched
from sandbox.pki import tlsconfig
from sandbox.pki.certs import ensure_certs
from sandbox.smtpd.mailbox import Mailbox, Maildir, StorageLimits
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import LISTEN_BACKLOG, SandboxServer
from sandbox.wire.observer import WireObserver
from sandbox.wire.tap import WireTap

SENDER = "load@client.test"
RECIPIENT = "inbox@sandbox.test"


def listen_overflows() -> int:
    """TcpExt ListenOverflows of the whole host (connects dropped by a full backlog)."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return 0
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=True))
            return int(table.get("ListenOverflows", 0))
    return 0


def message(message_id: str, lines: int) -> bytes:
    body = "".join(f"line {i} of the load test\r\n" for i in range(lines))
    return (
        f"From: <{SENDER}>\r\nTo: <{RECIPIENT}>\r\nSubject: load\r\n"
        f"Message-ID: {message_id}\r\n\r\n{body}"
    ).encode()


@dataclass
class Run:
    target: str
    sent: int = 0  # DATA answered (any code)
    accepted: list[str] = field(default_factory=list)  # Message-IDs answered 250
    refused: int = 0  # a 4xx/5xx reply to MAIL, RCPT or DATA
    failed_sessions: int = 0  # a session that broke (connect, TLS, timeout...)
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU time (bare aiosmtpd serves from a thread)
    overflows: int = 0
    stored: list[str] = field(default_factory=list)  # Message-IDs found where mail is kept
    unended: int | None = None  # connections announced, never reported ended (observed only)
    announced: int | None = None  # connections the observer announced

    @property
    def lost(self) -> int:
        return len(set(self.accepted) - set(self.stored))

    @property
    def duplicated(self) -> int:
        return sum(n - 1 for n in Counter(self.stored).values() if n > 1)

    @property
    def unexpected(self) -> int:  # stored, but never answered 250
        return len(set(self.stored) - set(self.accepted))

    @property
    def rate(self) -> float:
        return len(self.accepted) / self.seconds if self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        """Messages per CPU second: what a shared machine's other processes do not move."""
        return len(self.accepted) / self.cpu_seconds if self.cpu_seconds else 0.0


async def session(run: Run, port: int, ca: Path, ids: list[str], emit: Any) -> None:
    client = SmtpClient("127.0.0.1", port, ca_file=ca, policy="verify", emit=emit, timeout=60.0)
    try:
        await client.connect()
        await client.ehlo()
        await client.negotiate_tls()
        for mid in ids:
            if (await client.mail(SENDER)).code != 250 or (
                await client.rcpt(RECIPIENT)
            ).code != 250:
                run.refused += 1
                await client.rset()
                continue
            reply = await client.data(message(mid, 3 + len(mid) % 7))
            run.sent += 1
            if reply.code == 250:
                run.accepted.append(mid)
            else:
                run.refused += 1
        await client.quit()
    except SmtpClientError as exc:
        run.failed_sessions += 1
        run.errors[type(exc).__name__] += 1
    finally:
        await client.close()


async def load(run: Run, port: int, ca: Path, plan: list[list[str]], emit: Any) -> None:
    before = listen_overflows()
    start, start_cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(session(run, port, ca, ids, emit) for ids in plan))
    run.seconds = time.perf_counter() - start
    run.cpu_seconds = time.process_time() - start_cpu
    run.overflows = listen_overflows() - before


def maildir_ids(root: Path) -> list[str]:
    parser = BytesHeaderParser()
    ids = []
    for path in (root / "new").iterdir():
        with path.open("rb") as f:
            ids.append(str(parser.parse(f)["Message-ID"]))
    return ids


class _BareHandler:
    def __init__(self) -> None:
        self.ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        headers = BytesHeaderParser().parsebytes(envelope.content)
        self.ids.append(str(headers["Message-ID"]))
        return "250 OK"


class _BareController(Controller):
    """aiosmtpd's own Controller, with the sandbox's listen backlog (asyncio's default is 100)."""

    def _create_server(self) -> Any:
        return self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, backlog=LISTEN_BACKLOG
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run_bare(plan: list[list[str]], ca: Path) -> Run:
    certs = ensure_certs()
    handler = _BareHandler()
    ctx = tlsconfig.server_context(certs.server_cert, certs.server_key)
    controller = _BareController(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=ctx,
        server_hostname="sandbox.test",
    )
    controller.start()
    run = Run("bare aiosmtpd")
    try:
        await load(run, controller.port, ca, plan, lambda e: None)
    finally:
        controller.stop()
    run.stored = handler.ids
    return run


LIMITS = StorageLimits(messages=100_000, memory_bytes=1 << 30, maildir_files=100_000)


async def run_sandbox(plan: list[list[str]], ca: Path, *, watch: str | None, root: Path) -> Run:
    """`watch`: None (the server alone), "tap" (the relay in front) or "obs" (the observer)."""
    policy = ServerPolicy(tls_level="encrypt", max_connections=len(plan) + 50)
    events: list[SandboxEvent] = []
    observer = WireObserver(events.append) if watch == "obs" else None
    server = SandboxServer(
        policy, emit=lambda e: None, maildir=root, storage=LIMITS, observer=observer
    )
    await server.start()
    run = Run(f"sandbox + {watch}" if watch else "sandbox")
    tap = WireTap(server.host, server.port, emit=events.append) if watch == "tap" else None
    try:
        if tap is not None:
            await tap.start()
        await load(run, tap.port if tap else server.port, ca, plan, events.append)
    finally:
        if tap is not None:
            await tap.stop()
        await server.stop()
    run.stored = maildir_ids(root)
    if observer is not None:
        run.unended, run.announced = observer.unended, observer.announced
    return run


async def run_watched(plan: list[list[str]], ca: Path, *, root: Path) -> Run:
    """`smtp-tutor watch`'s submission port. Its cap (20 connections) and mail limits are a
    classroom's: raised here to the load's, as the other targets' are."""
    events: list[SandboxEvent] = []
    watched = Watched(events.append, maildir=root)
    server = watched.listeners[0].server
    server.policy = replace(server.policy, max_connections=len(plan) + 50)
    server.mailbox = Mailbox(LIMITS.messages, LIMITS.memory_bytes)
    server.maildir = Maildir(root, max_files=LIMITS.maildir_files, max_bytes=LIMITS.maildir_bytes)
    await watched.start()
    run = Run("watched")
    try:
        await load(run, server.port, ca, plan, events.append)
    finally:
        await watched.stop()
    run.stored = maildir_ids(root)
    observers = [lst.server.observer for lst in watched.listeners]
    run.unended = sum(o.unended for o in observers if o is not None)
    run.announced = sum(o.announced for o in observers if o is not None)
    starts = sum(isinstance(e, SessionStarted) for e in events)
    if starts != run.announced:  # one SessionStarted per connection, said before its bytes
        run.errors[f"SessionStarted {starts} != announced {run.announced}"] += 1
    return run


def table(runs: list[Run]) -> str:
    bare, bare_cpu = runs[0].rate, runs[0].cpu_rate
    head = (
        f"{'target':<15}{'sent':>6}{'accepted':>9}{'stored':>7}{'lost':>5}{'dup':>4}"
        f"{'unended':>8}{'extra':>6}{'refused':>8}{'broken':>7}{'overflows':>10}"
        f"{'msg/s':>8}{'vs bare':>8}{'msg/cpu-s':>10}{'vs bare':>8}"
    )
    rows = [head, "-" * len(head)]
    for r in runs:
        unended = "-" if r.unended is None else str(r.unended)
        rows.append(
            f"{r.target:<15}{r.sent:>6}{len(r.accepted):>9}{len(set(r.stored)):>7}{r.lost:>5}"
            f"{r.duplicated:>4}{unended:>8}{r.unexpected:>6}{r.refused:>8}{r.failed_sessions:>7}"
            f"{r.overflows:>10}{r.rate:>8.1f}{r.rate / bare if bare else 0:>7.2f}x"
            f"{r.cpu_rate:>10.1f}{r.cpu_rate / bare_cpu if bare_cpu else 0:>7.2f}x"
        )
        if r.errors:
            rows.append(f"  broken sessions: {dict(r.errors)}")
    return "\n".join(rows)


async def main(args: argparse.Namespace) -> int:
    certs = ensure_certs()
    rng = random.Random(args.seed)
    counts = [rng.randint(1, args.max_messages) for _ in range(args.sessions)]

    def plan(target: str) -> list[list[str]]:  # the same shape for every target
        return [[f"<{target}-{s}-{m}@client.test>" for m in range(n)] for s, n in enumerate(counts)]

    ca = certs.ca_cert
    failed = False
    ratios: dict[str, list[float]] = {}
    for n in range(args.runs):
        runs = [await run_bare(plan(f"bare{n}"), ca)]
        with tempfile.TemporaryDirectory(prefix="smtp-tutor-load-") as tmp:
            for watch in (None, "tap", "obs"):
                root = Path(tmp) / (watch or "direct")
                runs.append(await run_sandbox(plan(f"{watch}{n}"), ca, watch=watch, root=root))
            runs.append(await run_watched(plan(f"watched{n}"), ca, root=Path(tmp) / "watched"))
        print(
            f"run {n + 1}/{args.runs}: {args.sessions} concurrent STARTTLS sessions, "
            f"{sum(counts)} messages (1-{args.max_messages} per session), seed {args.seed}"
        )
        print(table(runs))
        for r in runs[1:]:
            ratios.setdefault(r.target, []).append(r.cpu_rate / runs[0].cpu_rate)
        bad = any(r.lost or r.duplicated or r.unexpected or r.unended for r in runs)
        overflow = any(r.overflows for r in runs)
        if bad:
            print("FAIL: a message was lost or duplicated, or a session never ended")
        if overflow:
            print("FAIL: a listen backlog overflowed (ListenOverflows counts the whole host)")
        failed = failed or bad or overflow
    if args.runs > 1:
        print("msg/cpu-s vs bare aiosmtpd over the runs: min / median / max")
        for target, values in ratios.items():
            v = sorted(values)
            print(f"  {target:<15}{v[0]:>6.2f}x{v[len(v) // 2]:>7.2f}x{v[-1]:>7.2f}x")
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--max-messages", type=int, default=5)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--runs", type=int, default=1, help="repeat, for min/median/max")
    sys.exit(asyncio.run(main(parser.parse_args())))
