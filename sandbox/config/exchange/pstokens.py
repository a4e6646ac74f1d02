"""PowerShell, as far as a connector script needs it: commands, parameters and their values.

What the Exchange Management Shell accepts in a script of connector cmdlets (properties.md L40):
`'literal'` strings (`''` is one quote), `"expandable"` strings with backtick escapes (`` `n ``,
`` `t ``, `` `0 ``, `` `" ``; `""` is one quote), bare words, `$true`/`$false`/`$null`, arrays as
`a, b, c` or `@(a, b)`, `-Name value` and `-Name:value`, pipelines (`|`), `;` and newlines between
statements, `#` and `<# ... #>` comments. A backtick right before the end of a line continues the
statement; a backtick before a space only escapes the space, so the line ends there (PowerShell's
own trap, shown as it bites). A line ending in `|` or `,` continues too.

Everything else (variables, sub-expressions, script blocks, here-strings) is a `ConfigError` at
its line: a connector script needs none of them. The scan is one pass over the text (L41).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.config.findings import ConfigError

Scalar = str | bool | None
Value = Scalar | tuple[Scalar, ...]


@dataclass(frozen=True, slots=True)
class Param:
    """`-Name` (`value` None, `attached` False) or `-Name:value` (`attached` True)."""

    name: str
    line: int
    value: Value = None
    attached: bool = False


@dataclass(frozen=True, slots=True)
class Argument:
    """A value on its own: a positional argument, or the value of the parameter before it."""

    value: Value
    line: int


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    line: int
    items: tuple[Param | Argument, ...]


Pipeline = tuple[Command, ...]

_WORD_END = frozenset(" \t\r\n,;|(){}'\"`")
_WORD_RUN = re.compile(r"[^ \t\r\n,;|(){}'\"`]+")
_SPACE_RUN = re.compile(r"[ \t]+")
_DQ_RUN = re.compile(r'[^`"$]*')
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_PARAM = re.compile(r"-([A-Za-z_][A-Za-z0-9_]*)")
_DQ_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "b": "\b", "e": "\x1b"}
_DQ_ESCAPES |= {"f": "\f", "v": "\v"}


def tokenize(text: str, path: str) -> list[Pipeline]:
    """The statements of a script, each a pipeline of commands; `ConfigError` at the first fault."""
    return _Scanner(text, path).script()


class _Scanner:
    def __init__(self, text: str, path: str) -> None:
        self.text, self.path = text, path
        self.pos, self.line = 0, 1

    # --- errors and low-level moves ---------------------------------------------------------------

    def error(self, what: str, line: int | None = None) -> ConfigError:
        return ConfigError(self.path, line or self.line, what)

    def peek(self, offset: int = 0) -> str:
        i = self.pos + offset
        return self.text[i] if i < len(self.text) else ""

    def advance(self, n: int = 1) -> None:
        self.line += self.text.count("\n", self.pos, self.pos + n)
        self.pos += n

    def skip_blanks(self, *, newlines: bool) -> None:
        """Spaces, comments and line continuations; with `newlines`, line ends as well."""
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c in " \t":
                self.pos = _SPACE_RUN.match(text, self.pos).end()  # type: ignore[union-attr]
            elif c == "`" and self.peek(1) in ("\n", "\r"):
                self.advance(3 if text.startswith("`\r\n", self.pos) else 2)
            elif c == "<" and self.peek(1) == "#":
                end = text.find("#>", self.pos + 2)
                if end < 0:
                    raise self.error("Missing the terminator '#>' of a <# ... #> comment block.")
                self.advance(end + 2 - self.pos)
            elif c == "#":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            elif newlines and c in "\r\n":
                self.advance()
            else:
                return

    def at_statement_end(self) -> bool:
        return self.peek() in ("", "\n", "\r", ";", "|")

    # --- grammar ----------------------------------------------------------------------------------

    def script(self) -> list[Pipeline]:
        statements: list[Pipeline] = []
        while True:
            self.skip_blanks(newlines=True)
            while self.peek() == ";":
                self.advance()
                self.skip_blanks(newlines=True)
            if not self.peek():
                return statements
            statements.append(self.pipeline())

    def pipeline(self) -> Pipeline:
        commands = [self.command()]
        while self.peek() == "|":
            self.advance()
            self.skip_blanks(newlines=True)  # a line ending in | goes on
            commands.append(self.command())
        return tuple(commands)

    def command(self) -> Command:
        line, c = self.line, self.peek()
        name = _NAME.match(self.text, self.pos)
        if name is None:
            shown = self._shown_word()
            hint = ""
            if c == "-" and line > 1:
                hint = (
                    " (the line before ends the statement: a backtick continues a line only "
                    "as its very last character, with no space after it)"
                )
            raise self.error(
                f"The term '{shown}' is not recognized as the name of a cmdlet, function, script "
                f"file, or operable program.{hint}"
            )
        self.advance(name.end() - self.pos)
        items: list[Param | Argument] = []
        while True:
            self.skip_blanks(newlines=False)
            if self.at_statement_end():
                return Command(name.group(), line, tuple(items))
            param = _PARAM.match(self.text, self.pos) if self.peek() == "-" else None
            if param is not None:
                self.advance(param.end() - self.pos)
                if self.peek() == ":":
                    self.advance()
                    self.skip_blanks(newlines=False)
                    if self.at_statement_end():
                        raise self.error(f"Missing an argument for parameter '{param.group(1)}'.")
                    items.append(Param(param.group(1), self.line, self.value(), attached=True))
                else:
                    items.append(Param(param.group(1), self.line))
            else:
                arg_line = self.line
                items.append(Argument(self.value(), arg_line))

    def _shown_word(self) -> str:
        match = _WORD_RUN.match(self.text, self.pos)
        return match.group()[:60] if match else self.peek() or "end of script"

    def value(self) -> Value:
        """One value, or an array when commas join several (`a, b` or `a,` + newline + `b`)."""
        first = self.scalar_or_array()
        items: list[Scalar] | None = None
        while True:
            mark = (self.pos, self.line)
            self.skip_blanks(newlines=False)
            if self.peek() != ",":
                self.pos, self.line = mark
                break
            self.advance()
            self.skip_blanks(newlines=True)
            if items is None:
                items = _flat([first])
            items.extend(_flat([self.scalar_or_array()]))
        return first if items is None else tuple(items)

    def scalar_or_array(self) -> Value:
        c, line = self.peek(), self.line
        if c == "@" and self.peek(1) == "(":
            self.advance(2)
            return self.array(line)
        if c == "@" and self.peek(1) in ("'", '"'):
            raise self.error("Here-strings (@' ... '@) are not read by the sandbox: use '...'.")
        if c == "$":
            return self.variable()
        if not c:
            raise self.error("Missing expression after ','.")
        if c in ",;|)}":
            raise self.error(f"Unexpected token '{c}' in expression or statement.")
        if c in "({":
            raise self.error(
                f"'{c}' starts a sub-expression or script block, which the sandbox does not "
                "run: write the value itself."
            )
        return self.word()

    def array(self, line: int) -> tuple[Scalar, ...]:
        items: list[Scalar] = []
        while True:
            self.skip_blanks(newlines=True)
            c = self.peek()
            if c == ")":
                self.advance()
                return tuple(items)
            if not c:
                raise self.error("Missing closing ')' in expression.", line)
            if c in ",;":
                self.advance()
                continue
            items.extend(_flat([self.value()]))

    def variable(self) -> Scalar:
        match = _NAME.match(self.text, self.pos + 1)
        name = match.group() if match else ""
        self.advance(1 + len(name))
        known: dict[str, Scalar] = {"true": True, "false": False, "null": None}
        if name.lower() not in known:
            raise self.error(
                f"The variable '${name}' is not set: the sandbox reads connector scripts "
                "without variables; write the value itself."
            )
        return known[name.lower()]

    def word(self) -> str:
        """A bare word, possibly joined to quoted parts (`a"b c"` is `ab c`, as in PowerShell)."""
        parts: list[str] = []
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c == "'":
                parts.append(self.single_quoted())
            elif c == '"':
                parts.append(self.double_quoted())
            elif c == "`":
                nxt = self.peek(1)
                if not nxt:
                    raise self.error("A backtick at the end of the script escapes nothing.")
                if nxt in ("\n", "\r"):
                    break  # a line continuation ends the word
                parts.append(nxt)
                self.pos += 2
            elif c in _WORD_END:
                break
            else:
                run = _WORD_RUN.match(text, self.pos)
                assert run is not None
                parts.append(run.group())
                self.pos = run.end()
        return "".join(parts)

    def single_quoted(self) -> str:
        start = self.line
        self.pos += 1
        parts: list[str] = []
        text = self.text
        while True:
            end = text.find("'", self.pos)
            if end < 0:
                raise self.error("The string is missing the terminator: '.", start)
            parts.append(text[self.pos : end])
            self.advance(end - self.pos)
            if text.startswith("''", end):
                parts.append("'")
                self.advance(2)
                continue
            self.advance()
            return "".join(parts)

    def double_quoted(self) -> str:
        start = self.line
        self.pos += 1
        parts: list[str] = []
        text = self.text
        while True:
            if self.pos >= len(text):
                raise self.error('The string is missing the terminator: ".', start)
            c = text[self.pos]
            if c == "`":
                nxt = self.peek(1)
                if not nxt:
                    raise self.error('The string is missing the terminator: ".', start)
                parts.append(_DQ_ESCAPES.get(nxt, nxt))
                self.advance(2)
            elif c == '"':
                if self.peek(1) == '"':
                    parts.append('"')
                    self.advance(2)
                    continue
                self.advance()
                return "".join(parts)
            elif c == "$" and (self.peek(1).isalpha() or self.peek(1) in "{(_"):
                raise self.error(
                    'A "..." string expands $ variables, and the sandbox sets none: use '
                    "'...' for a literal $, or write `$."
                )
            else:
                end = _DQ_RUN.match(text, self.pos + 1).end()  # type: ignore[union-attr]
                parts.append(text[self.pos : end])
                self.advance(end - self.pos)


def _flat(values: list[Value]) -> list[Scalar]:
    out: list[Scalar] = []
    for v in values:
        if isinstance(v, tuple):
            out.extend(v)
        else:
            out.append(v)
    return out
