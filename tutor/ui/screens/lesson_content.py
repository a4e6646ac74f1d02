"""What the lesson screen makes of a lesson's content: a heading as plain text, the intro without
its title, the blocks still open in a step, and the lesson a relative link leads to.

No Textual here but the blocks' common type: tutor/ui/screens/lesson.py shows the result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import assert_never

from tutor.model.lesson import (
    Block,
    CustomBlock,
    Interactive,
    Lab,
    Lesson,
    Prose,
    Quiz,
    Step,
    Transcript,
)
from tutor.ui.widgets.blocks import InteractiveBlock


def open_item_word(block: Interactive) -> str:
    """The `lesson.open.*` words that name a block still to do ("a quiz", "the lab")."""
    match block:
        case Quiz():
            return "quiz"
        case Transcript():
            return "transcript"
        case Lab():
            return "lab"
        case CustomBlock():
            return "block"  # "an exercise": a kind registered from outside brings no words
        case _:
            assert_never(block)


def open_item_counts(step: Step, open_blocks: Iterable[int]) -> dict[str, int]:
    """How many blocks of each kind are still open in `step`, kinds in block order."""
    counts: dict[str, int] = {}
    interactive = {id(b): b for b in step.interactive}
    for i in sorted(open_blocks):
        kind = open_item_word(interactive[id(step.blocks[i])])
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def plain_inline(markdown: str) -> str:
    """A heading's inline Markdown as plain text (`code`, **bold** and _em_ marks dropped)."""
    return re.sub(r"(\*\*|__|`)", "", markdown)


def drop_title(block: Block) -> Block | None:
    """The intro's `# Title` (there for readers on a code host) repeats what the title bar shows:
    leave it out."""
    if not isinstance(block, Prose):
        return block
    first, _, rest = block.markdown.lstrip("\n").partition("\n")
    if first.startswith("# "):
        return Prose(rest.strip("\n"), block.line) if rest.strip() else None
    return block


def first_open(blocks: list[InteractiveBlock]) -> InteractiveBlock | None:
    return next((b for b in blocks if not b.done), None)


def linked_lesson(href: str, lessons: Iterable[Lesson]) -> str | None:
    """The id of the lesson whose file a relative link names (its anchor ignored), if any."""
    name = PurePosixPath(href.split("#", 1)[0]).name
    for lesson in lessons:
        if name and PurePosixPath(lesson.file).name == name:
            return lesson.id
    return None
