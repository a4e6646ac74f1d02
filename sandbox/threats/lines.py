"""What the plaintext attacks share: SMTP cut into whole lines, and a tamper that works on them.

A partial line is held until its end arrives, so the way TCP splits the stream changes nothing.
Once TLS begins the bytes pass untouched: a `LineTamper` steps aside by itself when the server
answers a STARTTLS it let through with 220, or earlier if the attack calls `step_aside()`.
"""

from __future__ import annotations

from sandbox.events import Level
from sandbox.notices import notice
from sandbox.safety.text import escape_bytes
from sandbox.threats.outcome import SmtpReader
from sandbox.wire.tamper import Tamper, TapControl

MAX_HELD = 64 * 1024  # a "line" longer than this is passed on as it is


def announce(conn: TapControl, key: str, **params: object) -> None:
    """Say on screen what the attacker does, as he does it (properties.md I7): notice `key` of
    `sandbox.notices`."""
    conn.emit(notice(Level.ATTACK, key, **params))


def show(line: bytes) -> str:
    """A wire line as the screen may print it: without its line end, control bytes escaped."""
    return escape_bytes(line.rstrip(b"\r\n"))


def is_command(line: bytes, verb: bytes) -> bool:
    return line.rstrip(b"\r\n").strip().upper() == verb


def final_code(line: bytes) -> bytes | None:
    """The code of a reply's last line (b"220"); None for "250-..." or anything else."""
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
        self._starttls_sent = False  # the server was asked STARTTLS: a 220 now starts TLS
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
            forward = self.client_line(line, conn) if command else line
            self._starttls_sent = command and is_command(line, b"STARTTLS") and bool(forward)
            out += forward
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
            if self._starttls_sent and (code := final_code(line)) is not None:
                self._starttls_sent = False
                if code == b"220":  # the client's next byte is its ClientHello
                    self.step_aside()
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
