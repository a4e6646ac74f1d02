"""How `smtp-tutor demo` prints a session: the conversation flush left, the wire indented behind
`wire |`, in colour on a terminal (`ANSI`), or one JSON object per event.

`smtp-tutor watch` prints outside clients' sessions with the same `Printer`.
"""

from __future__ import annotations

import json
import os
from typing import TextIO

from sandbox.events import SandboxEvent, WireChunk

ANSI = {
    "client": "\x1b[36m",
    "server": "\x1b[32m",
    "tls": "\x1b[35m",
    "info": "\x1b[2m",
    "warning": "\x1b[33m",
    "error": "\x1b[1;31m",
    "attack": "\x1b[1;31m",
    "wire": "\x1b[37m",
    "switch": "\x1b[1;33m",
    "dim": "\x1b[2m",
}
RESET = "\x1b[0m"


class Printer:
    """Turns events into lines on `out`: conversation flush left, the wire indented."""

    def __init__(self, out: TextIO, *, color: bool, as_json: bool, probed: bool = False) -> None:
        self.out, self.color, self.as_json, self.probed = out, color, as_json, probed

    def __call__(self, event: SandboxEvent) -> None:
        try:
            self._print(event)
        except BrokenPipeError:
            # `demo starttls | head -1`: the reader has all it wanted. The server's own events
            # come here too, and it logs a listener that raises: so stop quietly, here, at once.
            from tutor.cli.main import quiet_stdout

            quiet_stdout()
            self.out = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (lives as long as we do)

    def _print(self, event: SandboxEvent) -> None:
        from sandbox.eventjson import event_to_json
        from tutor.cli.eventformat import conversation, wire

        if self.as_json:
            self.out.write(json.dumps(event_to_json(event), ensure_ascii=False) + "\n")
            return
        if isinstance(event, WireChunk):
            return  # the decoded lines and records below say it better
        line = conversation(event, probed=self.probed)
        if line is not None:
            self._write(line.text, line.style)
        seen = wire(event)
        if seen is not None:
            self._write(f"    wire | {seen.text}", seen.style)

    def _write(self, text: str, style: str) -> None:
        if self.color and style in ANSI:
            text = f"{ANSI[style]}{text}{RESET}"
        self.out.write(text + "\n")
        self.out.flush()


def use_color(choice: str, out: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    return out.isatty() and "NO_COLOR" not in os.environ
