"""Lessons as data: the public face of the lesson model and parser (pure: no Textual).

    from tutor.model.lessons import parse_lesson, Lesson, Step, Prose, QA, Quiz, Transcript, Lab

The model lives in `tutor.model.lesson`, the parser in `tutor.model.parse` (block kinds in
`tutor.model.block_kinds`, their bodies in `tutor.model.fields` and `tutor.model.blocks`, front
matter in `tutor.model.frontmatter`);
courses are loaded by `tutor.model.course` and checked by `tutor.model.validate`. Progress is
keyed by `StepKey`: (lesson id, 1-based step number).
"""

from __future__ import annotations

from tutor.model.block_kinds import BLOCK_KINDS, block_kind, register_block_kind
from tutor.model.langs import LANGS
from tutor.model.lesson import (
    CLIENT_POLICIES,
    LAB_MODES,
    NO_SCENARIO,
    QA,
    Block,
    ClientPolicy,
    CustomBlock,
    FenceBody,
    Interactive,
    Lab,
    LabMode,
    Lesson,
    LessonError,
    LineKind,
    Prose,
    Quiz,
    Step,
    StepKey,
    Transcript,
    TranscriptLine,
    normalize_answer,
)
from tutor.model.parse import Parsed, parse_lesson, parse_text, read_lesson

__all__ = [
    "BLOCK_KINDS",
    "CLIENT_POLICIES",
    "LAB_MODES",
    "LANGS",
    "NO_SCENARIO",
    "QA",
    "Block",
    "ClientPolicy",
    "CustomBlock",
    "FenceBody",
    "Interactive",
    "Lab",
    "LabMode",
    "Lesson",
    "LessonError",
    "LineKind",
    "Parsed",
    "Prose",
    "Quiz",
    "Step",
    "StepKey",
    "Transcript",
    "TranscriptLine",
    "block_kind",
    "normalize_answer",
    "parse_lesson",
    "parse_text",
    "read_lesson",
    "register_block_kind",
]
