"""Benchmark the endpoints' view (issue 12): what decrypting and annotating adds to a session.

Printed from one run, against baselines run in the same process:

1. Live: a whole STARTTLS lab session (server, tap, client, every event collected) as the demo
   runs it, against the same session with the client keeping its secrets, every event fed to a
   live `TlsDecryptor` as it comes and the handshake annotated at the end. Sessions interleaved;
   the medians and the difference per session.
2. The work alone, on the events of one recorded session: decrypting every record and annotating
   the handshake, against what the tap already does for the same bytes (the wire decoder). Goal:
   the decrypt view adds at most 0.5 ms per session.
3. A 1 MiB message: the longest single `feed` while its records are decrypted (the UI feeds one
   event at a time; goal: no call near a 100 ms frame), and the throughput.

    .venv/bin/python bench/decrypt.py [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace

os.environ.setdefault("SMTP_TUTOR_DATA_DIR", tempfile.mkdtemp(prefix="smtp-tutor-bench-"))

from sandbox.events import SandboxEvent, WireChunk
from sandbox.lab import scenarios
from sandbox.lab.session import LabSession
from sandbox.tlsview.annotate import annotate
from sandbox.tlsview.decrypt import TlsDecryptor
from sandbox.tlsview.keylog import KeyLog
from sandbox.wire.decode import ConnectionDecoder

TARGET_MS = 0.5


async def lab_session(view: bool) -> tuple[float, list[SandboxEvent], KeyLog]:
    events: list[SandboxEvent] = []
    decryptor: TlsDecryptor | None = None

    def emit(event: SandboxEvent) -> None:
        events.append(event)
        if decryptor is not None:
            decryptor.feed(event)

    start = time.perf_counter()
    session = LabSession("starttls", emit=emit, keep_secrets=view, timeout=30)
    if view:
        decryptor = TlsDecryptor(lambda: session.keylog)
    await session.start()
    try:
        await session.play()
    finally:
        await session.stop()
    if decryptor is not None:
        decryptor.finish()
        annotate(decryptor)
    return time.perf_counter() - start, events, session.keylog


async def live(rounds: int) -> tuple[float, float, list[SandboxEvent], KeyLog]:
    for _ in range(3):  # warm up both paths
        await lab_session(False)
        await lab_session(True)
    plain: list[float] = []
    viewed: list[float] = []
    events: list[SandboxEvent] = []
    keylog = KeyLog()
    for _ in range(rounds):  # interleaved, so drift hits both alike
        plain.append((await lab_session(False))[0])
        seconds, events, keylog = await lab_session(True)
        viewed.append(seconds)
    return statistics.median(plain), statistics.median(viewed), events, keylog


def per_call(fn: Callable[[], object], repeat: int) -> float:
    best = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        best.append((time.perf_counter() - start) / repeat)
    return min(best)


def work_alone(
    events: list[SandboxEvent], keylog: KeyLog, repeat: int
) -> tuple[float, float, float]:
    """Seconds per session: the wire decoder, decrypting every record, annotating."""
    reads = [(e.sender, e.data) for e in events if isinstance(e, WireChunk)]

    def wire() -> None:
        decoder = ConnectionDecoder(lambda e: None)
        for side, data in reads:
            decoder.feed(side, data)

    def decrypt() -> None:
        TlsDecryptor(keylog).feed_all(events)

    followed = TlsDecryptor(keylog)
    followed.feed_all(events)
    return (
        per_call(wire, repeat),
        per_call(decrypt, repeat),
        per_call(lambda: annotate(followed), repeat),
    )


async def big_message() -> tuple[float, float, int]:
    line = b"0123456789" * 7 + b"abcdefgh"
    body = b"Subject: big\r\n\r\n" + b"\r\n".join([line] * (1024 * 1024 // 80)) + b"\r\n"
    events: list[SandboxEvent] = []
    base = LabSession("starttls", emit=events.append).scenario.server_policy
    session = LabSession(
        "starttls",
        emit=events.append,
        keep_secrets=True,
        timeout=60,
        server_policy=replace(base, max_message_size=4 * 1024 * 1024),
    )
    await session.start()
    try:
        while session.script[session.position] is not scenarios.DATA:
            await session.step()
        await session.client.data(body)
        await session.client.quit()
    finally:
        await session.stop()
    decryptor = TlsDecryptor(session.keylog)
    longest = 0.0
    start = time.perf_counter()
    opened = 0
    for event in events:
        t0 = time.perf_counter()
        opened += sum(len(r.plaintext) for r in decryptor.feed(event))
        longest = max(longest, time.perf_counter() - t0)
    return longest, time.perf_counter() - start, opened


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    plain, viewed, events, keylog = asyncio.run(live(args.rounds))
    print(f"1. A whole STARTTLS lab session, median of {args.rounds}:")
    print(f"   without the view {plain * 1000:8.2f} ms")
    print(f"   with the view    {viewed * 1000:8.2f} ms   ratio {viewed / plain:.3f}x,")
    print(f"   added {(viewed - plain) * 1000:+.2f} ms (noise of a loopback session included)")

    wire, decrypt, annotated = work_alone(events, keylog, repeat=50)
    records = sum(1 for e in events if type(e).__name__ == "WireRecord")
    print(f"2. The work alone, one session of {len(events)} events, {records} TLS records:")
    print(f"   wire decoder (the tap's own work)  {wire * 1000:7.3f} ms")
    print(
        f"   decrypt every record               {decrypt * 1000:7.3f} ms   "
        f"ratio {decrypt / wire:.2f}x"
    )
    print(
        f"   annotate the handshake (on demand) {annotated * 1000:7.3f} ms   "
        f"ratio {annotated / wire:.2f}x"
    )
    verdict = "met" if decrypt * 1000 <= TARGET_MS else "NOT met on this machine"
    print(f"   goal: the decrypt view adds at most {TARGET_MS} ms per session: {verdict}")

    longest, total, opened = asyncio.run(big_message())
    print(f"3. A 1 MiB message: {opened / 1024 / 1024:.2f} MiB opened in {total * 1000:.1f} ms")
    print(
        f"   ({opened / total / 1024 / 1024:.0f} MiB/s); the longest single feed "
        f"{longest * 1000:.2f} ms (a frame is 100 ms at most)"
    )


if __name__ == "__main__":
    main()
