"""Postfix's logical lines, shared by `main.cf` and `master.cf` (Postfix's `readllines`).

A logical line starts with text in the first column; each following line that starts with white
space continues it. Blank lines and lines whose first non-blank is `#` are skipped, even inside a
logical line. Pieces are collected and joined once, so a million continuation lines take linear
time (properties.md L4).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from sandbox.config.findings import ConfigError
from sandbox.safety.errors import UnsafeFileError
from sandbox.safety.files import read_user_file

MAX_CONFIG_BYTES = 1024 * 1024
"""A real `main.cf` is a few kilobytes (Debian's is 2); past this it is refused unread (L5)."""


@dataclass(frozen=True, slots=True)
class LogicalLine:
    line: int  # where it starts, 1-based
    text: str  # its pieces joined by one space, each stripped
    starts: tuple[int, ...] = ()  # offset in `text` where each physical line's piece starts
    numbers: tuple[int, ...] = ()  # and that physical line's number

    def line_at(self, offset: int) -> int:
        """The physical line that holds `text[offset]` (a `-o` on its own line is named)."""
        return self.numbers[bisect_right(self.starts, offset) - 1] if self.starts else self.line


@dataclass(frozen=True, slots=True)
class Note:
    """Something Postfix warns about and goes on: `FILE:LINE: what`."""

    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def read_config_file(path: str) -> str:
    """The text of the configuration file at `path`: a regular file (no link, no FIFO), at most
    `MAX_CONFIG_BYTES`, UTF-8 without NUL; otherwise `ConfigError`."""
    from pathlib import Path

    try:
        data = read_user_file(Path(path), MAX_CONFIG_BYTES)
    except UnsafeFileError as exc:
        raise ConfigError(path, 0, f"refused: {exc} (a Postfix file is at most 1 MiB)") from None
    except OSError as exc:
        raise ConfigError(path, 0, f"cannot read it: {exc.strerror or exc}") from None
    return decode(data, path)


def decode(data: bytes | str, path: str) -> str:
    """`data` as text; NUL bytes, bytes that are not UTF-8 and oversize input are `ConfigError`s
    at their line (Postfix itself would read past them and misread the rest)."""
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(path, 0, f"larger than {MAX_CONFIG_BYTES} bytes; refused unread")
    if isinstance(data, str):
        text = data
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise ConfigError(
                path, line, f"byte 0x{data[exc.start]:02x} is not UTF-8: save the file as UTF-8"
            ) from None
    nul = text.find("\0")
    if nul >= 0:
        raise ConfigError(path, text.count("\n", 0, nul) + 1, "a NUL byte: this is not a text file")
    return text


def logical_lines(text: str, path: str, notes: list[Note]) -> Iterator[LogicalLine]:
    """The logical lines of `text`; a continuation with nothing to continue becomes a note and is
    ignored, as Postfix does ("logical line must not start with whitespace")."""
    pieces: list[str] = []
    numbers: list[int] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if raw[0] in " \t\r\f\v":
            if pieces:
                pieces.append(stripped)
                numbers.append(number)
            else:
                what = f"logical line must not start with whitespace: {stripped[:60]!r}"
                notes.append(Note(path, number, what))
            continue
        if pieces:
            yield _joined(pieces, numbers)
        pieces, numbers = [stripped], [number]
    if pieces:
        yield _joined(pieces, numbers)


def _joined(pieces: list[str], numbers: list[int]) -> LogicalLine:
    starts: list[int] = []
    offset = 0
    for piece in pieces:
        starts.append(offset)
        offset += len(piece) + 1
    return LogicalLine(numbers[0], " ".join(pieces), tuple(starts), tuple(numbers))
