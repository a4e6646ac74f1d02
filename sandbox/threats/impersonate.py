"""Impersonation: the man in the middle answers STARTTLS and the TLS handshake himself.

He keeps the client's STARTTLS from the server, says "220" in its place, then finishes the
handshake with a certificate of his own (`sandbox.threats.impostor`): `impersonate` shows one for
the right name from a CA nobody trusts, `impersonate-wrong-name` a genuine sandbox-CA one for his
own host. A client that accepts it talks TLS to the attacker, who decrypts everything, reports
what he read (`attacker_read`), and relays it in plaintext to the real server. A verifying
client refuses (properties.md F1).

The certificates need `cryptography`; `impostor` loads it when the lab starts, not when the
catalogue lists the labs (the lesson validator reads the names).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl

from sandbox.events import Level
from sandbox.notices import notice
from sandbox.threats.impostor import WRONG_NAME, Identity, attacker_context
from sandbox.threats.lines import (
    LineBuffer,
    LineTamper,
    StartTlsEraser,
    announce,
    is_command,
    show,
)
from sandbox.threats.outcome import Exposure, attacker_in_tls, attacker_read
from sandbox.threats.spec import Attack
from sandbox.wire.tamper import CHUNK, TakeOver, TapControl

HANDSHAKE_TIMEOUT = 10.0
READY = b"220 2.0.0 Ready to start TLS\r\n"


class Impersonate(LineTamper):
    """A man in the middle with his own certificate (see the module docstring)."""

    def __init__(self, identity: Identity) -> None:
        super().__init__()
        self.identity = identity
        self._context: ssl.SSLContext | None = None

    def opened(self, conn: TapControl) -> None:
        try:
            self._context = attacker_context(self.identity)
        except (OSError, ValueError) as exc:  # the data dir is not writable, say
            conn.emit(notice(Level.ERROR, "attack.could_not_start", error=exc))
            conn.close()

    def client_line(self, line: bytes, conn: TapControl) -> bytes:
        if self._context is None or not is_command(line, b"STARTTLS"):
            return line
        self.step_aside()
        announce(conn, "attack.takes_starttls")
        conn.send_to_client(READY)
        conn.take_over(self._relay)
        return b""

    async def _relay(self, takeover: TakeOver) -> None:
        conn = takeover.conn
        assert self._context is not None
        try:
            reader, writer = await takeover.client_streams(
                ssl=self._context, handshake_timeout=HANDSHAKE_TIMEOUT
            )
        except (OSError, TimeoutError) as exc:  # ssl.SSLError is an OSError
            reason = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
            announce(conn, "attack.certificate_refused", reason=reason)
            return
        tls: ssl.SSLObject | None = writer.get_extra_info("ssl_object")
        version = tls.version() if tls is not None else "TLS"
        conn.emit(
            attacker_in_tls(
                f"the client accepted his certificate ({version}). From here he decrypts what "
                "the client sends and relays it in plaintext to the real server."
            )
        )
        to_server = asyncio.create_task(self._from_client(reader, takeover, conn))
        try:
            await self._from_server(takeover.server_reader, writer)
        finally:
            to_server.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await to_server

    async def _from_client(
        self, reader: asyncio.StreamReader, takeover: TakeOver, conn: TapControl
    ) -> None:
        lines, size, subject = LineBuffer(), 0, ""
        server = takeover.server_writer
        while data := await reader.read(CHUNK):
            for line in lines.feed(data):
                text = line.rstrip(b"\r\n").decode("latin-1")
                done = self.smtp.messages
                exposure = self.smtp.client(text)
                if exposure is Exposure.MESSAGE:
                    size += len(line)
                    if not subject and text.lower().startswith("subject:"):
                        subject = show(line)
                elif self.smtp.messages > done:
                    about = f" ({subject})" if subject else ""
                    conn.emit(attacker_read(Exposure.MESSAGE, f"{size} bytes{about}"))
                    size, subject = 0, ""
                elif exposure is not None:
                    conn.emit(attacker_read(exposure, show(line)))
            server.write(data)
            await server.drain()
        if server.can_write_eof():
            server.write_eof()

    async def _from_server(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        # The real server speaks plaintext to the attacker, so its EHLO lists STARTTLS: erase it,
        # or the client would see an odd offer inside TLS.
        eraser, lines = StartTlsEraser(), LineBuffer()
        while data := await reader.read(CHUNK):
            out = bytearray()
            for line in lines.feed(data):
                self.smtp.server(line.rstrip(b"\r\n").decode("latin-1"))
                out += eraser.line(line)[0]
            writer.write(bytes(out))
            await writer.drain()


ATTACKS = (
    Attack(
        "impersonate",
        summary="A man in the middle answers the TLS handshake itself with a certificate from "
        "another CA.",
        notice="a man in the middle answers the TLS handshake himself, with a certificate for "
        "sandbox.test from his own CA.",
        tamper=lambda: Impersonate(Identity.IMPOSTOR),
    ),
    Attack(
        "impersonate-wrong-name",
        summary="A man in the middle presents a certificate from the right CA but for another "
        "name.",
        notice="a man in the middle answers the TLS handshake himself, with a genuine sandbox-CA "
        f"certificate for his own host {WRONG_NAME}.",
        tamper=lambda: Impersonate(Identity.WRONG_NAME),
    ),
)
