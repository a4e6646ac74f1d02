"""Command injection (CVE-2011-0411): plaintext pipelined after STARTTLS, in the same write.

The attacker appends a `MAIL FROM` to the client's STARTTLS line. A server that kept it would run it
as if it came from inside TLS; a correct one discards it (properties.md B1), and the sandbox's
does.
"""

from __future__ import annotations

from sandbox.threats.lines import LineTamper, announce, is_command, show
from sandbox.threats.spec import Attack
from sandbox.wire.tamper import TapControl

EVIL_SENDER = "evil@attacker.test"
INJECTED_COMMAND = f"MAIL FROM:<{EVIL_SENDER}>\r\n".encode("ascii")


class InjectCommand(LineTamper):
    """Appends a plaintext MAIL FROM to the client's STARTTLS, in the same write (B1)."""

    def client_line(self, line: bytes, conn: TapControl) -> bytes:
        if not is_command(line, b"STARTTLS"):
            return line
        self.step_aside()
        # The eavesdropper sees it cross toward the server, right after the STARTTLS line.
        conn.show_to_server(INJECTED_COMMAND)
        announce(conn, "attack.injects_command", line=show(INJECTED_COMMAND))
        return line + INJECTED_COMMAND


ATTACKS = (
    Attack(
        "inject-command",
        summary="Plaintext MAIL FROM is pipelined after STARTTLS in the same write; the server "
        "must discard it.",
        notice="a man in the middle appends a plaintext MAIL FROM to the client's STARTTLS.",
        tamper=InjectCommand,
    ),
)
