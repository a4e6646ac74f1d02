"""The glossary: short, exact definitions of the words a course uses, one TOML file a language
(`<pack>/glossary/en.toml`, `ja.toml`), and finding those words in a lesson's text.

    [starttls]                    # the entry's id: the same in every language
    term = "STARTTLS"             # as the lessons write it
    also = ["STARTTLS command"]   # other spellings found in lessons (optional)
    means = "..."                 # the definition (Markdown)
    see = ["implicit-tls"]        # related entries, by id (optional)

Read with `tomllib` through `read_user_file` (no links, regular files only, bounded); every
problem is a `file:line: message` LessonError. Pure: no Textual.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sandbox.safety.files import read_user_file
from tutor.model.lesson import Lesson, LessonError

GLOSSARY_DIR = "glossary"
GLOSSARY_MAX_BYTES = 1024 * 1024  # the built-in glossary is ~15 KiB a language
ENTRY_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_KEYS = ("term", "also", "means", "see")
_TOML_LINE = re.compile(r"at line (\d+)")


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    term: str
    means: str
    also: tuple[str, ...] = ()
    see: tuple[str, ...] = ()
    line: int = 0

    @property
    def names(self) -> tuple[str, ...]:
        return (self.term, *self.also)


@dataclass(frozen=True)
class Glossary:
    """The entries of one language, in the file's order."""

    lang: str
    entries: tuple[Entry, ...] = ()

    def get(self, entry_id: str) -> Entry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        names = sorted({n for e in self.entries for n in e.names}, key=len, reverse=True)
        if not names:
            return None
        return re.compile("|".join(_name_pattern(n) for n in names))

    @cached_property
    def _by_name(self) -> dict[str, Entry]:
        out: dict[str, Entry] = {}
        for e in self.entries:
            for n in e.names:
                out.setdefault(" ".join(n.split()).casefold(), e)
        return out

    def terms_in(self, text: str) -> tuple[Entry, ...]:
        """The entries whose term (or another spelling) `text` mentions, in order of first
        mention, each once. An acronym (no lower-case letter: SNI, CA) must match its case;
        a word must stand alone (SAN is not found in 'SANDBOX')."""
        if self._pattern is None:
            return ()
        found: dict[str, Entry] = {}
        for m in self._pattern.finditer(text):
            entry = self._by_name.get(" ".join(m.group(0).split()).casefold())
            if entry is not None:
                found.setdefault(entry.id, entry)
        return tuple(found.values())

    def terms_in_lesson(self, lesson: Lesson) -> tuple[Entry, ...]:
        """The entries a lesson's text mentions, in order of first mention."""
        parts = [lesson.title, lesson.summary, lesson.intro_markdown]
        for step in lesson.steps:
            parts += [step.title, step.markdown]
        return self.terms_in("\n".join(parts))

    def search(self, query: str) -> tuple[Entry, ...]:
        """Entries whose names or definition contain `query` (any case), names first."""
        q = query.strip().casefold()
        if not q:
            return self.entries
        named = [e for e in self.entries if any(q in n.casefold() for n in e.names)]
        rest = [e for e in self.entries if e not in named and q in e.means.casefold()]
        return (*named, *rest)


def _name_pattern(name: str) -> str:
    body = r"\s+".join(re.escape(word) for word in name.split())  # it may wrap across lines
    if any(c.islower() for c in name):  # a word, not an acronym: any case
        body = f"(?i:{body})"
    if name.isascii():  # a whole word among Latin letters; right next to Japanese ones
        return rf"(?<![A-Za-z0-9_-]){body}(?![A-Za-z0-9_-])"
    return body


@dataclass(frozen=True, slots=True)
class GlossaryRead:
    glossary: Glossary
    errors: tuple[LessonError, ...] = ()
    exists: bool = True


def _section_lines(lines: list[str]) -> dict[str, int]:
    """`[id]` -> the line of its table header (1-based)."""
    out: dict[str, int] = {}
    for n, line in enumerate(lines, 1):
        m = re.match(r'^\s*\[\s*"?([^\]"]+)"?\s*\]', line)
        if m and not line.lstrip().startswith("[["):
            out.setdefault(m.group(1).strip(), n)
    return out


def _key_line(lines: list[str], start: int, key: str) -> int:
    """The line that sets `key` in the table that starts at `start`, or `start`."""
    for n in range(start + 1, len(lines) + 1):
        line = lines[n - 1]
        if line.lstrip().startswith("["):
            break
        if re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return n
    return start


def parse_glossary(text: str, file: str, lang: str) -> GlossaryRead:
    """Check a glossary file's text; every problem is at `file:line`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        why = str(exc).split(" (at ", 1)[0]
        error = LessonError(file, int(m.group(1)) if m else 0, f"not TOML: {why}")
        return GlossaryRead(Glossary(lang), (error,))
    lines = text.splitlines()
    headers = _section_lines(lines)
    errors: list[LessonError] = []
    entries: list[Entry] = []
    for entry_id, value in data.items():
        at = headers.get(entry_id, 0)
        if not isinstance(value, dict):
            errors.append(
                LessonError(file, at, f"'{entry_id}' is not an entry: write [{entry_id}]")
            )
            continue
        if not ENTRY_ID.match(entry_id):
            errors.append(
                LessonError(file, at, f"entry id {entry_id!r}: lowercase words joined by '-'")
            )
            continue
        bad = len(errors)
        for key in value:
            if key not in _KEYS:
                known = ", ".join(_KEYS)
                line = _key_line(lines, at, key)
                errors.append(
                    LessonError(file, line, f"[{entry_id}]: unknown key '{key}' (known: {known})")
                )
        strings: dict[str, str] = {}
        for key in ("term", "means"):
            got = value.get(key)
            if not isinstance(got, str) or not got.strip():
                what = "missing" if got is None else "not a non-empty string"
                line = _key_line(lines, at, key)
                errors.append(LessonError(file, line, f"[{entry_id}]: '{key}' is {what}"))
            else:
                strings[key] = got.strip()
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("also", "see"):
            got = value.get(key, [])
            if not isinstance(got, list) or not all(isinstance(x, str) and x.strip() for x in got):
                line = _key_line(lines, at, key)
                errors.append(
                    LessonError(file, line, f"[{entry_id}]: '{key}' is a list of strings")
                )
            else:
                lists[key] = tuple(x.strip() for x in got)
        if len(errors) == bad:
            entries.append(
                Entry(entry_id, strings["term"], strings["means"], lists["also"], lists["see"], at)
            )
    ids = {e.id for e in entries}
    names: dict[str, str] = {}
    for e in entries:
        for ref in e.see:
            if ref not in ids and ref not in data:
                line = _key_line(lines, e.line, "see")
                errors.append(LessonError(file, line, f"[{e.id}]: 'see' names no entry {ref!r}"))
        for name in e.names:
            other = names.setdefault(name.casefold(), e.id)
            if other != e.id:
                errors.append(
                    LessonError(file, e.line, f"[{e.id}]: {name!r} is already a name of [{other}]")
                )
    errors.sort(key=lambda x: x.sort_key)
    return GlossaryRead(Glossary(lang, tuple(entries)), tuple(errors))


def glossary_file(root: Path, lang: str) -> Path:
    return root / GLOSSARY_DIR / f"{lang}.toml"


def read_glossary(root: Path, lang: str, shown_root: str | None = None) -> GlossaryRead:
    """The glossary of lessons folder `root` in `lang`; an empty one (`exists` False) when the
    pack has none."""
    path = glossary_file(root, lang)
    base = str(root) if shown_root is None else shown_root
    file = f"{GLOSSARY_DIR}/{lang}.toml"
    file = file if base in ("", ".") else f"{base.rstrip('/')}/{file}"
    if not path.exists() and not path.is_symlink():
        return GlossaryRead(Glossary(lang), (), exists=False)
    try:
        raw = read_user_file(path, GLOSSARY_MAX_BYTES)
    except OSError as exc:
        why = str(exc).replace(f"{path} ", "", 1) if str(path) in str(exc) else exc.strerror
        return GlossaryRead(Glossary(lang), (LessonError(file, 0, f"cannot read: {why or exc}"),))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        error = LessonError(file, 0, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        return GlossaryRead(Glossary(lang), (error,))
    return parse_glossary(text, file, lang)


def glossary_problems(root: Path, shown_root: str, langs: tuple[str, ...]) -> list[LessonError]:
    """What `lessons check` says about a pack's glossary: each file's problems, and entries
    that one language has and another lacks (the first language is the reference)."""
    reads = [(lang, read_glossary(root, lang, shown_root)) for lang in langs]
    errors = [e for _, r in reads for e in r.errors]
    present = [(lang, r) for lang, r in reads if r.exists]
    if not present:
        return errors
    base = shown_root.rstrip("/")
    prefix = "" if base in ("", ".") else base + "/"
    for lang, r in reads:
        if not r.exists:
            have = present[0][0]
            file = f"{prefix}{GLOSSARY_DIR}/{lang}.toml"
            errors.append(LessonError(file, 0, f"missing, but {have}.toml has a glossary"))
    (ref_lang, ref), *rest = present
    if ref.errors:
        return errors
    ref_ids = {e.id: e for e in ref.glossary.entries}
    for lang, r in rest:
        if r.errors:
            continue
        file = f"{prefix}{GLOSSARY_DIR}/{lang}.toml"
        ids = {e.id: e for e in r.glossary.entries}
        for entry_id, e in ref_ids.items():
            if entry_id not in ids:
                where = f"{ref_lang}.toml:{e.line}"
                errors.append(LessonError(file, 0, f"no entry [{entry_id}] ({where} has one)"))
        for entry_id, e in ids.items():
            if entry_id not in ref_ids:
                errors.append(LessonError(file, e.line, f"[{entry_id}] is not in {ref_lang}.toml"))
            elif e.see != ref_ids[entry_id].see:
                msg = f"[{entry_id}]: 'see' lists {list(e.see)}, but {ref_lang}.toml has"
                errors.append(LessonError(file, e.line, f"{msg} {list(ref_ids[entry_id].see)}"))
    return errors
