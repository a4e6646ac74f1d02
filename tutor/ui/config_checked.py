"""A linter's verdict on the config lab's files, Postfix's or Exchange's: its findings, or the
error that stops a read, and the lines to mark in the editor. Pure: no Textual."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.config.findings import ConfigError, Finding


@dataclass(frozen=True, slots=True)
class Checked:
    """`postfix check` of the learner's files: its findings, or the error that stops a read."""

    findings: tuple[Finding, ...] = ()
    error: ConfigError | None = None

    @property
    def lines(self) -> dict[str, dict[int, str]]:
        """File -> line -> the worst level there (`error`, `warning`, `note`)."""
        order = {"note": 0, "warning": 1, "error": 2}
        out: dict[str, dict[int, str]] = {}
        marks = [(f.path, f.line, f.level.value) for f in self.findings]
        if self.error is not None:
            marks.append((self.error.path, self.error.line, "error"))
        for path, line, level in marks:
            if line <= 0:
                continue
            at = out.setdefault(path, {})
            if order[level] >= order.get(at.get(line, "note"), 0):
                at[line] = level
        return out
