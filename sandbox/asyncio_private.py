"""The private parts of asyncio the sandbox relies on, and nothing else touches them directly.

Why each is needed:

- `StreamReader._buffer`: asyncio keeps a reader's buffer across `start_tls()` and offers no
  public way to see how much plaintext is still in it. Bytes left there after a `220` to STARTTLS
  were sent before TLS began, and would be read as if they came from inside TLS: the client
  refuses them (properties.md F3) and the server reports that it discarded them (B1).
- `StreamReaderProtocol._closed`: a future the protocol fails with the error that ended the
  connection (a client's reset), which only the protocol's `__del__` looks at; when a garbage
  collection finalizes the future first, asyncio logs "Future exception was never retrieved"
  (properties.md E4). The server marks it seen as the session ends.
- `asyncio.sslproto.SSLProtocol` and its `_app_transport`: implicit TLS (port 465) is started on
  an accepted connection exactly the way aiosmtpd starts STARTTLS, so that aiosmtpd's own
  `connection_made` sees the upgrade it knows (properties.md A2). `loop.start_tls()` is public but
  does not call the protocol's `connection_made`, which aiosmtpd needs to record the TLS session.
- `SSLProtocol._on_handshake_complete(self, handshake_exc)` and `_start_shutdown(self)`,
  overridden, with its `_transport` and `_outgoing` (a `ssl.MemoryBIO`): asyncio aborts a refused
  handshake without sending the TLS alert OpenSSL wrote (G6), and keeps a closed session's socket
  up to 30 s waiting for the client's close_notify.

- `loop._make_socket_transport(sock, protocol)`: the wire tap connects to a loopback server in
  the callback that accepted its client, where the kernel completes the connect at once; making
  the transport for that socket directly spares a task, a future and three loop turns per
  relayed connection (issue 15's speed table), which `loop.create_connection()` cannot
  (the same signature on 3.11.7, 3.12.1, 3.13.0).

Checked: CPython 3.11.7, 3.12.1 and 3.13.0 (`tests/sandbox/test_asyncio_private.py` checks the
names and signatures on whichever Python runs it; CI runs it on every supported version).
"""

from __future__ import annotations

import asyncio
import asyncio.sslproto as sslproto
import socket
import ssl
from typing import cast


def unread_bytes(reader: asyncio.StreamReader) -> int:
    """How many received bytes `reader` holds that nobody has read yet."""
    buffer = cast(bytearray, reader._buffer)  # type: ignore[attr-defined]
    return len(buffer)


def settle_closed(protocol: asyncio.StreamReaderProtocol) -> None:
    """Mark the error `protocol` was closed with as seen (nothing else awaits that future)."""
    closed = cast("asyncio.Future[None]", protocol._closed)  # type: ignore[attr-defined]
    if closed.done() and not closed.cancelled():
        closed.exception()


class _ServerTlsLayer(sslproto.SSLProtocol):
    """asyncio's TLS layer, except that a refused handshake sends its TLS alert before closing,
    and closing sends close_notify and hangs up without waiting for the client's."""

    def _on_handshake_complete(self, handshake_exc: BaseException | None) -> None:
        transport = cast(asyncio.Transport | None, self._transport)
        if handshake_exc is not None and transport is not None and not transport.is_closing():
            alert = self._outgoing.read()  # type: ignore[attr-defined]
            if alert:
                transport.write(alert)  # an unsent write is dropped by the abort that follows
        super()._on_handshake_complete(handshake_exc)

    def _start_shutdown(self) -> None:
        super()._start_shutdown()
        # Postfix's fast shutdown: asyncio would keep the socket (and the session's slot) up to
        # 30 s for a close_notify that many clients never send after 221.
        transport = cast(asyncio.Transport | None, self._transport)
        if transport is None or transport.is_closing():
            return
        pending = self._outgoing.read()  # type: ignore[attr-defined]
        if pending:  # written even while the transport asks for a pause: it buffers
            transport.write(pending)
        transport.close()  # flushes the 221 and close_notify, then closes


def server_tls_layer(
    loop: asyncio.AbstractEventLoop,
    app_protocol: asyncio.BaseProtocol,
    context: ssl.SSLContext,
    waiter: asyncio.Future[None],
) -> tuple[sslproto.SSLProtocol, asyncio.Transport]:
    """A server-side TLS layer for `app_protocol` and the transport the protocol writes to.

    The caller plugs the layer under the raw transport (`raw.set_protocol(layer)`, then
    `layer.connection_made(raw)`); `waiter` completes when the handshake does.
    """
    layer = _ServerTlsLayer(loop, app_protocol, context, waiter, server_side=True)
    return layer, cast(asyncio.Transport, layer._app_transport)


def socket_transport(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, protocol: asyncio.Protocol
) -> asyncio.Transport:
    """A transport for the connected non-blocking `sock`, as `create_connection(sock=...)` would
    make, without awaiting: `protocol.connection_made` follows with the loop's next turn."""
    make = loop._make_socket_transport  # type: ignore[attr-defined]
    return cast(asyncio.Transport, make(sock, protocol))
