"""The one private part of Rich the tutor relies on: the word splitter its line wrapping uses.

Why: Rich (and so Textual's `Content`, which calls `rich._wrap.divide_line`) breaks lines at
spaces only, and offers no public hook for another rule. Japanese has no spaces, so cjk_wrap.py
swaps `rich._wrap.re_word`, the pattern `divide_line` reads a line's words with.

Checked: rich 14.3.0 to 15.0.0 (`re_word` a compiled pattern read by `divide_line` at call time).
tests/tutor/ui/test_cjk_wrap.py fails by name if a Rich release renames or stops reading it.
"""

from __future__ import annotations

import re

from rich import _wrap


def word_pattern() -> re.Pattern[str]:
    """The pattern Rich splits a line into words with (spaces stay with the word before)."""
    return _wrap.re_word


def set_word_pattern(pattern: re.Pattern[str]) -> None:
    """Use `pattern` for every line Rich wraps from now on, in this process."""
    _wrap.re_word = pattern


def divide_line(text: str, width: int) -> list[int]:
    """Where Rich would break `text` to fit `width` cells (offsets into `text`)."""
    return _wrap.divide_line(text, width)
