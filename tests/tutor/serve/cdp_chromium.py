"""Headless Chromium driven over the DevTools protocol (a websocket, with aiohttp's client, which
`smtp-tutor serve` already brings): pages, keys, clicks, screenshots, and the text the served
tutor sent to each page.

The page's terminal draws on a canvas, so its text is not in the DOM. A script installed before
the page's own wraps `WebSocket`: every binary frame the tutor sends is decoded into
`window.__tutorChunks` (escape sequences included; a test waits for words drawn after a mark,
a number of chunks), and the terminal's size in cells is taken
from the websocket's URL. Tests read those with `Page.text()` and `Page.cells()`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

# The flags this machine needs: no GPU, no sandbox (root in a container), nothing phoning out.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
    "--window-size=1280,800",
)

TAP = r"""
(() => {
  const Native = window.WebSocket;
  window.__tutorChunks = [];
  window.__tutorWsUrl = "";
  const decoder = new TextDecoder("utf-8");
  function Tapped(url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    window.__tutorWsUrl = String(url);
    ws.addEventListener("message", (e) => {
      if (typeof e.data === "string") return;
      const bytes = e.data instanceof ArrayBuffer ? new Uint8Array(e.data) : null;
      if (bytes === null) return;
      window.__tutorChunks.push(decoder.decode(bytes, { stream: true }));
    });
    return ws;
  }
  Tapped.prototype = Native.prototype;
  for (const k of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Tapped[k] = Native[k];
  window.WebSocket = Tapped;
})();
"""

_ESCAPES = re.compile(
    r"\x1b(\[[0-9;?<>=!]*[ -/]*[@-~]"  # CSI: cursor moves, colours, modes
    r"|\][^\x07\x1b]*(\x07|\x1b\\)"  # OSC: titles, clipboard
    r"|[()][0-9A-Za-z]|.)"  # charset choices and the rest
)

_MOVE = re.compile(r"\x1b\[(\d+);(\d+)H")


def plain(text: str) -> str:
    """Terminal output without its escape sequences: the words the tutor drew."""
    return _ESCAPES.sub("", text)


class Page:
    """One tab: its own DevTools websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._next = 0
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            future = self._waiting.pop(data.get("id", -1), None)
            if future is not None and not future.done():
                future.set_result(data)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[self._next] = future
        await self.ws.send_str(json.dumps({"id": self._next, "method": method, "params": params}))
        reply = await asyncio.wait_for(future, 60)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    async def goto(self, url: str) -> None:
        await self.call("Page.enable")
        await self.call("Page.addScriptToEvaluateOnNewDocument", source=TAP)
        await self.call("Page.navigate", url=url)

    async def raw(self, since: int = 0) -> str:
        return str(await self.evaluate(f"(window.__tutorChunks || []).slice({since}).join('')"))

    async def mark(self) -> int:
        """How many chunks the page has had: words drawn later are `text(since=mark)`."""
        return int(await self.evaluate("(window.__tutorChunks || []).length"))

    async def text(self, since: int = 0) -> str:
        return plain(await self.raw(since))

    async def wait_text(self, needle: str, *, since: int = 0, attempts: int = 600) -> int:
        """Wait (0.1 s a try, bounded) until `needle` is drawn after mark `since`; returns the
        mark after it."""
        text = ""
        for _ in range(attempts):
            mark = await self.mark()
            text = await self.text(since)
            if needle in text:
                return mark
            await asyncio.sleep(0.1)
        raise AssertionError(f"{needle!r} never appeared; last text: {text[-1500:]!r}")

    async def find_cell(self, needle: str) -> tuple[int, int]:
        """Where `needle` was last drawn, as (column, row) from 0: the last cursor move
        (`ESC[row;colH`) before it, plus the characters drawn between."""
        raw = await self.raw()
        at = raw.rfind(needle)
        if at < 0:
            raise AssertionError(f"{needle!r} was never drawn")
        moves = list(_MOVE.finditer(raw, 0, at))
        if not moves:
            raise AssertionError(f"no cursor move before {needle!r}")
        last = moves[-1]
        drawn = plain(raw[last.end() : at])
        return int(last.group(2)) - 1 + len(drawn), int(last.group(1)) - 1

    async def cells(self) -> tuple[int, int, dict[str, float]]:
        """(columns, rows, the terminal screen's rectangle in CSS pixels)."""
        url = str(await self.evaluate("window.__tutorWsUrl"))
        cols = int(re.search(r"width=(\d+)", url).group(1))  # type: ignore[union-attr]
        rows = int(re.search(r"height=(\d+)", url).group(1))  # type: ignore[union-attr]
        rect = await self.evaluate(
            "(() => { const r = document.querySelector('.xterm-screen').getBoundingClientRect();"
            " return {x: r.x, y: r.y, width: r.width, height: r.height}; })()"
        )
        return cols, rows, rect

    async def click_cell(self, col: int, row: int) -> None:
        cols, rows, rect = await self.cells()
        x = rect["x"] + (col + 0.5) * rect["width"] / cols
        y = rect["y"] + (row + 0.5) * rect["height"] / rows
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            extra = {"button": "left", "clickCount": 1} if kind != "mouseMoved" else {}
            await self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, **extra)

    async def key(self, key: str) -> None:
        """One key: a character, or "Enter" / "Escape" / "Tab"."""
        named = {"Enter": (13, "\r"), "Escape": (27, ""), "Tab": (9, "\t")}
        if key in named:
            code, text = named[key]
            down: dict[str, Any] = {"key": key, "code": key, "windowsVirtualKeyCode": code}
            if text:
                down["text"] = text
        else:
            down = {"key": key, "text": key}
        await self.call("Input.dispatchKeyEvent", type="keyDown", **down)
        await self.call("Input.dispatchKeyEvent", type="keyUp", key=down["key"])

    async def ctrl(self, letter: str) -> None:
        """Ctrl and a letter (the terminal sends its control byte: Ctrl-P is 0x10)."""
        down = {
            "key": letter,
            "code": f"Key{letter.upper()}",
            "windowsVirtualKeyCode": ord(letter.upper()),
            "modifiers": 2,
        }
        await self.call("Input.dispatchKeyEvent", type="keyDown", **down)
        await self.call("Input.dispatchKeyEvent", type="keyUp", **down)

    async def type(self, text: str) -> None:
        for ch in text:
            await self.key(ch)

    async def screenshot(self, path: Path) -> Path:
        await self.call("Page.bringToFront")  # a tab in the background draws nothing
        shot = await self.call("Page.captureScreenshot", format="png")
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))
        return path


class Chromium:
    def __init__(self, http: aiohttp.ClientSession, port: int) -> None:
        self.http, self.port = http, port

    async def new_page(self) -> Page:
        async with self.http.put(f"http://127.0.0.1:{self.port}/json/new?about:blank") as reply:
            target = await reply.json()
        ws = await self.http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
        return Page(ws)


@asynccontextmanager
async def chromium(exe: str, profile: Path) -> AsyncIterator[Chromium]:
    """Chromium with a fresh profile in `profile`, stopped (by its own process id) after."""
    await asyncio.to_thread(profile.mkdir, parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        exe,
        *FLAGS,
        f"--user-data-dir={profile}",
        "about:blank",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        for _ in range(600):  # Chromium writes the port it picked here; bounded wait
            if port_file.exists() and port_file.read_text().strip():
                break
            if process.returncode is not None:
                raise RuntimeError(f"chromium exited with {process.returncode}")
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        async with aiohttp.ClientSession() as http:
            yield Chromium(http, port)
    finally:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()
