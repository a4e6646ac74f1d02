"""`$name` expansion as Postfix does it (`mac_expand`), over raw values that know their line.

Forms: `$name`, `${name}`, `$(name)`, `$$` (a `$`), `${name?text}` (text when name is not
empty), `${name:text}` (text when it is empty) and `${name?{text}:{text}}`. An undefined name
expands to nothing, with a note, as Postfix warns "undefined parameter". A name that refers to
itself, directly or through others, or nesting deeper than Postfix allows, is a `ConfigError` at
the line of the value that starts the loop (L3); so is growth past `MAX_EXPANDED` characters, in
one value (`b = $a$a`, `c = $b$b`, ...) or all values together (a thousand `pN = $big`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sandbox.config.findings import ConfigError
from sandbox.config.postfix.lines import Note

MAX_DEPTH = 100
"""Postfix's own limit ("unreasonable macro call nesting")."""
MAX_EXPANDED = 4 * 1024 * 1024
"""No real configuration expands past a few kilobytes; a file is at most 1 MiB as written."""

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_CLOSE = {"{": "}", "(": ")"}


@dataclass(frozen=True, slots=True)
class Raw:
    """A parameter's value as written, and where (line 0: Postfix's default)."""

    value: str
    path: str
    line: int


class Expander:
    """Expands parameters found by `lookup`; each name once (memoised), so sharing is cheap."""

    def __init__(self, lookup: Callable[[str], Raw | None], notes: list[Note]) -> None:
        self._lookup = lookup
        self._notes = notes
        self._done: dict[str, str] = {}
        self._stack: list[str] = []
        self._nesting = 0  # `${a?${b?...}}` inside one value
        self._total = 0  # characters expanded so far, all values together

    def value(self, name: str) -> str:
        """The expanded value of `name` ("" when it is not defined anywhere)."""
        if name in self._done:
            return self._done[name]
        raw = self._lookup(name)
        if raw is None:
            return ""
        if name in self._stack:
            loop = " -> ".join([*self._stack[self._stack.index(name) :], name])
            first = self._lookup(self._stack[self._stack.index(name)]) or raw
            raise ConfigError(first.path, first.line, f"${name} refers to itself ({loop})")
        if len(self._stack) >= MAX_DEPTH:
            raise ConfigError(raw.path, raw.line, f"unreasonable macro call nesting: {name!r}")
        self._stack.append(name)
        try:
            out = self.text(raw.value, raw)
        finally:
            self._stack.pop()
        self._total += len(out)
        if self._total > MAX_EXPANDED:
            raise ConfigError(raw.path, raw.line, f"expands to more than {MAX_EXPANDED} characters")
        self._done[name] = out
        return out

    def text(self, value: str, where: Raw) -> str:
        """`value` with every macro in it expanded; `where` places errors."""
        out: list[str] = []
        size = 0
        i, n = 0, len(value)
        while i < n:
            j = value.find("$", i)
            if j < 0:
                out.append(value[i:])
                size += n - i
                break
            out.append(value[i:j])
            size += j - i
            piece, i = self._macro(value, j, where)
            out.append(piece)
            size += len(piece)
            if size > MAX_EXPANDED:
                raise ConfigError(
                    where.path, where.line, f"expands to more than {MAX_EXPANDED} characters"
                )
        result = "".join(out)
        if len(result) > MAX_EXPANDED:
            raise ConfigError(
                where.path, where.line, f"expands to more than {MAX_EXPANDED} characters"
            )
        return result

    def _macro(self, value: str, at: int, where: Raw) -> tuple[str, int]:
        """The expansion of the macro at `value[at] == "$"`, and the index after it."""
        nxt = value[at + 1 : at + 2]
        if nxt == "$":
            return "$", at + 2
        if nxt in _CLOSE:
            end = _matching(value, at + 1)
            if end < 0:
                raise ConfigError(where.path, where.line, f"unmatched {nxt!r} in {value!r}")
            return self._braced(value[at + 2 : end], where), end + 1
        k = at + 1
        while k < len(value) and value[k] in _NAME_CHARS:
            k += 1
        if k == at + 1:
            return "$", at + 1  # a `$` before anything else stays as written
        return self._named(value[at + 1 : k], where), k

    def _braced(self, inner: str, where: Raw) -> str:
        k = 0
        while k < len(inner) and inner[k] in _NAME_CHARS:
            k += 1
        name, rest = inner[:k], inner[k:]
        if not name:
            raise ConfigError(where.path, where.line, f"not a parameter name: ${{{inner}}}")
        if not rest:
            return self._named(name, where)
        op, arg = rest[0], rest[1:]
        if op not in "?:":
            raise ConfigError(
                where.path, where.line, f"${{{inner}}}: expected ?, : or }} after {name!r}"
            )
        when_set, when_empty = _branches(op, arg)
        chosen = when_set if self._named(name, where) else when_empty
        if self._nesting + len(self._stack) >= MAX_DEPTH:
            raise ConfigError(where.path, where.line, f"unreasonable macro call nesting: {name!r}")
        self._nesting += 1
        try:
            return self.text(chosen, where)
        finally:
            self._nesting -= 1

    def _named(self, name: str, where: Raw) -> str:
        if self._lookup(name) is None:
            self._notes.append(Note(where.path, where.line, f"undefined parameter: {name}"))
            return ""
        return self.value(name)


def _branches(op: str, arg: str) -> tuple[str, str]:
    """(text when set, text when empty) of `?arg` / `:arg` / `?{a}:{b}`."""
    if op == "?" and arg.startswith("{"):
        end = _matching(arg, 0)
        if end > 0 and arg[end + 1 : end + 3] == ":{" and arg.endswith("}"):
            return arg[1:end], arg[end + 3 : -1]
        if end == len(arg) - 1:
            return arg[1:end], ""
    if arg.startswith("{") and arg.endswith("}") and _matching(arg, 0) == len(arg) - 1:
        arg = arg[1:-1]
    return (arg, "") if op == "?" else ("", arg)


def _matching(text: str, open_at: int) -> int:
    """The index of the bracket closing `text[open_at]`, or -1."""
    opener = text[open_at]
    closer = _CLOSE[opener]
    depth = 0
    for k in range(open_at, len(text)):
        c = text[k]
        if c == opener:
            depth += 1
        elif c == closer:
            depth -= 1
            if depth == 0:
                return k
    return -1
