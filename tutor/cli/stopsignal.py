"""Ctrl-C and SIGTERM as one asyncio event per loop, caught from the first moment it matters.

A script that reads the port a command prints and signals at once must meet a clean stop, never
a KeyboardInterrupt (exit 130) because the handler came after the print (properties.md Q1).
Every long-running command (`sandbox` in each of its modes, `watch`) calls `stop_on_signal()`
before it prints anything; later calls in the same loop return the same event, so a helper that
asks again cannot open a window in which a signal sets an event nobody waits for.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import weakref

_EVENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Event] = (
    weakref.WeakKeyDictionary()
)


def stop_on_signal() -> asyncio.Event:
    """The running loop's stop event, set by SIGINT or SIGTERM (installed on the first call)."""
    loop = asyncio.get_running_loop()
    stop = _EVENTS.get(loop)
    if stop is None:
        stop = _EVENTS[loop] = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # not on Windows' proactor loop
                loop.add_signal_handler(sig, stop.set)
    return stop
