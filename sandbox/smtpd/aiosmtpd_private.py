"""The private parts of aiosmtpd's `SMTP` that the sandbox server relies on, in one place.

Why: aiosmtpd has no public way to add policy to a session (STARTTLS required before any command but
HELO and RSET, implicit TLS counted and timed like any session, a silent DATA rewritten for exact
limits), so `SandboxSMTP` (protocol.py) reaches into it. Every read or write of one of its private
attributes goes through a function here; the server (server.py) uses `handler_task` to stop.

Private methods `SandboxSMTP` overrides, which must stay in the subclass (aiosmtpd calls them):

- `_handle_client(self)` (coroutine): runs the session; overridden to do the implicit TLS handshake
  before the banner.
- `_timeout_cb(self)`: the idle timer fired; overridden to say 421 first, as Postfix does.
- `_create_session(self)` and `_create_envelope(self)`: the factories of the session's state.

`OVERRIDDEN` names them with their parameters; `ATTRIBUTES` names the private attributes read or
written here. tests/sandbox/smtpd/test_private_api.py checks both against the installed aiosmtpd,
and checks that none of `SandboxSMTP`'s own private names shadows one of aiosmtpd's.

`cache_auth_members` replaces the `inspect` module aiosmtpd.smtp sees by one whose `getmembers`
lists a registered class's `auth_*` methods once (SMTP.__init__ looks for nothing else there), and
whose `signature` of a registered class's method is worked out once (SMTP.__init__ reads only the
number of `handle_EHLO`'s parameters).

Checked: aiosmtpd 1.4.6 (the only 1.4 release the floor allows; the dependency is capped at <1.5).
"""

from __future__ import annotations

import asyncio
import inspect
import ssl
import sys
from collections.abc import Awaitable, Callable
from typing import Any, cast

from aiosmtpd.smtp import SMTP, _Missing

from sandbox.asyncio_private import server_tls_layer

# The type of aiosmtpd's `MISSING` (public) is private; `challenge_auth`'s signature names it.
Missing = _Missing

SMTPMethod = Callable[[str | None], Awaitable[None]]

OVERRIDDEN: dict[str, tuple[str, ...]] = {
    "_handle_client": ("self",),
    "_timeout_cb": ("self",),
    "_create_session": ("self",),
    "_create_envelope": ("self",),
}
ATTRIBUTES = (
    "_reader",
    "_tls_protocol",
    "_original_transport",
    "_smtp_methods",
    "_auth_required",
    "_auth_require_tls",
    "_handler_coroutine",
)
CALLED: dict[str, tuple[str, ...]] = {
    "_call_handler_hook": ("self", "command", "args"),
    "_set_post_data_state": ("self",),
    "_reset_timeout": ("self", "duration"),
}


def reader(proto: SMTP) -> asyncio.StreamReader:
    """The session's input stream (aiosmtpd reads commands from it, DATA reads lines)."""
    return proto._reader


def upgrading(proto: SMTP) -> bool:
    """True inside `connection_made` when it is called for the TLS layer of a running session."""
    return proto._original_transport is not None and proto.transport is not None


def tls_started(proto: SMTP) -> bool:
    """True once a TLS layer exists (handshake done or still going)."""
    return proto._tls_protocol is not None


def raw_transport(proto: SMTP) -> asyncio.BaseTransport | None:
    """The socket's transport under the TLS layer, once there is one."""
    return proto._original_transport


def start_server_tls(proto: SMTP, context: ssl.SSLContext) -> tuple[asyncio.Future[None], Any]:
    """Put a TLS layer under the session the way aiosmtpd's STARTTLS does, minus the `220`.

    Returns the handshake's waiter and the raw transport. aiosmtpd's `connection_made` then
    sees the upgrade (`_original_transport` set) and records the TLS session.
    """
    raw = proto.transport
    assert isinstance(raw, asyncio.Transport)
    waiter: asyncio.Future[None] = proto.loop.create_future()
    layer, app_transport = server_tls_layer(proto.loop, proto, context, waiter)
    proto._tls_protocol = layer
    proto._original_transport = raw
    raw.set_protocol(layer)
    proto.transport = app_transport
    layer.connection_made(raw)
    if not raw.is_reading():
        # The session's reader paused the socket: plaintext pipelined behind STARTTLS filled it
        # past twice its line limit. Nothing would resume it, and the handshake would wait for
        # a ClientHello it never reads until the idle timeout (B1, E7).
        raw.resume_reading()
    return waiter, raw


def commands(proto: SMTP) -> dict[str, SMTPMethod]:
    """The session's table of command methods (`"EHLO"` -> `smtp_EHLO`), to wrap entries."""
    return cast(dict[str, SMTPMethod], proto._smtp_methods)


def set_auth_required(proto: SMTP, required: bool) -> None:
    """Set after `__init__`: aiosmtpd warns per connection when this is on without TLS-only AUTH."""
    proto._auth_required = required


def auth_require_tls(proto: SMTP) -> bool:
    return bool(proto._auth_require_tls)


def call_handler_hook(proto: SMTP, command: str, *args: Any) -> Awaitable[Any]:
    """The handler's `handle_<command>`, or `MISSING` when it has none."""
    return cast(Awaitable[Any], proto._call_handler_hook(command, *args))


def set_post_data_state(proto: SMTP) -> None:
    """A fresh envelope, as after a finished DATA."""
    proto._set_post_data_state()  # type: ignore[no-untyped-call]


def reset_timeout(proto: SMTP, duration: float | None = None) -> None:
    """Restart the idle timer (the session's default when `duration` is None)."""
    proto._reset_timeout(duration)


def handler_task(proto: SMTP) -> asyncio.Task[None] | None:
    """The task running the session, once `connection_made` started it."""
    return proto._handler_coroutine


class _AuthMembers:
    """`inspect` as aiosmtpd.smtp sees it once `cache_auth_members` ran.

    `SMTP.__init__` calls `inspect.getmembers` on the session and on its handler for every
    connection, only to keep the `auth_*` methods: every attribute of both is fetched, properties
    evaluated, about 4% of a STARTTLS session (issue 15). For the classes registered here the
    `auth_*` names are listed once per class; every other call is inspect's own.
    """

    def __init__(self) -> None:
        self.classes: set[type] = set()
        self._names: dict[type, tuple[str, ...]] = {}
        self._signatures: dict[object, inspect.Signature] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(inspect, name)

    def getmembers(self, obj: object, predicate: Any = None) -> list[tuple[str, Any]]:
        cls = type(obj)
        if predicate is not None or cls not in self.classes:
            return inspect.getmembers(obj, predicate)
        names = self._names.get(cls)
        if names is None:
            names = self._names[cls] = tuple(n for n in dir(cls) if n.startswith("auth_"))
        own = [n for n in getattr(obj, "__dict__", {}) if n.startswith("auth_")]
        return [(n, getattr(obj, n)) for n in sorted({*names, *own})]

    def signature(self, obj: Any) -> inspect.Signature:
        """`inspect.signature`, kept per function for a registered class's bound methods:
        `SMTP.__init__` asks it of the handler's `handle_EHLO` for every connection."""
        func = getattr(obj, "__func__", None)
        if func is None or type(getattr(obj, "__self__", None)) not in self.classes:
            return inspect.signature(obj)
        found = self._signatures.get(func)
        if found is None:
            found = self._signatures[func] = inspect.signature(obj)
        return found


AUTH_MEMBERS = _AuthMembers()


def cache_auth_members(*classes: type) -> None:
    """List the `auth_*` methods of `classes` once per class, not once per connection."""
    module = sys.modules[SMTP.__module__]
    module.inspect = AUTH_MEMBERS  # type: ignore[attr-defined]
    AUTH_MEMBERS.classes.update(classes)
