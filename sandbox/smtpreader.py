"""Reading SMTP lines as someone following the conversation does: the one place that knows a
command's verb, a reply line's code, and what each client line gives away.

Pure, no I/O. `sandbox.facts` follows the client's own account and the wire with it; the threat
lab's attacks follow the plaintext they tamper with (`sandbox.threats`).
"""

from __future__ import annotations

from sandbox.events import Exposure


def verb(line: str) -> str:
    """The command word of a client line, upper case: `mail from:<x>` -> `MAIL`."""
    words = line.split(maxsplit=1)
    return words[0].upper() if words else ""


def reply_code(line: str) -> tuple[int, bool] | None:
    """A reply line's code and whether it is the reply's last line (RFC 5321 §4.2):
    `250-SIZE` -> (250, False), `250 OK` or `250` -> (250, True); None for a non-reply."""
    head = line[:3]
    if len(head) < 3 or not (head.isascii() and head.isdigit()):
        return None
    separator = line[3:4]
    if separator not in ("", " ", "-"):
        return None
    return int(head), separator != "-"


def final_code(line: str) -> int | None:
    """The code of a reply's last line ("250 OK", "250"); None for "250-..." or a non-reply."""
    parsed = reply_code(line)
    return parsed[0] if parsed is not None and parsed[1] else None


class SmtpReader:
    """Follows one SMTP conversation line by line, and says what each client line gives away.

    Feed it both sides in order: `server(line)` for reply lines (or `reply(code)` with the code of
    a reply's last line, when it is known already), `client(line)` for what the client said;
    `client` returns the `Exposure` that line reveals, if any. `messages` counts the messages whose
    final "." the client sent (after a 354).
    """

    def __init__(self) -> None:
        self.in_data = False
        self._auth_sent = False  # AUTH went; its reply decides whether a credential line follows
        self._credential_next = False  # the server said 334: the next client line is a secret
        self.messages = 0

    def server(self, line: str) -> None:
        code = final_code(line)
        if code is not None:
            self.reply(code)

    def reply(self, code: int) -> None:
        if code == 354:
            self.in_data = True
        self._credential_next = self._auth_sent and code == 334
        if code != 334:
            self._auth_sent = False

    def client(self, line: str, command: str | None = None) -> Exposure | None:
        """`command`: the line's verb when the sender knows it (else it is read from `line`)."""
        if self.in_data:
            if line == ".":
                self.in_data = False
                self.messages += 1
                return None
            return Exposure.MESSAGE
        if self._credential_next:
            self._credential_next = False
            return Exposure.PASSWORD
        said = verb(line) if command is None else command
        if said == "AUTH":
            self._auth_sent = True
            # "AUTH LOGIN" alone gives nothing away; "AUTH PLAIN <token>" carries the password.
            return Exposure.PASSWORD if len(line.split()) > 2 else None
        if said in ("MAIL", "RCPT"):
            return Exposure.ENVELOPE
        return None
