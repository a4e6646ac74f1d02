"""Benchmark the sandbox engine (issue 2). Prints figures and ratios against baselines run in the
same process, so a noisy machine affects both sides alike.

1. One full STARTTLS session (EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT, DATA, QUIT): direct to the
   sandbox server vs through the wire tap with every event collected. Goal: <= 1.25x.
2. Sessions per second with 20 concurrent STARTTLS clients: the sandbox server (policy, fixes,
   events) vs bare aiosmtpd with the same TLS context. Goal: >= 0.8x.

    .venv/bin/python bench/sessions.py [--rounds N] [--concurrent-sessions N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("SMTP_TUTOR_DATA_DIR", tempfile.mkdtemp(prefix="smtp-tutor-bench-"))

from aiosmtpd.smtp import SMTP

from sandbox.client.smtp import SmtpClient
from sandbox.events import SandboxEvent
from sandbox.lab.scenarios import MESSAGE, RECIPIENT, SENDER
from sandbox.pki import tlsconfig
from sandbox.pki.certs import ensure_certs
from sandbox.smtpd.accounts import demo_account
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from sandbox.wire.tap import WireTap


async def one_session(
    port: int, ca: Path, emit: Callable[[SandboxEvent], None], auth: tuple[str, str] | None
) -> None:
    client = SmtpClient("127.0.0.1", port, ca_file=ca, emit=emit, timeout=10)
    user, password = auth if auth else (None, None)
    await client.send_mail(SENDER, RECIPIENT, MESSAGE, user=user, password=password)


async def timed(fn: Callable[[], Awaitable[None]]) -> float:
    start = time.perf_counter()
    await fn()
    return time.perf_counter() - start


async def bench_tap(rounds: int) -> tuple[float, float, int]:
    """Median seconds per session: direct and through the tap; and events per tapped session."""
    certs = ensure_certs()
    account = demo_account()
    auth = (account.username, account.password)
    server = SandboxServer(ServerPolicy(tls_level="encrypt"), emit=lambda e: None)
    await server.start()
    events: list[SandboxEvent] = []
    tap = WireTap(server.host, server.port, emit=events.append)
    await tap.start()
    direct: list[float] = []
    tapped: list[float] = []
    per_session = 0
    try:
        for _ in range(3):  # warm up both paths
            await one_session(server.port, certs.ca_cert, lambda e: None, auth)
            await one_session(tap.port, certs.ca_cert, events.append, auth)
        for _ in range(rounds):  # interleave so drift hits both alike
            direct.append(
                await timed(lambda: one_session(server.port, certs.ca_cert, lambda e: None, auth))
            )
            events.clear()
            tapped.append(
                await timed(lambda: one_session(tap.port, certs.ca_cert, events.append, auth))
            )
            per_session = len(events)
    finally:
        await tap.stop()
        await server.stop()
    return statistics.median(direct), statistics.median(tapped), per_session


class _BareHandler:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


async def concurrent_rate(port: int, ca: Path, clients: int, sessions: int) -> float:
    """Sessions per second with `clients` clients each running `sessions` sessions."""

    async def worker() -> None:
        for _ in range(sessions):
            await one_session(port, ca, lambda e: None, None)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return clients * sessions / (time.perf_counter() - start)


REPEATS = 7


async def bench_concurrency(clients: int, sessions: int) -> tuple[float, float]:
    certs = ensure_certs()
    ours = SandboxServer(
        ServerPolicy(tls_level="may", max_connections=clients + 5), emit=lambda e: None
    )
    await ours.start()
    ctx = tlsconfig.server_context(certs.server_cert, certs.server_key)
    loop = asyncio.get_running_loop()
    bare = await loop.create_server(
        lambda: SMTP(_BareHandler(), tls_context=ctx, hostname="sandbox.test"),
        "127.0.0.1",
        0,
    )
    bare_port = bare.sockets[0].getsockname()[1]
    try:
        await concurrent_rate(ours.port, certs.ca_cert, 4, 2)  # warm up
        await concurrent_rate(bare_port, certs.ca_cert, 4, 2)
        ours_rates, bare_rates = [], []
        for i in range(REPEATS):  # alternate who goes first, so drift hits both alike
            pair = [(bare_port, bare_rates), (ours.port, ours_rates)]
            for port, rates in pair if i % 2 == 0 else pair[::-1]:
                rates.append(await concurrent_rate(port, certs.ca_cert, clients, sessions))
    finally:
        await ours.stop()
        bare.close()
        await bare.wait_closed()
    return statistics.median(ours_rates), statistics.median(bare_rates)


async def main(args: argparse.Namespace) -> None:
    direct, tapped, per_session = await bench_tap(args.rounds)
    print(f"one STARTTLS session, median of {args.rounds}:")
    print(f"  direct to the sandbox server      {direct * 1000:8.2f} ms")
    print(f"  through the tap, events collected {tapped * 1000:8.2f} ms  ({per_session} events)")
    print(f"  ratio tap/direct                  {tapped / direct:8.2f}x   (goal <= 1.25x)")
    ours, bare = await bench_concurrency(20, args.concurrent_sessions)
    print(
        f"20 concurrent STARTTLS clients x {args.concurrent_sessions} sessions, "
        f"median of {REPEATS}:"
    )
    print(f"  bare aiosmtpd                     {bare:8.1f} sessions/s")
    print(f"  sandbox server                    {ours:8.1f} sessions/s")
    print(f"  ratio sandbox/bare                {ours / bare:8.2f}x   (goal >= 0.8x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--concurrent-sessions", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
