"""What writing a session's capture costs (issue 12, section 3), against what the eavesdropper
already does with the same bytes, in the same run.

    .venv/bin/python bench/capture.py [--sizes 1e6,8e6] [--runs 3]

A session of SIZE bytes of message (the tap's chunks of 64 KiB, as the wire decoder sees them)
is turned into a pcapng of both TCP legs of a relayed connection, the larger of the two shapes
a capture takes (`sandbox.capture.write.capture_bytes`), and, as the baseline, fed through the
tap's own decoder (`sandbox.wire.decode.ConnectionDecoder`), the work every lab session already
does. Printed: milliseconds for each, the ratio capture/decoder, and
the capture's cost at the largest size against the smallest (about the ratio of the sizes when it
is linear). Costs are the least CPU time of this thread over `--runs` runs (`time.thread_time`),
so a neighbour that takes the CPU does not count.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.capture.write import capture_bytes
from sandbox.events import SandboxEvent, SessionStarted, Side, WireChunk
from sandbox.wire.decode import ConnectionDecoder

CHUNK = 65536


def session(size: int) -> list[tuple[Side, bytes]]:
    body = b"".join(b"line %d of the message, %s\r\n" % (i, b"x" * 40) for i in range(size // 60))
    return [
        (Side.SERVER, b"220 sandbox.test ESMTP\r\n"),
        (Side.CLIENT, b"EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n"),
        (Side.SERVER, b"250 OK\r\n250 OK\r\n250 OK\r\n354 go on\r\n"),
        *((Side.CLIENT, body[i : i + CHUNK]) for i in range(0, len(body), CHUNK)),
        (Side.CLIENT, b".\r\nQUIT\r\n"),
        (Side.SERVER, b"250 queued\r\n221 bye\r\n"),
    ]


def as_events(feeds: list[tuple[Side, bytes]]) -> list[SandboxEvent]:
    events: list[SandboxEvent] = [SessionStarted(scenario="b", server="s", via_tap="t", ts=0.0)]
    offsets = {Side.CLIENT: 0, Side.SERVER: 0}
    for n, (side, data) in enumerate(feeds):
        events.append(WireChunk(sender=side, offset=offsets[side], data=data, ts=n / 1000))
        offsets[side] += len(data)
    return events


def decode(feeds: list[tuple[Side, bytes]], size: int) -> object:
    events: list[SandboxEvent] = []
    decoder = ConnectionDecoder(events.append, max_capture_bytes=2 * size + 4096)
    for side, data in feeds:
        decoder.feed(side, data)
    decoder.finish()
    return events


def least(run: Callable[[], object], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        start = time.thread_time()
        run()
        best = min(best, time.thread_time() - start)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1e6,8e6", help="message sizes in bytes")
    ap.add_argument("--runs", type=int, default=3, help="runs per size; the least counts")
    args = ap.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    capture_costs = []
    print(f"{'size':>10} {'capture ms':>11} {'decoder ms':>11} {'capture/decoder':>16}")
    for size in sizes:
        feeds = session(size)
        events = as_events(feeds)
        cap = least(lambda e=events: capture_bytes(e, port=587, offset=0.0), args.runs)
        dec = least(lambda f=feeds, s=size: decode(f, s), args.runs)
        capture_costs.append(cap)
        print(f"{size:>10} {cap * 1e3:>11.1f} {dec * 1e3:>11.1f} {cap / dec:>15.2f}x")
    if len(sizes) > 1:
        print(
            f"capture at {sizes[-1]} bytes against {sizes[0]}: "
            f"{capture_costs[-1] / capture_costs[0]:.1f}x for {sizes[-1] / sizes[0]:.1f}x the bytes"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
