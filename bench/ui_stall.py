"""Benchmark (issue 15): the worst UI event-loop stall while a 1 MiB message crosses the lab,
against the same lab sending a small message, with the real terminal driver.

    .venv/bin/python bench/ui_stall.py [--runs 5] [--scenario starttls]

Each run is a child process on a 160x50 pseudo-terminal (Textual's own Linux driver, writing
real escape sequences that a thread here reads and throws away, as a terminal would). The
child opens the lab, steps to DATA, then sends the message while a watcher measures how late a
5 ms sleep wakes up: that lateness is what a learner feels as a frozen screen. Big and small runs
are interleaved so the machine's load hits both alike; the figure is the ratio of their worst
stalls (goal: <= 1.2x), with min/median/max over the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import big_message  # noqa: E402  (bench/ is not a package)

SMALL = "From: learner@sandbox.test\r\nTo: friend@sandbox.test\r\nSubject: hi\r\n\r\nHello.\r\n"


async def child(scenario: str, size: str) -> dict[str, Any]:
    """Runs in the pty: the real app, the real driver, one message; returns what it measured."""
    from tutor.ui.app import TutorApp
    from tutor.ui.screens.lab import LabScreen

    data = tempfile.mkdtemp(prefix="smtp-tutor-stall-")
    os.environ["SMTP_TUTOR_DATA_DIR"] = data
    app = TutorApp(lang="en", progress_path=Path(data) / "progress.json", freeze_gc=True)
    result: dict[str, Any] = {}

    async def work() -> None:
        try:
            app.open_lab(scenario)
            async with asyncio.timeout(60):
                # the lab exposes no "session ready" event; polling is fine in a benchmark
                while not isinstance(app.screen, LabScreen) or app.screen.session is None:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
                lab = app.screen
                session: Any = lab.session
                while not session.script[session.position].label.startswith("DATA"):
                    await session.step()
                await asyncio.sleep(0.3)  # let the screen settle before measuring
                stalls: list[float] = []
                done = asyncio.Event()

                async def watch_loop() -> None:
                    while not done.is_set():
                        start = time.perf_counter()
                        await asyncio.sleep(0.005)
                        stalls.append(time.perf_counter() - start - 0.005)

                watcher = asyncio.create_task(watch_loop())
                message = big_message() if size == "big" else SMALL
                start = time.perf_counter()
                reply = await session.client.data(message)
                transfer = time.perf_counter() - start
                await asyncio.sleep(0.5)  # the panes take in the last batches
                done.set()
                await watcher
                result.update(
                    reply=reply.code,
                    transfer_s=transfer,
                    stall_max_ms=max(stalls, default=0.0) * 1000,
                    events=lab.events_seen,
                )
        except BaseException as exc:  # reported by the parent, which sees no terminal
            result["error"] = repr(exc)
        finally:
            app.exit()

    app.call_later(lambda: asyncio.ensure_future(work()))
    await app.run_async()
    return result


def run_child(scenario: str, size: str) -> dict[str, Any]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))

    def drain() -> None:  # a full pty buffer would block the child, as a hung terminal would
        try:
            while os.read(master, 65536):
                pass
        except OSError:
            pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        env = {**os.environ, "TERM": "xterm-256color"}
        argv = [sys.executable, __file__, "--child", scenario, size, str(out)]
        proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT)
        os.close(slave)
        try:
            proc.wait(timeout=180)
        finally:
            os.close(master)
            reader.join(timeout=2)
        if not out.exists():
            raise RuntimeError(f"the {size} run wrote no result (exit {proc.returncode})")
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    if "error" in result:
        raise RuntimeError(f"the {size} run failed: {result['error']}")
    return result


def spread(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scenario", default="starttls")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        scenario, size, out = args.child
        result = asyncio.run(child(scenario, size))
        Path(out).write_text(json.dumps(result), encoding="utf-8")
        return 0
    big: list[float] = []
    small: list[float] = []
    ratios: list[float] = []
    for i in range(max(args.runs, 1)):
        print(f"run {i + 1}/{args.runs}...", file=sys.stderr)
        s = run_child(args.scenario, "small")
        b = run_child(args.scenario, "big")
        small.append(s["stall_max_ms"])
        big.append(b["stall_max_ms"])
        ratios.append(b["stall_max_ms"] / max(s["stall_max_ms"], 0.001))
        print(
            f"  small: reply {s['reply']}, {s['events']} events, stall {s['stall_max_ms']:.1f} ms;"
            f" 1 MiB: reply {b['reply']}, {b['events']} events, stall {b['stall_max_ms']:.1f} ms,"
            f" transfer {b['transfer_s']:.3f} s",
            file=sys.stderr,
        )
    print(f"worst UI loop stall, lab {args.scenario!r}, real driver, min / median / max:")
    print(f"  small message  {spread(small)} ms")
    print(f"  1 MiB message  {spread(big)} ms")
    print(f"  ratio          {spread(ratios)}x   goal <= 1.2x; load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
