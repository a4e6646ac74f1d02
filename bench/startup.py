"""Benchmark of the tutor's UI (issue 5): start-up, memory, and frames while 1 MiB crosses the lab.

    .venv/bin/python bench/startup.py [--runs 10] [--skip-lab] [--json]

1. Cold start, whole process, to the first interactive course screen (`SMTP_TUTOR_EXIT_WHEN_READY`
   makes the app quit after its first frame), against a bare Textual app that shows the first
   lesson's Markdown and quits the same way. Both run under a pseudo-terminal, interleaved, in
   the same run. Goal: median ratio <= 1.2.
2. Peak memory (ru_maxrss of each child, from wait4). Goal: <= 80 MiB.
3. A real sandbox lab (server, tap, client on 127.0.0.1) receives a ~1 MiB message, in plaintext
   and over STARTTLS, in a headless app: every compositor frame, every event flush of the lab
   screen and the event loop's stalls are timed. Goal: none over 100 ms.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIRST_LESSON = ROOT / "lessons" / "en" / "01-what-is-smtp.md"
MESSAGE_BYTES = 1_000_000  # just under the sandbox's SIZE limit (1 MiB)

BARE_APP = """
import sys
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

text = open(sys.argv[1], encoding="utf-8").read().split("---", 2)[-1]

class Bare(App[None]):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(text)

    def on_mount(self) -> None:
        self.call_after_refresh(self.exit)

Bare().run()
"""


# --- 1 and 2: whole processes under a pty ---------------------------------------------------------


def run_in_pty(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run `argv` on an 80x24 pseudo-terminal; return (wall seconds, peak RSS in KiB)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))

    def drain() -> None:  # a full pty buffer would block the child
        try:
            while os.read(master, 65536):
                pass
        except OSError:
            pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT)
    os.close(slave)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    os.close(master)
    reader.join(timeout=2)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} exited with {proc.returncode}")
    return elapsed, usage.ru_maxrss


def startup(runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "SMTP_TUTOR_DATA_DIR": data,
            "SMTP_TUTOR_EXIT_WHEN_READY": "1",
        }
        tutor = [sys.executable, "-m", "tutor.cli.main", "--lang", "en"]
        bare = [sys.executable, "-c", BARE_APP, str(FIRST_LESSON)]
        run_in_pty(tutor, env)  # warm the disk cache and .pyc files for both
        run_in_pty(bare, env)
        times: dict[str, list[float]] = {"tutor": [], "bare": []}
        rss: dict[str, list[int]] = {"tutor": [], "bare": []}
        for _ in range(runs):  # interleaved, so load on the machine hits both alike
            for name, argv in (("tutor", tutor), ("bare", bare)):
                elapsed, peak = run_in_pty(argv, env)
                times[name].append(elapsed)
                rss[name].append(peak)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "runs": runs,
        "tutor_median_s": round(med["tutor"], 3),
        "bare_median_s": round(med["bare"], 3),
        "tutor_min_s": round(min(times["tutor"]), 3),
        "bare_min_s": round(min(times["bare"]), 3),
        "ratio_median": round(med["tutor"] / med["bare"], 3),
        "ratio_min": round(min(times["tutor"]) / min(times["bare"]), 3),
        "tutor_peak_rss_mib": round(max(rss["tutor"]) / 1024, 1),
        "bare_peak_rss_mib": round(max(rss["bare"]) / 1024, 1),
    }


# --- 3: a 1 MiB message through a real lab, in a child process ------------------------------------


def big_message() -> str:
    head = "From: learner@sandbox.test\r\nTo: friend@sandbox.test\r\nSubject: a big one\r\n\r\n"
    line = "The quick brown fox jumps over the lazy dog while the eavesdropper watches.\r\n"
    body = line * ((MESSAGE_BYTES - len(head)) // len(line))
    return head + body


def timed(
    record: list[float], fn: Callable[..., Any], cpu: list[float] | None = None
) -> Callable[..., Any]:
    """Wrap `fn` to append its wall time to `record` and, if given, its CPU time to `cpu` (the
    CPU time is what the code costs; wall time also counts other processes on a busy machine)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start, start_cpu = time.perf_counter(), time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            record.append(time.perf_counter() - start)
            if cpu is not None:
                cpu.append(time.thread_time() - start_cpu)

    return wrapper


async def lab_run(scenario: str) -> dict[str, Any]:
    import resource

    from textual.screen import Screen

    from tutor.ui.app import TutorApp
    from tutor.ui.screens.lab import LabScreen
    from tutor.ui.widgets.lab_panes import ConversationPane, EavesdropperPane

    frames: list[float] = []
    frames_cpu: list[float] = []
    flushes: list[float] = []
    flushes_cpu: list[float] = []
    refresh, layout = Screen._compositor_refresh, Screen._refresh_layout
    Screen._compositor_refresh = timed(frames, refresh, frames_cpu)  # type: ignore[method-assign]
    Screen._refresh_layout = timed(frames, layout, frames_cpu)  # type: ignore[method-assign]
    LabScreen.flush = timed(flushes, LabScreen.flush, flushes_cpu)  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as data:
        os.environ["SMTP_TUTOR_DATA_DIR"] = data
        app = TutorApp(lang="en", progress_path=Path(data) / "progress.json", freeze_gc=True)
        async with app.run_test(size=(160, 50)) as pilot:
            app.open_lab(scenario)
            await pilot.pause()
            lab = app.screen
            assert isinstance(lab, LabScreen)
            async with asyncio.timeout(30):  # a lab that cannot start fails the run, not hangs it
                while lab.session is None:
                    await pilot.pause(0.05)
            session: Any = lab.session
            while not session.script[session.position].label.startswith("DATA"):
                await session.step()
            for record in (frames, frames_cpu, flushes, flushes_cpu):
                record.clear()
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            stalls: list[float] = []
            done = asyncio.Event()

            async def watch_loop() -> None:  # how late does a 5 ms sleep wake up?
                while not done.is_set():
                    start = time.perf_counter()
                    await asyncio.sleep(0.005)
                    stalls.append(time.perf_counter() - start - 0.005)

            watcher = asyncio.create_task(watch_loop())
            start = time.perf_counter()
            reply = await session.client.data(big_message())
            transfer = time.perf_counter() - start
            await pilot.pause(0.3)  # let the last batches reach the panes
            done.set()
            await watcher
            conversation = lab.query_one(ConversationPane)
            eavesdropper = lab.query_one(EavesdropperPane)
            await session.step()  # QUIT
            result = {
                "scenario": scenario,
                "reply": str(reply),
                "transfer_s": round(transfer, 3),
                "events": lab.events_seen,
                "conversation_lines": conversation.total_lines,
                "conversation_elided": conversation.elided,
                "eavesdropper_lines": eavesdropper.total_lines,
                "frames": len(frames),
                "frame_max_ms": round(max(frames, default=0) * 1000, 1),
                "frame_p99_ms": round(_p99(frames) * 1000, 1),
                "frames_over_100ms": sum(f > 0.1 for f in frames),
                "flushes": len(flushes),
                "flush_max_ms": round(max(flushes, default=0) * 1000, 1),
                "frame_cpu_max_ms": round(max(frames_cpu, default=0) * 1000, 1),
                "flush_cpu_max_ms": round(max(flushes_cpu, default=0) * 1000, 1),
                "load_average": round(os.getloadavg()[0], 2),
                "loop_stall_max_ms": round(max(stalls, default=0) * 1000, 1),
            }
    result["rss_before_message_mib"] = round(rss_before / 1024, 1)
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def _p99(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def lab(scenario: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child-lab", scenario],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--skip-lab", action="store_true")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of a report")
    parser.add_argument("--child-lab", metavar="SCENARIO", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_lab:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(asyncio.run(lab_run(args.child_lab))))
        return 0
    report: dict[str, Any] = {"startup": startup(args.runs)}
    if not args.skip_lab:
        report["lab"] = [lab("plaintext"), lab("starttls")]
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    s = report["startup"]
    print(f"cold start to the course screen, median of {s['runs']} (min):")
    print(f"  smtp-tutor     {s['tutor_median_s']:.3f} s ({s['tutor_min_s']:.3f})")
    print(f"  bare Markdown  {s['bare_median_s']:.3f} s ({s['bare_min_s']:.3f})")
    print(f"  ratio          {s['ratio_median']:.2f}x ({s['ratio_min']:.2f}x)   goal <= 1.2x")
    print(
        f"peak memory: smtp-tutor {s['tutor_peak_rss_mib']} MiB,"
        f" bare {s['bare_peak_rss_mib']} MiB   goal <= 80 MiB"
    )
    for r in report.get("lab", []):
        print(
            f"lab {r['scenario']}: {r['events']} events, {r['conversation_lines']} conversation"
            f" lines ({r['conversation_elided']} elided), transfer {r['transfer_s']} s;"
            f" frames {r['frames']} max {r['frame_max_ms']} ms (CPU {r['frame_cpu_max_ms']} ms),"
            f" {r['frames_over_100ms']} over 100 ms;"
            f" flushes {r['flushes']} max {r['flush_max_ms']} ms (CPU {r['flush_cpu_max_ms']} ms);"
            f" loop stall max {r['loop_stall_max_ms']} ms; peak {r['peak_rss_mib']} MiB"
            "   goal: none over 100 ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
