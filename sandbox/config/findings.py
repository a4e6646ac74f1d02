"""What a configuration reader or linter reports: errors that stop a read, and findings.

Both point at a line of the learner's file, as compilers do (`FILE:LINE: level: what`), so an
editor and the tutor can mark the line. A finding's words come in every language the course has:
the sandbox knows no UI, so each linter hands its own table of texts to `Finding`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum


class ConfigError(ValueError):
    """A file that cannot be read as a configuration: nothing of it is used."""

    def __init__(self, path: str, line: int, what: str) -> None:
        super().__init__(f"{path}:{line}: {what}")
        self.path, self.line, self.what = path, line, what


class Level(Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Words:
    """One finding's text in one language: what is wrong, why it matters, how to fix it."""

    what: str
    why: str
    fix: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a linter found at `path:line`; `key` names the kind (tests assert on it)."""

    key: str
    level: Level
    path: str
    line: int
    words: Mapping[str, Words] = field(compare=False)  # language code -> text

    def text(self, lang: str = "en") -> Words:
        return self.words.get(lang) or self.words["en"]

    def render(self, lang: str = "en") -> str:
        """`FILE:LINE: level: what`, then why and the fix, indented: the linters' output."""
        w = self.text(lang)
        return f"{self.path}:{self.line}: {self.level.value}: {w.what}\n    {w.why}\n    {w.fix}"
