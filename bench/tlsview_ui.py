"""Benchmark the Eavesdropper pane's views of TLS (issue 12, figures), on real lab sessions.

1. Per session: a recorded STARTTLS session's events fed to the Eavesdropper pane as the lab
   feeds them (one batch), listener view against the endpoints' view (the records opened with
   the session's own keys and their lines), and the handshake view made. Goal: the decrypt view
   adds at most 0.5 ms per session.
2. A 1 MiB message in the lab: a real session sends it while its events reach the three lab
   panes in the lab's own batches (every 50 ms, as `tutor.ui.screens.lab.FLUSH_INTERVAL`), the
   Eavesdropper in the endpoints' view; a heartbeat on the UI's loop measures its longest stall
   (the worst frame), and each batch's pane work is timed. Goal: no frame over 100 ms.

    .venv/bin/python bench/tlsview_ui.py [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import replace

os.environ.setdefault("SMTP_TUTOR_DATA_DIR", tempfile.mkdtemp(prefix="smtp-tutor-bench-"))

from textual.app import ComposeResult

from sandbox.events import SandboxEvent
from sandbox.lab import scenarios
from sandbox.lab.session import LabSession
from sandbox.tlsview.keylog import KeyLog
from tutor.ui.lang import LangApp
from tutor.ui.tls_live import LiveTls
from tutor.ui.widgets.eavesdropper import EavesdropperPane, TlsView
from tutor.ui.widgets.lab_panes import ConnectionPane, ConversationPane

TARGET_MS = 0.5
FRAME_MS = 100.0
FLUSH = 0.05


class PanesApp(LangApp):
    def compose(self) -> ComposeResult:
        yield ConversationPane()
        yield EavesdropperPane()
        yield ConnectionPane()


async def one_session() -> tuple[list[SandboxEvent], KeyLog]:
    events: list[SandboxEvent] = []
    session = LabSession("starttls", emit=events.append, keep_secrets=True, timeout=30)
    await session.start()
    try:
        await session.play()
    finally:
        await session.stop()
    return events, session.keylog


def decrypt_alone(events: list[SandboxEvent], keylog: KeyLog, rounds: int) -> float:
    """What both views pay: following the session's TLS (`LiveTls`, one batch)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        LiveTls(lambda: keylog).feed(events)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def per_session(rounds: int) -> tuple[float, float, float, float]:
    events, keylog = await one_session()
    alone = decrypt_alone(events, keylog, rounds)
    app = PanesApp()
    listener: list[float] = []
    endpoints: list[float] = []
    handshake: list[float] = []
    async with app.run_test(size=(160, 50)):
        pane = app.query_one(EavesdropperPane)
        pane.keys = lambda: keylog
        for _ in range(rounds):  # interleaved, so drift hits both alike
            for view, out in ((TlsView.LISTENER, listener), (TlsView.ENDPOINTS, endpoints)):
                pane.reset()
                pane.view = view
                start = time.perf_counter()
                pane.add_events(events)
                out.append(time.perf_counter() - start)
            start = time.perf_counter()
            pane.set_view(TlsView.HANDSHAKE)
            handshake.append(time.perf_counter() - start)
            pane.view = TlsView.LISTENER
    return (
        alone,
        statistics.median(listener),
        statistics.median(endpoints),
        statistics.median(handshake),
    )


async def big_message() -> tuple[float, float, int, float, int]:
    line = b"0123456789" * 7 + b"abcdefgh"
    body = b"Subject: big\r\n\r\n" + b"\r\n".join([line] * (1024 * 1024 // 80)) + b"\r\n"
    pending: list[SandboxEvent] = []
    app = PanesApp()
    flushes: list[float] = []
    stalls: list[float] = []
    async with app.run_test(size=(160, 50)) as pilot:
        panes: list[ConversationPane | EavesdropperPane | ConnectionPane] = [
            app.query_one(ConversationPane),
            app.query_one(EavesdropperPane),
            app.query_one(ConnectionPane),
        ]
        eaves = app.query_one(EavesdropperPane)
        eaves.view = TlsView.ENDPOINTS
        base = LabSession("starttls", emit=pending.append).scenario.server_policy
        session = LabSession(
            "starttls",
            emit=pending.append,
            keep_secrets=True,
            timeout=60,
            server_policy=replace(base, max_message_size=4 * 1024 * 1024),
        )
        eaves.keys = lambda: session.keylog

        def flush() -> None:
            if not pending:
                return
            batch = pending[:]
            pending.clear()
            start = time.perf_counter()
            for pane in panes:
                pane.add_events(batch)
            flushes.append(time.perf_counter() - start)

        app.set_interval(FLUSH, flush)
        done = False

        async def heartbeat() -> None:  # the UI loop's longest stall: the worst frame
            last = time.perf_counter()
            while not done:
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                stalls.append(now - last - 0.005)
                last = now

        beat = asyncio.create_task(heartbeat())
        await session.start()
        start = time.perf_counter()
        try:
            while session.script[session.position] is not scenarios.DATA:
                await session.step()
            await session.client.data(body)
            await session.client.quit()
        finally:
            await session.stop()
        await pilot.pause(0.3)
        flush()
        total = time.perf_counter() - start
        done = True
        await beat
        opened = sum(1 for line in eaves.plain_lines if line.startswith("    🔓"))
    return max(stalls), max(flushes), len(flushes), total, opened


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    alone, listener, endpoints, handshake = asyncio.run(per_session(args.rounds))
    print(f"1. One STARTTLS session's events into the Eavesdropper pane, median of {args.rounds}:")
    verdict = "met" if alone * 1000 <= TARGET_MS else "NOT met on this machine"
    print(f"   decrypting it (both views)  {alone * 1000:7.3f} ms (goal <= {TARGET_MS}: {verdict})")
    print(f"   listener view             {listener * 1000:7.3f} ms")
    print(f"   endpoints' view           {endpoints * 1000:7.3f} ms")
    added = (endpoints - listener) * 1000
    print(f"   the endpoints' lines add  {added:+7.3f} ms per session (formatting, wrapping)")
    print(f"   handshake view (on h)     {handshake * 1000:7.3f} ms")
    stall, flush, batches, total, opened = asyncio.run(big_message())
    print(f"2. A 1 MiB message sent in the lab, endpoints' view on: {total * 1000:.0f} ms,")
    print(f"   {batches} batches, {opened} records opened on screen;")
    print(f"   longest pane batch {flush * 1000:.1f} ms;", end=" ")
    print(f"longest UI loop stall {stall * 1000:.1f} ms")
    verdict = "met" if max(stall, flush) * 1000 <= FRAME_MS else "NOT met on this machine"
    print(f"   (goal: no frame over {FRAME_MS:.0f} ms: {verdict})")


if __name__ == "__main__":
    main()
