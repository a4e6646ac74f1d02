"""The lesson checker: every problem of a lessons folder, as `file:line: message` errors.

Per file: the parser's checks (front matter, steps, Q&A, every block, known goals and scenarios).
Per language: file names, NN prefixes and ids are unique, relative links resolve inside the
folder. Across languages: the same lesson ids in the same order, and in each lesson the same
steps with the same interactive blocks (quizzes with the same number of choices and right answer,
labs with the same scenario and goal, transcripts with as many predictions).
"""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import assert_never

from tutor.model.block_kinds import block_kind
from tutor.model.config_lab import config_problems
from tutor.model.course import LanguageScan, display_path, scan_language
from tutor.model.fields import count
from tutor.model.glossary import glossary_problems
from tutor.model.langs import LANGS
from tutor.model.lesson import (
    CustomBlock,
    Interactive,
    Lab,
    Lesson,
    LessonError,
    Quiz,
    Transcript,
)
from tutor.model.pack import pack_problems


@dataclass(frozen=True, slots=True)
class Report:
    errors: tuple[LessonError, ...]
    lessons: int  # distinct lesson ids found
    languages: int  # language folders present

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.ok:
            return f"{count(self.lessons, 'lesson')} in {count(self.languages, 'language')}: OK"
        return f"{count(len(self.errors), 'problem')} found"


def _check_links(scan: LanguageScan, root: Path) -> list[LessonError]:
    errors = []
    top = root.resolve()
    for f, parsed in scan.files:
        for href, line in parsed.links:
            target = urllib.parse.unquote(href.split("#", 1)[0].split("?", 1)[0])
            if not target:
                continue
            resolved = (f.path.parent / target).resolve()
            if resolved != top and top not in resolved.parents:
                errors.append(LessonError(f.name, line, f"link '{href}' leaves the lessons folder"))
            elif not resolved.exists():
                errors.append(LessonError(f.name, line, f"link '{href}': no such file"))
    return errors


def _compare_blocks(a: Interactive, b: Interactive, ref: str) -> str | None:
    """Why block `b` (translation) differs from `a` (reference, at `ref`), or None; the two are
    of the same kind (the caller compared kinds first)."""
    match a:
        case Quiz():
            assert isinstance(b, Quiz)
            if a.is_choice != b.is_choice:
                kinds = ("multiple choice", "free text")
                here, there = kinds if b.is_choice else kinds[::-1]
                return f"quiz: {here} here, but {there} at {ref}"
            if len(a.choices) != len(b.choices):
                return f"quiz: {len(b.choices)} choices, but {ref} has {len(a.choices)}"
            if a.answer != b.answer:
                return f"quiz: 'answer' is {b.answer}, but {ref} says {a.answer}"
        case Lab():
            assert isinstance(b, Lab)
            keys = ("scenario", "goal", "mode", "client_policy", "server_policy")
            for key in (*keys, "server_auth_only", "server_min_tls", "config", "world", "edit"):
                if getattr(a, key) != getattr(b, key):
                    name = key.replace("_", "-")
                    return f"lab: {name} {getattr(b, key)!r}, but {ref} says {getattr(a, key)!r}"
        case Transcript():
            assert isinstance(b, Transcript)
            na, nb = len(a.predictions), len(b.predictions)
            if na != nb:
                return f"transcript: {nb} '?' predictions, but {ref} has {na}"
        case CustomBlock():
            pass  # compared by kind only: its fields are its own
        case _:
            assert_never(a)
    return None


def _compare_lessons(ref: Lesson, other: Lesson, id_line: int) -> list[LessonError]:
    errors = []
    if len(ref.steps) != len(other.steps):
        msg = f"{count(len(other.steps), 'step')}, but {ref.file} has {len(ref.steps)}"
        return [LessonError(other.file, id_line, msg)]
    for sa, sb in zip(ref.steps, other.steps, strict=True):
        ka, kb = [block_kind(x) for x in sa.interactive], [block_kind(x) for x in sb.interactive]
        if ka != kb:
            have = ", ".join(kb) or "no interactive block"
            want = ", ".join(ka) or "none"
            msg = f"step {sb.number} has {have}, but {ref.file}:{sa.line} has {want}"
            errors.append(LessonError(other.file, sb.line, msg))
            continue
        for a, b in zip(sa.interactive, sb.interactive, strict=True):
            why = _compare_blocks(a, b, f"{ref.file}:{a.line}")
            if why:
                errors.append(LessonError(other.file, b.line, why))
    return errors


def _compare_languages(scans: list[LanguageScan]) -> list[LessonError]:
    errors: list[LessonError] = []
    with_lessons = [s for s in scans if s.exists and s.files]
    for s in scans:
        if s.exists and not s.files and with_lessons:
            others = ", ".join(f"{o.lang} has {len(o.files)}" for o in with_lessons)
            errors.append(LessonError(s.folder, 0, f"no lessons, but {others}"))
    if len(with_lessons) < 2:
        return errors
    ref, *rest = with_lessons  # the first language (en) is the reference
    ref_ids = {p.lesson_id: (f, p) for f, p in ref.files if p.lesson_id}
    for scan in rest:
        ids = {p.lesson_id: (f, p) for f, p in scan.files if p.lesson_id}
        for lid, (f, p) in ref_ids.items():
            if lid not in ids:
                errors.append(
                    LessonError(f.name, p.id_line, f"id '{lid}' has no lesson in {scan.folder}")
                )
        for lid, (f, p) in ids.items():
            if lid not in ref_ids:
                errors.append(
                    LessonError(f.name, p.id_line, f"id '{lid}' has no lesson in {ref.folder}")
                )
                continue
            rf, rp = ref_ids[lid]
            if rf.number != f.number:
                msg = f"lesson '{lid}' is number {f.prefix} here, but {rf.prefix} in {rf.name}"
                errors.append(LessonError(f.name, p.id_line, msg))
            if rp.lesson is not None and p.lesson is not None:
                errors.extend(_compare_lessons(rp.lesson, p.lesson, p.id_line))
    return errors


def validate(root: str | os.PathLike[str], shown_root: str | None = None) -> Report:
    """Check the lessons folder `root`; `shown_root` is how file names start in messages
    (default: `root` relative to the working directory)."""
    path = Path(root)
    shown = display_path(path) if shown_root is None else shown_root
    if not path.is_dir():
        return Report((LessonError(shown, 0, "no such lessons folder"),), 0, 0)
    scans = [scan_language(path, lang, shown) for lang in LANGS]
    present = [s for s in scans if s.exists]
    errors: list[LessonError] = []
    if not present:
        folders = " or ".join(f"{lang}/" for lang in LANGS)
        errors.append(LessonError(shown, 0, f"no lesson folders ({folders})"))
    for s in present:
        errors.extend(s.all_errors())
        errors.extend(_check_links(s, path))
        errors.extend(config_problems(p.lesson for _, p in s.files if p.lesson is not None))
    errors.extend(_compare_languages(scans))
    errors.extend(pack_problems(path, shown, tuple(s.lang for s in present if s.files)))
    errors.extend(glossary_problems(path, shown, tuple(s.lang for s in present)))
    ids = {p.lesson_id or f.name for s in present for f, p in s.files}
    unique = sorted(set(errors), key=lambda e: e.sort_key)
    return Report(tuple(unique), len(ids), len(present))
