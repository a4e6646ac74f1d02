"""Japanese prose in Markdown: soft line breaks between CJK characters are not spaces.

Markdown turns a line break inside a paragraph into a space, which is right for English and wrong
for Japanese ("暗号化された レコード"). Lessons are written with short source lines, so before
Markdown is rendered, a line break with a wide character on both sides is removed (together with
the next line's indentation). Code fences are left alone. Pure: no Textual.
"""

from __future__ import annotations

import unicodedata


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def join_cjk_lines(markdown: str) -> str:
    """`markdown` with soft breaks between two wide characters removed, outside code fences."""
    if markdown.isascii():
        return markdown  # fast path: English
    out: list[str] = []
    fence: str | None = None
    for line in markdown.split("\n"):
        stripped = line.lstrip()
        if fence is None and stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            out.append(line)
            continue
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            out.append(line)
            continue
        prev = out[-1] if out else ""
        if (
            prev
            and stripped
            and _wide(prev[-1])
            and _wide(stripped[0])
            and not prev.lstrip().startswith(("```", "~~~", "|", "#"))
        ):
            out[-1] = prev + stripped
        else:
            out.append(line)
    return "\n".join(out)
