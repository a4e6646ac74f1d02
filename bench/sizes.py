"""Every parser at 1 KB, 1 MB and 10 MB (issue 15): seconds per MB for each, and the cost of
10 MB against 1 MB in the same run (a parser that is linear in its input gives about 10x).

    .venv/bin/python bench/sizes.py [--sizes 1e3,1e6,1e7] [--runs 3] [only...]

Each input is built to stress its parser: a lesson's front matter of continuation lines, a quiz of
many choices, a transcript, a paragraph of links, Q&A prose; TLS records of every size; an SMTP
session's plaintext lines through the wire decoder; multi-line SMTP replies; the JSON of the
decoder's events. Lessons are parsed with no size limit (`limit=None`): the tutor refuses a
lesson over `tutor.model.parse.MAX_LESSON_BYTES` before parsing it. The cost of one input is the
least CPU time of this thread over `--runs` runs (`time.thread_time`): waiting for a busy CPU
does not count, and the minimum drops the runs a neighbour slowed down.
tests/test_parser_sizes.py loads this file and checks the ratios.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.client.replies import ReplyParser
from sandbox.eventjson import event_to_json
from sandbox.events import SandboxEvent, Side
from sandbox.wire.decode import ConnectionDecoder
from sandbox.wire.tlsrecords import TlsRecordParser
from tutor.model.parse import parse_text

_HEAD = "---\nid: big\ntitle: Big\nsummary: s\nminutes: 5\nscenario: plaintext\n---\n\n## Step\n\n"


def _repeat(size: int, piece: Callable[[int], str]) -> str:
    out: list[str] = []
    total, i = 0, 0
    while total < size:
        s = piece(i)
        out.append(s)
        total += len(s)
        i += 1
    return "".join(out)


def front_matter(size: int) -> str:
    more = _repeat(size, lambda i: f"  words {i} and 日本語\n")
    tail = "minutes: 5\nscenario: plaintext\n---\n\n## S\n\nx\n"
    return f"---\nid: big\ntitle: Big\nsummary:\n{more}{tail}"


def blocks(size: int) -> str:
    third = max(size // 3, 1)
    choices = _repeat(third, lambda i: f"  - choice {i}\n")
    question = _repeat(third, lambda i: f"  word {i}\n")
    transcript = _repeat(third, lambda i: f"C: NOOP {i}\nS: 250 OK\n")
    return (
        f"{_HEAD}```quiz\nquestion:\n{question}choices:\n{choices}answer: 1\nhint: h\nexplain: e\n"
        f"```\n\n```transcript\n{transcript}```\n"
    )


def links(size: int) -> str:
    return _HEAD + _repeat(size, lambda i: f"see [l{i}](f{i}.md) and ![i](p{i}.png)\n")


def prose(size: int) -> str:
    return _HEAD + _repeat(size, lambda i: f"**Q:** why {i}?\n\n**A:** because {'x ' * 20}\n\n")


def lesson(build: Callable[[int], str]) -> Callable[[int], Callable[[], object]]:
    def prepare(size: int) -> Callable[[], object]:
        text = build(size)
        return lambda: parse_text(text, "big.md", limit=None)

    return prepare


def _tls_stream(size: int) -> bytes:
    out = bytearray()
    n = 0
    while len(out) < size:
        length = 1 + (n * 7919) % 16384
        out += bytes((23, 3, 3)) + length.to_bytes(2, "big") + bytes(length)
        n += 1
    return bytes(out)


def _chunks(data: bytes, step: int) -> list[bytes]:
    return [data[i : i + step] for i in range(0, len(data), step)]


def tls_records(size: int) -> Callable[[], object]:
    chunks = _chunks(_tls_stream(size), 1400)

    def run() -> object:
        parser = TlsRecordParser()
        return [parser.feed(c) for c in chunks]

    return run


def _session(size: int) -> list[tuple[Side, bytes]]:
    body = _repeat(size, lambda i: f"line {i} of the message, {'x' * 40}\r\n").encode()
    client = b"EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n"
    return [
        (Side.SERVER, b"220 sandbox.test ESMTP\r\n"),
        (Side.CLIENT, client),
        (Side.SERVER, b"250 OK\r\n250 OK\r\n250 OK\r\n354 go on\r\n"),
        *((Side.CLIENT, c) for c in _chunks(body + b".\r\n", 65536)),
        (Side.SERVER, b"250 queued\r\n"),
    ]


def _decode(feeds: list[tuple[Side, bytes]], size: int) -> list[SandboxEvent]:
    events: list[SandboxEvent] = []
    decoder = ConnectionDecoder(events.append, max_capture_bytes=2 * size + 4096)
    for side, data in feeds:
        decoder.feed(side, data)
    decoder.finish()
    return events


def wire_lines(size: int) -> Callable[[], object]:
    feeds = _session(size)
    return lambda: _decode(feeds, size)


def event_json(size: int) -> Callable[[], object]:
    events = _decode(_session(size), size)
    return lambda: [json.dumps(event_to_json(e)) for e in events]


def replies(size: int) -> Callable[[], object]:
    one = b"".join(b"250-line %d of a reply\r\n" % i for i in range(20)) + b"250 done\r\n"
    chunks = _chunks(one * max(size // len(one), 1), 1000)

    def run() -> object:
        parser = ReplyParser()
        return [parser.feed(c) for c in chunks]

    return run


PARSERS: dict[str, Callable[[int], Callable[[], object]]] = {
    "lesson front matter": lesson(front_matter),
    "lesson blocks": lesson(blocks),
    "lesson links": lesson(links),
    "lesson prose": lesson(prose),
    "TLS records": tls_records,
    "wire lines": wire_lines,
    "replies": replies,
    "event JSON": event_json,
}


def cost(prepare: Callable[[int], Callable[[], object]], size: int, runs: int) -> float:
    """The least CPU seconds of this thread over `runs` runs of the parser on `size` bytes."""
    run = prepare(size)
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        start = time.thread_time()
        run()
        best = min(best, time.thread_time() - start)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1e3,1e6,1e7", help="input sizes in bytes")
    ap.add_argument("--runs", type=int, default=3, help="runs per size; the least counts")
    ap.add_argument("only", nargs="*", help="parsers to run (default: all)")
    args = ap.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    print(f"{'parser':20}" + "".join(f"{f'{s / 1e6:g} MB s/MB':>16}" for s in sizes) + "   ratio")
    for name, prepare in PARSERS.items():
        if args.only and name not in args.only:
            continue
        costs = [cost(prepare, size, args.runs) for size in sizes]
        per_mb = "".join(f"{c / (s / 1e6):16.3f}" for c, s in zip(costs, sizes, strict=True))
        ratio = costs[-1] / costs[-2] if len(costs) > 1 and costs[-2] else float("nan")
        print(f"{name:20}{per_mb}   {ratio:5.1f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
