"""What a lesson's block structure must not do, as `LessonError`s at file lines: a fence never
closed, an unknown block kind, an interactive block inside a list or quote, a reference-style
link definition (tutor.model.parse runs these over markdown-it's block tokens)."""

from __future__ import annotations

import re

from markdown_it.token import Token

from tutor.model.block_kinds import BLOCK_KINDS, CODE_LANGUAGES, unknown_kind
from tutor.model.lesson import LessonError

_CLOSING_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})[ \t]*$")  # `>`: inside a quote
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:")


def fence_info(token: Token) -> str:
    """The fence's first info word: a block kind or a code language."""
    words = token.info.split()
    return words[0] if words else ""


def top_level(tokens: list[Token]) -> list[int]:
    """Indexes of the tokens that open a top-level block."""
    return [
        i
        for i, t in enumerate(tokens)
        if t.level == 0 and t.map is not None and not t.type.endswith("_close")
    ]


def check_fences(
    tokens: list[Token], lines: list[str], file: str, errors: list[LessonError]
) -> None:
    for t in tokens:
        if t.type != "fence" or t.map is None:
            continue
        start, end = t.map
        m = _CLOSING_FENCE.match(lines[end - 1]) if end - 1 > start else None
        closed = m is not None and m.group(1)[0] == t.markup[0] and len(m.group(1)) >= len(t.markup)
        if not closed:
            errors.append(
                LessonError(file, start + 1, f"the '{t.markup}{t.info}' fence is never closed")
            )
        info = fence_info(t)
        if info not in BLOCK_KINDS and info not in CODE_LANGUAGES:
            errors.append(LessonError(file, start + 1, unknown_kind(info)))
        elif t.level > 0 and info in BLOCK_KINDS:
            errors.append(
                LessonError(
                    file,
                    start + 1,
                    f"{info}: an interactive block starts at the left margin, "
                    "not inside a list or a quote",
                )
            )


def reference_definitions(
    top: list[Token], lines: list[str], first: int, file: str, errors: list[LessonError]
) -> None:
    covered = {i for t in top if t.map for i in range(t.map[0], t.map[1])}
    for i in range(first, len(lines)):
        if i not in covered and _REF_DEF.match(lines[i]):
            errors.append(
                LessonError(
                    file,
                    i + 1,
                    "reference-style link definition: write the link inline, [text](url), "
                    "so every part of the lesson renders on its own",
                )
            )
