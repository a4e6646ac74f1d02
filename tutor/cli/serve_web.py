"""The web side of `smtp-tutor serve`: one page, one websocket per browser tab, one tutor process
per websocket (properties.md R1-R4).

textual-serve runs a Textual app in a subprocess per websocket (`AppService`) and ships the
browser's terminal (`static/js/textual.js`, xterm.js). Its `Server` is not used: it has one
command for every connection, but each learner needs their own (`--learner NAME`), its page
loads a web font from outside the machine, and it prints a banner. So this module serves its own
page and routes, and uses only `AppService` and the static files. textual.js opens the websocket
at the page's `data-session-websocket-url` plus `?width=..&height=..`, so the learner travels in
the path: `/ws/learner/<key>`. Checked with textual-serve 1.1.2 and 1.1.3.
"""

from __future__ import annotations

import asyncio
import html
import logging
import shlex
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import textual_serve
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from tutor.model.learners import LearnerNameError, learner_key

log = logging.getLogger("smtp-tutor.serve")

STATIC = Path(textual_serve.__file__).resolve().parent / "static"
PAGE = Path(__file__).resolve().parent / "serve_page.html"
MAX_SIZE = 500  # columns or rows a browser may ask for; a bigger number is a hostile one


@dataclass
class ServeConfig:
    """What every served tutor is started with."""

    tutor_args: Sequence[str] = ()  # --lang, --lessons, passed through
    max_learners: int = 40  # tutor processes at once (R4): each is a whole Python
    python: str = sys.executable
    active: set[AppService] = field(default_factory=set)

    def command(self, learner: str | None) -> str:
        """The shell command textual-serve runs: the learner's key, or ask for a name (R1)."""
        who = ["--learner", learner] if learner is not None else ["--ask-learner"]
        return shlex.join([self.python, "-m", "tutor", *self.tutor_args, *who])


def _size(text: str | None, default: int) -> int:
    try:
        value = int(text or default)
    except ValueError:
        return default
    return value if 1 <= value <= MAX_SIZE else default


def _learner_from(value: str | None) -> str | None:
    """A checked learner key, None for no name; `LearnerNameError` for a bad one (R1)."""
    if value is None or value == "":
        return None
    return learner_key(value)


def page_html(ws_path: str, font_size: int, static_url: str = "/static/") -> str:
    template = PAGE.read_text(encoding="utf-8")
    return (
        template.replace("{{static}}", html.escape(static_url))
        .replace("{{ws_path}}", html.escape(ws_path))
        .replace("{{font_size}}", str(font_size))
    )


async def handle_index(request: web.Request) -> web.Response:
    try:
        learner = _learner_from(request.query.get("learner"))
    except LearnerNameError as exc:
        return web.Response(status=400, text=f"smtp-tutor: {exc}\n")
    ws_path = "/ws" if learner is None else f"/ws/learner/{quote(learner, safe='')}"
    # the websocket's absolute URL is made in the page from its own location (see serve_page.html)
    return web.Response(
        text=page_html(ws_path, _size(request.query.get("fontsize"), 16)),
        content_type="text/html",
        headers={"Cache-Control": "no-store"},
    )


async def _relay(websocket: web.WebSocketResponse, service: AppService) -> None:
    """The browser's messages to the tutor (as textual-serve's Server does)."""
    async for message in websocket:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            envelope = message.json()
            kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
        except (ValueError, TypeError, IndexError, KeyError):
            continue  # not what textual.js sends: ignore it, as an unknown kind is
        if kind == "stdin" and isinstance(data, str):
            await service.send_bytes(data.encode("utf-8"))
        elif kind == "resize" and isinstance(data, dict):
            await service.set_terminal_size(
                _size(str(data.get("width")), 80), _size(str(data.get("height")), 24)
            )
        elif kind == "ping":
            await websocket.send_json(["pong", data])
        elif kind == "blur":
            await service.blur()
        elif kind == "focus":
            await service.focus()


def websocket_handler(
    config: ServeConfig, downloads: DownloadManager
) -> Callable[[web.Request], Awaitable[web.WebSocketResponse]]:
    async def handle_websocket(request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        try:
            learner = _learner_from(request.match_info.get("learner"))
        except LearnerNameError as exc:
            await websocket.prepare(request)
            await websocket.close(message=str(exc).encode("utf-8")[:120])
            return websocket
        await websocket.prepare(request)
        if len(config.active) >= config.max_learners:  # R4: the room is full, say so
            log.warning("refused a tab: %d tutors running (--max-learners)", len(config.active))
            await websocket.close(message=b"smtp-tutor serve: too many learners at once")
            return websocket

        async def close() -> None:
            await websocket.close()

        service = AppService(
            config.command(learner),
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close,
            download_manager=downloads,
        )
        config.active.add(service)
        try:
            await service.start(
                _size(request.query.get("width"), 80), _size(request.query.get("height"), 24)
            )
            await _relay(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        finally:
            await service.stop()  # asks the tutor to quit and waits for its output to end
            config.active.discard(service)
        return websocket

    return handle_websocket


def make_app(config: ServeConfig) -> web.Application:
    app = web.Application()
    ws = websocket_handler(config, DownloadManager())
    app.add_routes(
        [
            web.get("/", handle_index),
            web.get("/ws", ws),
            web.get("/ws/learner/{learner}", ws),
            web.static("/static", STATIC),
        ]
    )
    return app
