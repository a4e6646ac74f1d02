"""Benchmark of `smtp-tutor serve` (issue 14, section 1): how long a served tutor takes to show
the course, and the memory each served learner costs.

    .venv/bin/python bench/serve.py [--learners 10] [--runs 5] [--chromium] [--json]

A real `smtp-tutor serve --port 0` on 127.0.0.1 with a fresh data dir. A websocket client speaks
what the browser's textual.js speaks (`/ws/learner/NAME?width=120&height=40`), so no browser is
needed here (tests/tutor/serve/test_serve_chromium.py drives a real one):

1. Time to course: from opening a tab's websocket to the frame that draws the course's title,
   one tab at a time (each a new tutor process), `--runs` times: median and worst.
   With `--chromium`, the same again in headless Chromium (the DevTools driver of
   tests/tutor/serve/cdp_chromium.py): from asking for the page to the course drawn in it,
   which adds the page, textual.js and the terminal's first paint.
2. Memory: `--learners` tabs open at once, each showing the course; then every tutor process
   under the server is read from /proc: RSS, and PSS (its shared pages divided among the
   processes that share them, so PSS adds up to what the tabs really cost). Per learner: the
   tutors' total over the number of tabs. The server's own process is reported apart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
TITLE = b"SMTP, TLS and STARTTLS"
_ESC = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]")


def start_server(data: Path) -> tuple[subprocess.Popen[str], str]:
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor", "serve", "--port", "0", "--max-learners", "100"],
        cwd=ROOT,
        env={**os.environ, "SMTP_TUTOR_DATA_DIR": str(data)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    if not first.startswith("Serving smtp-tutor on "):
        process.kill()
        raise SystemExit(f"serve did not start: {first!r}")
    return process, first.split()[-1]


async def until_course(ws: aiohttp.ClientWebSocketResponse, limit: float = 120.0) -> None:
    seen = b""
    async with asyncio.timeout(limit):
        async for message in ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                seen += message.data
                if TITLE in _ESC.sub(b"", seen):
                    return
            elif message.type != aiohttp.WSMsgType.TEXT:
                break
    raise RuntimeError("the course never came")


def ws_url(url: str, name: str) -> str:
    return url.replace("http://", "ws://") + f"ws/learner/{name}?width=120&height=40"


async def time_to_course(url: str, runs: int) -> list[float]:
    times = []
    async with aiohttp.ClientSession() as http:
        for n in range(runs):
            started = time.perf_counter()
            ws = await http.ws_connect(ws_url(url, f"timed{n}"))
            await until_course(ws)
            times.append(time.perf_counter() - started)
            await ws.close()
            await asyncio.sleep(1.0)  # the tutor quits before the next one starts
    return times


async def time_in_chromium(url: str, runs: int, profile: Path) -> list[float]:
    sys.path.insert(0, str(ROOT / "tests" / "tutor" / "serve"))
    from cdp_chromium import chromium  # type: ignore[import-not-found]  # the test's driver

    times = []
    async with chromium("chromium", profile) as browser:
        for n in range(runs):
            page = await browser.new_page()
            started = time.perf_counter()
            await page.goto(f"{url}?learner=browser{n}")
            await page.wait_text(TITLE.decode())
            times.append(time.perf_counter() - started)
            await page.call("Page.close")
            await asyncio.sleep(1.0)
    return times


def _kib(path: Path, field: str) -> int:
    try:
        text = path.read_text()
    except OSError:
        return 0
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) if found else 0


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def is_tutor(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"tutor" in cmdline and b"serve" not in cmdline and cmdline[0] != b"/bin/sh"


async def memory(url: str, server_pid: int, learners: int) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        tabs = [await http.ws_connect(ws_url(url, f"learner{n}")) for n in range(learners)]
        await asyncio.gather(*(until_course(ws) for ws in tabs))
        await asyncio.sleep(2.0)  # settled: every tutor idle on its course screen
        tutors = [pid for pid in descendants(server_pid) if is_tutor(pid)]
        rss = [_kib(Path(f"/proc/{pid}/status"), "VmRSS") for pid in tutors]
        pss = [_kib(Path(f"/proc/{pid}/smaps_rollup"), "Pss") for pid in tutors]
        server_rss = _kib(Path(f"/proc/{server_pid}/status"), "VmRSS")
        for ws in tabs:
            await ws.close()
    return {
        "learners": learners,
        "tutor_processes": len(tutors),
        "rss_mib_per_learner": round(sum(rss) / 1024 / max(learners, 1), 1),
        "pss_mib_per_learner": round(sum(pss) / 1024 / max(learners, 1), 1),
        "rss_mib_max": round(max(rss, default=0) / 1024, 1),
        "server_rss_mib": round(server_rss / 1024, 1),
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start_server(Path(tmp) / "data")
        try:
            times = await time_to_course(url, args.runs)
            browser = (
                await time_in_chromium(url, args.runs, Path(tmp) / "profile")
                if args.chromium
                else []
            )
            mem = await memory(url, process.pid, args.learners)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
    return {
        "time_to_course_s": {
            "median": round(statistics.median(times), 2),
            "max": round(max(times), 2),
            "runs": [round(t, 2) for t in times],
        },
        "memory": mem,
        "chromium_time_to_course_s": {
            "median": round(statistics.median(browser), 2) if browser else None,
            "max": round(max(browser), 2) if browser else None,
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chromium", action="store_true", help="time it in Chromium too")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    t, m = result["time_to_course_s"], result["memory"]
    print(f"time to course (one tab, a new tutor): median {t['median']} s, worst {t['max']} s")
    if args.chromium:
        b = result["chromium_time_to_course_s"]
        print(f"in Chromium (page, textual.js, tutor): median {b['median']} s, worst {b['max']} s")
    print(
        f"memory with {m['learners']} learners: {m['pss_mib_per_learner']} MiB PSS per learner"
        f" ({m['rss_mib_per_learner']} MiB RSS; largest tutor {m['rss_mib_max']} MiB RSS);"
        f" the server itself {m['server_rss_mib']} MiB RSS"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
