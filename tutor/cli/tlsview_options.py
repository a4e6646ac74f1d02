"""`smtp-tutor demo SCENARIO --decrypt --handshake`: the session as its endpoints see it.

`--decrypt` prints, under each TLS record the wire lines show, what is inside it: the SMTP lines
or the handshake message, and which secret opened it (or why it could not be opened).
`--handshake` prints the annotated handshake once the session is over: the hellos field by field
with the offset of each field in the stream, and each later message marked with what a listener
can read. Both use the TLS secrets the tutor's own client keeps for the lab (never
SSLKEYLOGFILE); with `--json` each is a JSON object of its own kind ("EndpointRecord",
"Handshake") among the events.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox.events import SessionStarted

if TYPE_CHECKING:
    from sandbox.events import SandboxEvent
    from sandbox.lab.session import LabSession
    from sandbox.tlsview.decrypt import TlsDecryptor
    from sandbox.tlsview.view import EndpointRecord

Write = Callable[[str, str], None]  # (text, style): the demo's printer
SHOWN_LINES = 6  # lines of one record's application data shown; the rest are counted
APPDATA = 23


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("seeing inside TLS")
    group.add_argument(
        "--decrypt",
        action="store_true",
        help="under each TLS record, what the endpoints see in it (decrypted with the "
        "session's own secrets) and the secret used",
    )
    group.add_argument(
        "--handshake",
        action="store_true",
        help="print the TLS handshake field by field, with what a listener can read",
    )


def wanted(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "decrypt", False) or getattr(args, "handshake", False))


class DemoView:
    """Follows the demo's events; prints the endpoints' view and, at the end, the handshake."""

    def __init__(self, args: argparse.Namespace, write: Write, *, as_json: bool) -> None:
        self.wanted = wanted(args)  # otherwise the view stays idle
        self.decrypt = bool(args.decrypt)
        self.handshake = bool(args.handshake)
        self.as_json = as_json
        self._write = write
        self._session: LabSession | None = None
        self._decryptor: TlsDecryptor | None = None

    def attach(self, session: LabSession) -> None:
        """The demo's lab: its key log is read as the secrets are logged."""
        from sandbox.tlsview.decrypt import TlsDecryptor

        self._session = session
        self._decryptor = TlsDecryptor(lambda: session.keylog)

    def __call__(self, event: SandboxEvent) -> None:
        if self._session is None:
            return
        if isinstance(event, SessionStarted):
            self._finish()  # a new connection (the learner typed on): a new handshake
            self.attach(self._session)
        if self._decryptor is not None:
            self._show(self._decryptor.feed(event))

    def finish(self) -> None:
        self._finish()

    def _finish(self) -> None:
        decryptor, self._decryptor = self._decryptor, None
        if decryptor is None:
            return
        self._show(decryptor.finish())
        if self.handshake and decryptor.client_random is not None:
            from sandbox.tlsview.annotate import annotate

            shown = annotate(decryptor)
            if self.as_json:
                self._write(json.dumps(shown.to_json(), ensure_ascii=False), "")
            else:
                self._write("", "")
                for number, line in enumerate(shown.lines()):
                    self._write(line, "tls" if number == 0 or not line[0].isspace() else "info")

    def _show(self, records: list[EndpointRecord]) -> None:
        if not self.decrypt:
            return
        for record in records:
            if not record.encrypted:
                continue  # the wire line already shows all there is
            if self.as_json:
                self._write(json.dumps(record_json(record), ensure_ascii=False), "")
            else:
                for text, style in record_lines(record):
                    self._write(f"    open | {text}", style)


def record_json(record: EndpointRecord) -> dict[str, Any]:
    from sandbox.safety.text import escape_bytes

    out: dict[str, Any] = {
        "type": "EndpointRecord",
        "sender": record.sender.value,
        "offset": record.offset,
        "length": record.length,
        "opened": record.opened,
        "content_type": record.content_type,
        "content_type_name": record.content_type_name,
        "key": record.key.value if record.key is not None else None,
        "generation": record.generation,
        "messages": list(record.messages),
        "failure": record.failure.value if record.failure is not None else None,
        "plaintext": record.plaintext.hex(),
    }
    if record.content_type == APPDATA:
        out["text"] = escape_bytes(record.plaintext)
    return out


def record_lines(record: EndpointRecord) -> list[tuple[str, str]]:
    """One record as the endpoints see it, for the demo's text output."""
    from sandbox.events import Side
    from sandbox.safety.text import escape_bytes

    arrow = "~>" if record.sender is Side.CLIENT else "<~"
    if record.failure is not None:
        return [(f"{arrow} cannot decrypt: {record.failure.value}", "error")]
    key = f"   [{record.key.value}]" if record.key is not None else ""
    if record.content_type != APPDATA:
        what = ", ".join(record.messages) or record.content_type_name
        return [(f"{arrow} {what}{key}", "tls")]
    lines = record.plaintext.split(b"\r\n")
    if lines and not lines[-1]:
        lines.pop()
    out = [(f"{arrow} {escape_bytes(line)}", "tls") for line in lines[:SHOWN_LINES]]
    if len(lines) > SHOWN_LINES:
        out.append((f"{arrow} ... {len(lines) - SHOWN_LINES:,} lines more", "dim"))
    if out:
        out[0] = (out[0][0] + key, out[0][1])
    return out
