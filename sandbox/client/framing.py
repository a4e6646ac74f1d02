"""What the tutor's client puts on the wire, as pure functions, and what can go wrong.

Nothing here does I/O, so each rule can be read (and tested) on its own:
command lines never carry a second command (properties.md F6), the message body is dot-stuffed with
CRLF line ends only (F7), AUTH tokens are base64 (an encoding, not a secret), and the EHLO reply
becomes a capability table.
"""

from __future__ import annotations

import base64
import re
from typing import Self

from sandbox.client.replies import Reply
from sandbox.notices import fill
from sandbox.smtpreader import verb

# --- errors -------------------------------------------------------------------------------------


class SmtpClientError(Exception):
    """Base of everything the tutor's client raises; the message is a sentence for the learner,
    and `key`/`params` name it in `sandbox.notices` so the lab says it in the learner's language
    (`said` builds one from a key)."""

    def __init__(self, message: str = "", *, key: str = "", params: dict[str, str] | None = None):
        super().__init__(message)
        self.key = key or "client.error"
        self.params = dict(params) if params is not None else {"error": message}

    @classmethod
    def said(cls, key: str, **params: object) -> Self:
        text, values = fill(key, **params)
        return cls(text, key=key, params=values)


class NotConnectedError(SmtpClientError):
    """A command was given with no open connection."""


class ConnectError(SmtpClientError):
    """The TCP connection could not be opened."""


class SmtpProtocolError(SmtpClientError):
    """The server broke the protocol: a malformed reply, or data where none belongs."""


class ConnectionClosedError(SmtpProtocolError):
    """The server closed the connection while we expected a reply."""


class StartTlsInjectionError(SmtpProtocolError):
    """Plaintext followed the 220 to STARTTLS (F3): someone may have injected it."""


class SmtpTimeoutError(SmtpClientError, TimeoutError):
    """The server did not answer in time."""


class TlsHandshakeError(SmtpClientError):
    """The TLS handshake failed, e.g. the certificate did not verify (F1)."""


class TlsRequiredError(SmtpClientError):
    """The TLS policy requires TLS and the session has none (F2)."""


class CleartextAuthError(SmtpClientError):
    """AUTH would go in cleartext (F5)."""


class UnsafeArgumentError(SmtpClientError, ValueError):
    """An argument holds CR, LF or NUL, which could smuggle in another command (F6)."""


class SmtpReplyError(SmtpClientError):
    """`send_mail` got a reply it cannot go on from; `reply` is that reply."""

    def __init__(self, step: str, reply: Reply) -> None:
        text, values = fill("client.refused", step=step, reply=reply)
        super().__init__(text, key="client.refused", params=values)
        self.step = step
        self.reply = reply


# --- command lines ------------------------------------------------------------------------------


def check_line(line: str) -> None:
    """Refuse a command line holding CR, LF or NUL (F6).

    `MAIL FROM:<a@x.test>\\r\\nRCPT TO:<victim@y.test>` is two commands in one: a client must
    never let an argument end its command early. The message says where, never what: the line may
    hold a credential, and error messages reach logs (C4).
    """
    for position, char in enumerate(line):
        if char in "\r\n\0":
            name = {"\r": "CR", "\n": "LF", "\0": "NUL"}[char]
            raise UnsafeArgumentError(
                f"refusing to send a command with {name} inside it (character {position + 1}): "
                "it could end the command early and smuggle in another one"
            )


def verb_of(line: str) -> str:
    """The command word of a line, upper case: `mail from:<x>` -> `MAIL`.

    The one reading of a verb (`sandbox.smtpreader.verb`), so the client's F2 check and the
    session's facts agree: ` MAIL` is MAIL to both.
    """
    return verb(line)


def auth_plain_token(user: str, password: str) -> str:
    """AUTH PLAIN's response (RFC 4616): base64 of `\\0user\\0password`. Anyone can decode it."""
    if "\0" in user or "\0" in password:
        # NUL separates the fields; inside one it would change who logs in.
        raise UnsafeArgumentError("a user name or password cannot contain NUL")
    return b64(f"\0{user}\0{password}")


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


# --- the message --------------------------------------------------------------------------------

_LINE_END = re.compile(rb"\r\n|\r|\n")


def encode_data(message: bytes | str) -> bytes:
    """The message as it goes after `354` (F7, RFC 5321 §4.5.2).

    Every line end becomes CRLF (a bare CR or LF too: servers disagree about those, which is what
    "SMTP smuggling" exploits), a line starting with "." gets a second "." so that no line of the
    message can end it, and `.` CRLF follows: together with the last line's CRLF, the one and only
    end marker `<CRLF>.<CRLF>`.
    """
    data = message.encode("utf-8") if isinstance(message, str) else message
    if not data:
        return b".\r\n"  # an empty message: the CRLF ending `DATA` is the first half of the marker
    # Whole-message operations at C speed, not a list of lines: an 8 MB message was split into
    # 110,000 objects (issue 15: peak memory 9x the message). Each step copies only if it must.
    crlf = data.count(b"\r\n")
    if data.count(b"\r") != crlf or data.count(b"\n") != crlf:
        data = _LINE_END.sub(b"\r\n", data)
    if data[:1] == b".":
        data = b"." + data
    data = data.replace(b"\r\n.", b"\r\n..")
    return data + (b".\r\n" if data.endswith(b"\r\n") else b"\r\n.\r\n")


# --- the EHLO reply -----------------------------------------------------------------------------


def parse_capabilities(reply: Reply) -> dict[str, str]:
    """`250-SIZE 1048576` -> {"SIZE": "1048576"}; the first line is the server's greeting."""
    capabilities: dict[str, str] = {}
    for line in reply.lines[1:]:
        keyword, _, params = line.strip().partition(" ")
        if keyword:
            capabilities[keyword.upper()] = params.strip()
    return capabilities
