"""The small `key: value` format of interactive block bodies (and front matter), line-numbered.

    key: value            a scalar
    key:                  a bare key takes either a list...
      - item
      - item              ...(an indented line continues the item above it)
    other:
      a long value        ...or a scalar written on the indented lines below it
    more: >-              (YAML's `>`, `>-`, `|`... after a key are accepted and ignored)
      a long value

Blank lines are ignored. Values lose one pair of surrounding double quotes. Every problem is
reported with its line; parsing goes on after one, so an author sees them all at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from tutor.model.lesson import LessonError

_YAML_BLOCK = {">", ">-", ">+", "|", "|-", "|+"}
_KEY_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)[ \t]*:(.*)$")


@dataclass(slots=True)
class Item:
    text: str
    line: int


@dataclass(slots=True)
class Field:
    key: str
    line: int
    value: str | None = None  # a scalar (after continuation lines are joined)
    items: list[Item] | None = None  # a list, when the key is bare and `- item` lines follow

    @property
    def is_list(self) -> bool:
        return self.items is not None


@dataclass(slots=True)
class Fields:
    """Parsed `key: value` lines: fields by key, and every problem found on the way."""

    by_key: dict[str, Field] = field(default_factory=dict)
    errors: list[LessonError] = field(default_factory=list)


def unquote(value: str) -> str:
    """`"text"` -> `text`, only when the quotes are the value's only double quotes."""
    if len(value) >= 2 and value[0] == value[-1] == '"' and value.count('"') == 2:
        return value[1:-1]
    return value


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def join_all(pieces: Sequence[str]) -> str:
    """A value's first piece and its continuation lines, joined with a space, except between
    Japanese (wide) characters; empty pieces add nothing.

    Joining them one at a time copies the text so far at each line: quadratic in a long value.
    """
    out: list[str] = []
    last = ""  # the last character joined so far
    for piece in pieces:
        if not piece:
            continue
        if last:
            out.append("" if _wide(last) or _wide(piece[0]) else " ")
        out.append(piece)
        last = piece[-1]
    return "".join(out)


def whole_number(text: str, most: int) -> int | None:
    """`text` as a whole number from 0 to `most` (ASCII digits only), or None.

    Measured by its digits before `int()`: Python refuses to convert more than 4,300 digits
    (ValueError), and a lesson's number is never that long.
    """
    if not text.isascii() or not text.isdigit():
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(most)):
        return None
    n = int(digits)
    return n if n <= most else None


def count(n: int, noun: str) -> str:
    """`1 choice`, `3 choices`."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def shorten(text: str, width: int = 40) -> str:
    text = text.strip()
    return text if len(text) <= width else text[: width - 3] + "..."


def parse_fields(lines: Sequence[str], first_line: int, file: str, what: str) -> Fields:
    """Parse `lines` (the first being line `first_line` of `file`); `what` prefixes messages."""
    out = Fields()
    current: Field | None = None
    # The text being continued (the last item's, or the current key's value): its first piece
    # and its continuation lines, joined once when it is complete.
    pieces: list[str] = []
    target: Item | Field | None = None

    def settle() -> None:
        nonlocal target
        if isinstance(target, Item):
            target.text = join_all(pieces)
        elif target is not None:
            target.value = join_all(pieces)
        pieces.clear()
        target = None

    def error(line: int, message: str) -> None:
        out.errors.append(LessonError(file, line, f"{what}: {message}"))

    for n, raw in enumerate(lines, start=first_line):
        text = raw.rstrip()
        if not text.strip():
            continue
        stripped = text.strip()
        indented = text[0] in " \t\u3000"
        is_item = stripped == "-" or stripped.startswith(("- ", "-\t"))
        if is_item:
            item = unquote(stripped[1:].strip())
            if current is None:
                error(n, f"list item {shorten(stripped)!r} has no bare 'key:' above it")
            elif current.value is not None:
                k = current.key
                error(n, f"'{k}' already has a value; a list goes under a bare '{k}:'")
            else:
                if current.items is None:
                    current.items = []
                settle()
                new_item = Item(item, n)
                current.items.append(new_item)
                target = new_item
                pieces.append(item)
            continue
        if indented:
            if current is None:
                error(n, f"indented line {shorten(stripped)!r} continues nothing")
            elif current.items or current.value is not None:
                pieces.append(stripped)  # continues the last item or the value
            else:  # first indented line under a bare key: a scalar written below its key
                settle()
                current.value = stripped
                target = current
                pieces.append(stripped)
            continue
        settle()
        m = _KEY_LINE.match(text)
        if m is None:
            error(n, f"expected 'key: value', got {shorten(stripped)!r}")
            current = None
            continue
        key, value = m.group(1), m.group(2).strip()
        if value in _YAML_BLOCK:  # `key: >-` out of YAML habit: the text follows, indented
            value = ""
        new = Field(key, n, value or None)
        if key in out.by_key:
            error(n, f"'{key}' given twice (first on line {out.by_key[key].line})")
        else:
            out.by_key[key] = new
        current = new
        if new.value is not None:
            target = new
            pieces.append(new.value)
    settle()
    for f in out.by_key.values():
        if f.value is not None:
            f.value = unquote(f.value)
    return out
