"""The wire decoder alone, on the reads of one real STARTTLS session (issue 15).

One session (EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT, DATA, QUIT) runs once over loopback with the
observer under the server's socket; its reads, both ways, are kept. Then they are fed again and
again to a fresh `ConnectionDecoder` per session, and timed beside two baselines in the same
process (interleaved, so drift hits all alike):

- careful: the same decoder with its fast paths off (`careful=True`: events by their public
  constructors, records through `feed_fields`, hellos by the cursor decoder): the decoder as it was
  before them (measured against that commit's code: within a few percent, a little faster); it
  must give the same events, and this script checks it does
- framing: the least any eavesdropper does: a `WireChunk` per read, and the TLS bytes of each
  direction cut into records by `TlsRecordParser.feed_fields`, no events for them

    .venv/bin/python bench/decoder.py [--sessions 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("SMTP_TUTOR_DATA_DIR", tempfile.mkdtemp(prefix="smtp-tutor-bench-"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sessions import one_session  # bench/sessions.py: the same session, the same client

from sandbox.events import SandboxEvent, Side, WireChunk, WireSwitch
from sandbox.pki.certs import ensure_certs
from sandbox.smtpd.accounts import demo_account
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from sandbox.wire.decode import ConnectionDecoder
from sandbox.wire.observer import WireObserver
from sandbox.wire.quick_events import quick_chunk
from sandbox.wire.tlsrecords import TlsRecordParser

Reads = list[tuple[Side, bytes]]


async def record_session() -> tuple[Reads, dict[Side, int]]:
    """The reads of one real session, in order, and where TLS starts in each direction."""
    certs = ensure_certs()
    account = demo_account()
    events: list[SandboxEvent] = []
    server = SandboxServer(
        ServerPolicy(tls_level="encrypt"), emit=lambda e: None, observer=WireObserver(events.append)
    )
    await server.start()
    try:
        auth = (account.username, account.password)
        await one_session(server.port, certs.ca_cert, lambda e: None, auth)
    finally:
        await server.stop()
    reads = [(e.sender, e.data) for e in events if isinstance(e, WireChunk)]
    switches = {e.sender: e.offset for e in events if isinstance(e, WireSwitch)}
    return reads, switches


def decode(reads: Reads, *, careful: bool) -> list[SandboxEvent]:
    events: list[SandboxEvent] = []
    decoder = ConnectionDecoder(events.append, careful=careful)
    for sender, data in reads:
        decoder.feed(sender, data)
    decoder.finish()
    return events


def framing(reads: Reads, switches: dict[Side, int]) -> list[object]:
    out: list[object] = []
    parsers = {side: TlsRecordParser() for side in Side}
    seen = dict.fromkeys(Side, 0)
    for sender, data in reads:
        start = seen[sender]
        seen[sender] = start + len(data)
        out.append(quick_chunk(sender, start, data, 0.0))
        tls = switches.get(sender)
        if tls is not None and start + len(data) > tls:
            out.extend(parsers[sender].feed_fields(data[max(tls - start, 0) :]))
    return out


def per_session(fn: Callable[[], object], sessions: int) -> float:
    """CPU microseconds per call of `fn`, over `sessions` calls."""
    start = time.process_time()
    for _ in range(sessions):
        fn()
    return (time.process_time() - start) / sessions * 1e6


def same_events(a: list[SandboxEvent], b: list[SandboxEvent]) -> bool:
    """Equal but for the time stamps (each run reads the clock anew)."""
    return len(a) == len(b) and all(
        x == dataclasses.replace(y, ts=x.ts) for x, y in zip(a, b, strict=True)
    )


def spread(values: list[float], fmt: str = "6.2f") -> str:
    return " ".join(format(v, fmt) for v in (min(values), statistics.median(values), max(values)))


def main(args: argparse.Namespace) -> None:
    reads, switches = asyncio.run(record_session())
    fast_events = decode(reads, careful=False)
    if not same_events(fast_events, decode(reads, careful=True)):
        raise SystemExit("the fast and the careful decoder disagree on this session")
    n = args.sessions
    fast, careful, frame = [], [], []
    runs = max(args.runs, 5)
    for _ in range(runs):
        frame.append(per_session(lambda: framing(reads, switches), n))
        careful.append(per_session(lambda: decode(reads, careful=True), n))
        fast.append(per_session(lambda: decode(reads, careful=False), n))
    ratio_careful = [f / c for f, c in zip(fast, careful, strict=True)]
    ratio_frame = [f / b for f, b in zip(fast, frame, strict=True)]
    size = sum(len(data) for _, data in reads)
    print(
        f"one real STARTTLS session: {len(reads)} reads, {size} bytes, "
        f"{len(fast_events)} events; min / median / max of {runs} runs of {n} sessions"
    )
    print(f"  decoder, fast paths      {spread(fast, '7.1f')} us/session")
    print(f"  decoder, careful paths   {spread(careful, '7.1f')} us/session")
    print(f"  framing only (baseline)  {spread(frame, '7.1f')} us/session")
    print(f"  fast / careful           {spread(ratio_careful)}")
    print(f"  fast / framing           {spread(ratio_frame)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    main(parser.parse_args())
