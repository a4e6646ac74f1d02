"""The caught mail, read back: `smtp-tutor mailbox` and the TUI's mailbox screen.

A Maildir the sandbox wrote (`Maildir`, sandbox.smtpd.mailbox) holds one file per message in
`new/` (and `cur/`, if a mail client moved it), named `<time_ns>.<queue id>.<host>`. A message is
what a client sent, so every header and body line is hostile until escaped (I5): lines come out
as `escape_bytes` text, never a raw control byte. Files are read as user files (J5): no links, no
FIFOs, bounded; one that cannot be read is listed with why, never a traceback.

The sandbox writes a `Received:` trace header with the TLS version and cipher, Postfix style
(`smtpd_tls_received_header`): `tls_of` reads it back for the list.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from sandbox.safety.files import read_user_file
from sandbox.safety.text import escape_bytes

MAX_MESSAGE = 16 * 1024 * 1024  # the sandbox takes about 1 MiB (D5); room for a teacher's own
MAX_LISTED = 10_000  # a Maildir's file bound (D12)
HEADER_LINES = 500  # a header block longer than this is cut (and says so)
_TLS = re.compile(r"\(using (TLSv[\d.]+|SSLv\d) with cipher ([A-Za-z0-9_-]+)")
_SUMMARY = ("from", "to", "subject", "date")


@dataclass(frozen=True, slots=True)
class MailFile:
    """One file of a Maildir: `id` is the queue id the server gave it (unique in the store)."""

    id: str
    path: Path
    size: int
    folder: str  # "new" or "cur"


@dataclass(frozen=True, slots=True)
class Header:
    """One header field, escaped: `lines` holds its first line and any folded continuation."""

    name: str
    lines: tuple[str, ...]

    @property
    def value(self) -> str:
        first = self.lines[0].partition(":")[2].strip()
        return " ".join([first, *(line.strip() for line in self.lines[1:])]).strip()


@dataclass(frozen=True, slots=True)
class CaughtMail:
    """A message read back: its headers (the trace headers first), body lines, all escaped."""

    file: MailFile
    headers: tuple[Header, ...]
    body: tuple[str, ...]
    cut: bool  # more header lines than HEADER_LINES

    def header(self, name: str) -> str:
        """The first `name` header's value (escaped), or ""."""
        wanted = name.lower()
        return next((h.value for h in self.headers if h.name.lower() == wanted), "")

    @property
    def received(self) -> tuple[Header, ...]:
        return tuple(h for h in self.headers if h.name.lower() == "received")

    @property
    def tls(self) -> tuple[str, str] | None:
        """(version, cipher) from the sandbox's own `Received:` (the first one), or None."""
        first = self.received[:1]
        return tls_of(" ".join(first[0].lines)) if first else None


class MailboxError(Exception):
    """A mailbox that cannot be read, or a message id that names nothing: one line."""


def tls_of(received: str) -> tuple[str, str] | None:
    match = _TLS.search(received)
    return (match.group(1), match.group(2)) if match else None


def list_files(root: Path) -> list[MailFile]:
    """The messages of the Maildir at `root`, oldest first; [] when it has none yet."""
    if root.is_symlink():
        raise MailboxError(f"{root} is a symbolic link; it is not followed")
    found: list[MailFile] = []
    for folder in ("new", "cur"):
        try:
            entries = list(os.scandir(root / folder))
        except FileNotFoundError:
            continue
        except NotADirectoryError:
            raise MailboxError(f"{root / folder} is not a folder: not a Maildir") from None
        except OSError as exc:
            raise MailboxError(f"cannot read {root / folder}: {exc.strerror or exc}") from None
        for entry in entries:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode) or entry.name.startswith("."):
                continue  # links, FIFOs and dot files are never mail
            parts = entry.name.split(".")
            msg_id = parts[1] if len(parts) >= 3 and parts[1] else entry.name.split(":")[0]
            found.append(MailFile(msg_id, Path(entry.path), st.st_size, folder))
    found.sort(key=lambda f: f.path.name)  # the names start with the arrival time in ns
    return found[-MAX_LISTED:]


def find(root: Path, wanted: str) -> MailFile:
    """The message `wanted` names: its queue id, or its number in the list (1 is the oldest)."""
    files = list_files(root)
    if wanted.isdigit() and 1 <= int(wanted) <= len(files):
        return files[int(wanted) - 1]
    for file in files:
        if file.id == wanted:
            return file
    shown = escape_bytes(wanted.encode("utf-8", "surrogateescape")[:60])
    raise MailboxError(f"no message {shown!r} in {root} ({len(files)} there)")


def read_mail(file: MailFile) -> CaughtMail:
    """The message in `file`, escaped line by line; `MailboxError` when it cannot be read."""
    try:
        data = read_user_file(file.path, MAX_MESSAGE)
    except OSError as exc:
        raise MailboxError(f"cannot read {file.path}: {exc.strerror or exc}") from None
    return parse_mail(file, data)


def parse_mail(file: MailFile, data: bytes) -> CaughtMail:
    """Split `data` into escaped headers and body lines (CRLF, LF or a mix; any bytes)."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    lines = [line[:-1] if line.endswith(b"\r") else line for line in lines]
    headers: list[Header] = []
    current: list[str] = []
    name = ""
    index = 0
    for index, line in enumerate(lines):  # noqa: B007 (the body starts after the last one)
        if line == b"":
            break
        if line[:1] in (b" ", b"\t") and current:
            rest = line.lstrip(b" \t")  # the folding white space stays as it is: harmless
            current.append(line[: len(line) - len(rest)].decode("ascii") + escape_bytes(rest))
            continue
        if current:
            headers.append(Header(name, tuple(current)))
        name = escape_bytes(line.partition(b":")[0].strip()) or "(no name)"
        current = [escape_bytes(line)]
    else:
        index = len(lines)
    if current:
        headers.append(Header(name, tuple(current)))
    cut = len(headers) > HEADER_LINES
    body = tuple(escape_bytes(line) for line in lines[index + 1 :])
    return CaughtMail(file, tuple(headers[:HEADER_LINES]), body, cut)
