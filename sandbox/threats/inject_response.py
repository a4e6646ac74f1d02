"""Response injection: plaintext reply lines right after the server's 220 to STARTTLS.

A client that kept them would read them as the server's first words inside TLS; a correct client
refuses (properties.md F3), and the tutor's does.
"""

from __future__ import annotations

from sandbox.threats.lines import LineTamper, announce, final_code, is_command
from sandbox.threats.spec import Attack
from sandbox.wire.tamper import TapControl

# A forged EHLO reply with no extensions: a client that read it as coming from inside TLS would
# take it for the answer to its next EHLO, and every reply after that would be off by one.
INJECTED_RESPONSE = b"250-sandbox.test\r\n250 HELP\r\n"


class InjectResponse(LineTamper):
    """Appends plaintext reply lines to the server's 220 to STARTTLS (F3)."""

    def __init__(self) -> None:
        super().__init__()
        self._asked = False

    def client_line(self, line: bytes, conn: TapControl) -> bytes:
        self._asked = is_command(line, b"STARTTLS")
        return line

    def server_line(self, line: bytes, conn: TapControl) -> bytes:
        code = final_code(line)
        if not self._asked or code is None:
            return line
        self._asked = False
        if code != b"220":
            return line
        self.step_aside()
        announce(conn, "attack.injects_reply")
        return line + INJECTED_RESPONSE


ATTACKS = (
    Attack(
        "inject-response",
        summary="Plaintext reply lines follow the server's 220; the client must refuse them.",
        notice="a man in the middle appends plaintext reply lines to the server's 220 to STARTTLS.",
        tamper=InjectResponse,
    ),
)
