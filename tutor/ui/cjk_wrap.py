"""Line breaking for Japanese in the UI: a break may fall between any two wide characters.

Rich (and so Textual's `Content`) wraps at spaces only. Japanese has no spaces, so a whole
sentence counts as one "word": it is pushed to a new line and chopped there, leaving ragged short
lines ("Aliceのメー" / "ルソフトは"). Japanese typesetting breaks between characters instead,
except before closing punctuation or after opening brackets (kinsoku). `install()` teaches Rich's
word splitter exactly that (through rich_private.py); text without wide characters splits as
before.
"""

from __future__ import annotations

import re

from tutor.ui import rich_private

_WIDE = (
    r"\u2e80-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff01-\uff60"
)
_OPENING = r"「『（［｛〈《【〔"
_CLOSING = r"、。，．・：；？！ー）」』］｝〉》】〕ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"

# One "word": opening brackets, then one wide character or a run of anything else that is not a
# space, then closing marks; with surrounding spaces, as Rich's own pattern has them.
WORD = re.compile(rf"\s*[{_OPENING}]*(?:[{_WIDE}]|[^\s{_WIDE}]+)[{_CLOSING}]*\s*")


def install() -> None:
    """Use `WORD` for Rich's wrapping in this process (the TUI only; idempotent)."""
    rich_private.set_word_pattern(WORD)
