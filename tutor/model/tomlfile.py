"""A pack's TOML files (the manifest, the glossary), read the same careful way: through
`read_user_file` (no links, regular files only, bounded: J5), as UTF-8, with `tomllib`; what goes
wrong is one `file:line: message` LessonError, never an exception. Pure: no Textual.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from sandbox.safety.files import read_user_file
from tutor.model.lesson import LessonError

_TOML_LINE = re.compile(r"at line (\d+)")


def read_text(path: Path, file: str, max_bytes: int) -> str | LessonError:
    """The text of `path` (named `file` in messages), or why it cannot be read."""
    try:
        raw = read_user_file(path, max_bytes)
    except OSError as exc:
        why = str(exc).replace(f"{path} ", "", 1) if str(path) in str(exc) else exc.strerror
        return LessonError(file, 0, f"cannot read: {why or exc}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return LessonError(file, 0, f"not UTF-8 text ({exc.reason} at byte {exc.start})")


def load(text: str, file: str) -> dict[str, Any] | LessonError:
    """The TOML document `text`, or its error at its line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        why = str(exc).split(" (at ", 1)[0]
        return LessonError(file, int(m.group(1)) if m else 0, f"not TOML: {why}")
    except RecursionError:  # tomllib parses nested arrays and tables by recursion (X3)
        return LessonError(file, 0, "not TOML: nested too deeply")
