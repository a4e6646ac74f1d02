"""Finding and loading a course: the lesson files of one language, parsed, in `NN-` order.

The built-in lessons live in `lessons/` of a source checkout and in `tutor/_lessons/` of an
installed wheel (pyproject force-includes them there); `--lessons DIR` points at a teacher's own
pack with the same layout (`DIR/en/NN-slug.md`, `DIR/ja/NN-slug.md`, `DIR/pack.toml`: see
`tutor.model.pack`). Pure: no Textual.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from tutor.model.langs import LANGS
from tutor.model.lesson import Lesson, LessonError
from tutor.model.pack import Pack, folder_pack, read_pack
from tutor.model.parse import LESSON_FILE_MAX_BYTES, Parsed, read_lesson

LESSON_FILE = re.compile(r"^([0-9]+)-[^/]+\.md$")
# Generous for a lesson (the longest shipped is ~20 KiB), and still a bound: a lesson linked to
# /dev/zero or a FIFO in a pack must not hang or exhaust the tutor (J5).
LESSON_MAX_BYTES = LESSON_FILE_MAX_BYTES  # a module name of its own: a test lowers it


def packaged_lessons_dir() -> Path:
    """The built-in course: `tutor/_lessons` in a wheel, else `lessons/` next to `tutor/`."""
    package = Path(__file__).resolve().parents[1]  # tutor/
    for candidate in (package / "_lessons", package.parent / "lessons"):
        if candidate.is_dir():
            return candidate
    return package / "_lessons"  # missing: load_course reports it


def lessons_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The lessons folder to use: `--lessons DIR` when given, else the built-in course."""
    return Path(override).expanduser() if override else packaged_lessons_dir()


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it is inside it, for short messages."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def available_languages(root: Path) -> tuple[str, ...]:
    """The languages of LANGS that have a folder with at least one lesson file in `root`."""
    return tuple(
        lang for lang in LANGS if (root / lang).is_dir() and any((root / lang).glob("*.md"))
    )


@dataclass(frozen=True, slots=True)
class LessonFile:
    path: Path
    name: str  # as shown in messages
    number: int | None  # the NN prefix; None when the name has none
    prefix: str = ""  # NN as written, e.g. "03"


@dataclass(slots=True)
class LanguageScan:
    """Every lesson file of one language, parsed, with the problems between files."""

    lang: str
    folder: str  # as shown in messages
    exists: bool
    files: list[tuple[LessonFile, Parsed]] = field(default_factory=list)
    errors: list[LessonError] = field(default_factory=list)  # file-name and duplicate problems

    @property
    def good(self) -> list[Lesson]:
        """The lessons without any problem (their own or a duplicate), in course order."""
        bad = {e.file for e in self.errors}
        return [p.lesson for f, p in self.files if p.lesson is not None and f.name not in bad]

    def all_errors(self) -> list[LessonError]:
        return [*self.errors, *(e for _, p in self.files for e in p.errors)]


def scan_language(root: Path, lang: str, shown_root: str | None = None) -> LanguageScan:
    """Parse every `*.md` in `root/lang`, checking names, NN prefixes and ids across files."""
    base = display_path(root) if shown_root is None else shown_root
    folder = Path(lang) if base in ("", ".") else Path(base) / lang
    scan = LanguageScan(lang, str(folder), (root / lang).is_dir())
    if not scan.exists:
        return scan
    files: list[LessonFile] = []
    for path in sorted((root / lang).glob("*.md")):
        name = str(folder / path.name)
        m = LESSON_FILE.match(path.name)
        if m is None:
            scan.errors.append(
                LessonError(name, 0, "a lesson file is named NN-slug.md, e.g. 03-starttls.md")
            )
            files.append(LessonFile(path, name, None))
        else:
            files.append(LessonFile(path, name, int(m.group(1)), m.group(1)))
    files.sort(key=lambda f: (f.number is None, f.number or 0, f.path.name))
    by_number: dict[int, LessonFile] = {}
    by_id: dict[str, tuple[str, int]] = {}
    for f in files:
        parsed = read_lesson(
            f.path, f.name, lang=lang, number=f.number or 0, max_bytes=LESSON_MAX_BYTES
        )
        scan.files.append((f, parsed))
        if f.number is not None:
            if f.number in by_number:
                other = by_number[f.number].name
                scan.errors.append(
                    LessonError(f.name, 0, f"number {f.prefix} is already used by {other}")
                )
            else:
                by_number[f.number] = f
        if parsed.lesson_id is not None:
            if parsed.lesson_id in by_id:
                other_name, other_line = by_id[parsed.lesson_id]
                scan.errors.append(
                    LessonError(
                        f.name,
                        parsed.id_line,
                        f"id '{parsed.lesson_id}' is already used by {other_name}:{other_line}",
                    )
                )
            else:
                by_id[parsed.lesson_id] = (f.name, parsed.id_line)
    return scan


@dataclass(frozen=True, slots=True)
class Course:
    """The lessons of one language in course order, and the problems that kept any out."""

    root: Path
    lang: str
    lessons: tuple[Lesson, ...]
    problems: tuple[LessonError, ...] = ()
    pack: Pack | None = None  # from pack.toml (tutor.model.pack); None: the folder's own

    @property
    def pack_id(self) -> str:
        """What progress is kept under, with the lesson id: two packs never mix."""
        return (self.pack or folder_pack(self.root)).id

    @property
    def pack_version(self) -> str:
        return (self.pack or folder_pack(self.root)).version

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(lesson.id for lesson in self.lessons)

    def get(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)

    def find(self, ref: str) -> Lesson | None:
        """The lesson `ref` names: its id, or its number as the course list shows it ("6")."""
        lesson = self.get(ref)
        if lesson is None and ref.strip().isdigit():
            lesson = next((x for x in self.lessons if x.number == int(ref)), None)
        return lesson

    def index(self, lesson_id: str) -> int:
        """Position of the lesson in the course; ValueError when there is none."""
        return self.ids.index(lesson_id)

    def next_lesson(self, lesson_id: str) -> Lesson | None:
        i = self.index(lesson_id) + 1
        return self.lessons[i] if i < len(self.lessons) else None


def load_course(root: str | os.PathLike[str] | None = None, lang: str = "en") -> Course:
    """Load the lessons of `lang` from `root` (None: the built-in course).

    Never raises for bad content: a lesson with a problem is left out and its problems are in
    `Course.problems` (show them, or run `smtp-tutor lessons check`). Links and the agreement
    between languages are left to the validator: they do not keep a lesson out.
    """
    path = lessons_dir(root)
    if not path.is_dir():
        return Course(
            path, lang, (), (LessonError(display_path(path), 0, "no such lessons folder"),)
        )
    manifest = read_pack(path, display_path(path))
    if manifest.pack is None:  # broken, or it needs a newer tutor: nothing of it is shown
        return Course(path, lang, (), manifest.errors)
    scan = scan_language(path, lang)
    problems = sorted(scan.all_errors(), key=lambda e: e.sort_key)
    if not scan.exists:
        problems.append(LessonError(scan.folder, 0, f"no lessons in language '{lang}'"))
    return Course(path, lang, tuple(scan.good), tuple(problems), manifest.pack)
