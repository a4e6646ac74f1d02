"""The lesson block kinds: which fence info string builds which block, in one table.

A block kind is its model (a frozen dataclass in `tutor.model.lesson`, or a `CustomBlock`
subclass), its builder (`FenceBody` -> the block and its problems) and one entry here; its widget
is registered on the UI side (`tutor.ui.widgets.block_widgets`). A fence whose info string is
neither a block kind nor a code sample's language is a lesson error, never a guess.

Pure: no Textual.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias, assert_never

from tutor.model.blocks import build_lab, build_quiz, build_transcript
from tutor.model.config_lab import ConfigLab, build_config_lab
from tutor.model.grading import Grade, build_grade
from tutor.model.lesson import (
    QA,
    Block,
    CustomBlock,
    FenceBody,
    Lab,
    LessonError,
    Prose,
    Quiz,
    Transcript,
)
from tutor.model.session_quiz import SessionQuiz, build_session_quiz
from tutor.model.versions_lab import VersionsLab, build_versions_lab

Builder: TypeAlias = Callable[[FenceBody], tuple[Block | None, Sequence[LessonError]]]


@dataclass(frozen=True, slots=True)
class BlockKind:
    name: str  # the fence info string
    model: type[Quiz] | type[Transcript] | type[Lab] | type[CustomBlock]
    build: Builder


BLOCK_KINDS: dict[str, BlockKind] = {
    kind.name: kind
    for kind in (
        BlockKind("quiz", Quiz, build_quiz),
        BlockKind("transcript", Transcript, build_transcript),
        BlockKind("lab", Lab, build_lab),
        BlockKind("grade", Grade, build_grade),
        BlockKind("config-lab", ConfigLab, build_config_lab),
        BlockKind("session-quiz", SessionQuiz, build_session_quiz),
        BlockKind("tls-versions", VersionsLab, build_versions_lab),
    )
}
"""Fence info string -> block kind: the one registration of each kind in the model."""

CODE_LANGUAGES: frozenset[str] = frozenset(
    {"", "text", "ini", "conf", "sh", "bash", "console", "powershell", "json", "yaml", "diff"}
)
"""Info strings of ordinary code samples (shown as code, part of the prose around them)."""


def register_block_kind(name: str, model: type[CustomBlock], build: Builder) -> None:
    """Add a block kind from outside the built-in ones (a course's own, a test's)."""
    if not name.isidentifier() or name in BLOCK_KINDS or name in CODE_LANGUAGES:
        raise ValueError(f"cannot register block kind {name!r}: taken or not a plain word")
    BLOCK_KINDS[name] = BlockKind(name, model, build)


def unregister_block_kind(name: str) -> None:
    """Remove a kind added with `register_block_kind` (KeyError when there is none)."""
    if not issubclass(BLOCK_KINDS[name].model, CustomBlock):
        raise ValueError(f"block kind {name!r} is built in")
    del BLOCK_KINDS[name]


def unknown_kind(name: str) -> str:
    """The message for a fence info string that names no kind."""
    known = ", ".join(sorted(BLOCK_KINDS))
    code = ", ".join(sorted(CODE_LANGUAGES - {""}))
    return f"unknown block kind {name!r}; known: {known} (code samples: {code})"


def build_block(name: str, body: FenceBody) -> tuple[Block | None, list[LessonError]]:
    """Build the block of kind `name` from its fence body; an unknown kind is an error."""
    kind = BLOCK_KINDS.get(name)
    if kind is None:
        return None, [body.error(body.line, unknown_kind(name))]
    block, errors = kind.build(body)
    if block is not None and not isinstance(block, kind.model):
        got = type(block).__name__
        raise TypeError(f"the {name!r} builder made a {got}, not a {kind.model.__name__}")
    return block, list(errors)


def block_kind(block: Block) -> str:
    """`prose`, `qa`, or the info string of the block's kind (its class name, lower case, for a
    custom block whose kind is no longer registered)."""
    match block:
        case Prose():
            return "prose"
        case QA():
            return "qa"
        case Quiz() | Transcript() | Lab() | CustomBlock():
            for kind in BLOCK_KINDS.values():
                if type(block) is kind.model:
                    return kind.name
            return type(block).__name__.lower()
        case _:
            assert_never(block)
