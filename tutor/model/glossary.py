"""The glossary: short, exact definitions of the words a course uses, one TOML file a language
(`<pack>/glossary/en.toml`, `ja.toml`), and finding those words in a lesson's text.

    [starttls]                    # the entry's id: the same in every language
    term = "STARTTLS"             # as the lessons write it
    also = ["STARTTLS command"]   # other spellings found in lessons (optional)
    means = "..."                 # the definition (Markdown)
    see = ["implicit-tls"]        # related entries, by id (optional)

Read by `tutor.model.tomlfile` (tomllib through `read_user_file`: no links, regular files,
bounded); every problem is a `file:line: message` LessonError. Pure: no Textual.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from tutor.model import tomlfile
from tutor.model.lesson import Lesson, LessonError

GLOSSARY_DIR = "glossary"
GLOSSARY_MAX_BYTES = 1024 * 1024  # the built-in glossary is ~15 KiB a language
ENTRY_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_KEYS = ("term", "also", "means", "see")
_WORD = re.compile(r"[A-Za-z0-9_-]+")  # a Latin word, as a name's words are matched
_WordName = tuple[tuple[str, ...], bool, "Entry"]  # (its words, match case, entry)
_OtherName = tuple[str, bool, "Entry"]  # a name with other characters: found as a string


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
    def _index(self) -> tuple[dict[str, list[_WordName]], list[_OtherName]]:
        """Names made of Latin words, by their first word (longest first); the others."""
        words: dict[str, list[_WordName]] = {}
        others: list[_OtherName] = []
        for e in self.entries:
            for name in e.names:
                parts = name.split()
                exact = not any(c.islower() for c in name)  # an acronym: its case only
                if parts and all(_WORD.fullmatch(p) for p in parts):
                    key = tuple(p if exact else p.casefold() for p in parts)
                    words.setdefault(parts[0].casefold(), []).append((key, exact, e))
                else:
                    others.append((" ".join(parts), exact, e))
        for candidates in words.values():
            candidates.sort(key=lambda c: len(c[0]), reverse=True)
        return words, others

    def terms_in(self, text: str) -> tuple[Entry, ...]:
        """The entries whose term (or another spelling) `text` mentions, in order of first
        mention, each once. An acronym (no lower-case letter: SNI, CA) must match its case;
        a Latin word must stand alone (SAN is not found in 'SANDBOX'), a Japanese one need not;
        where two names overlap, the longer counts ('opportunistic TLS', not 'TLS').

        Words are looked up, not matched one name at a time: the cost grows with the text, not
        with the text times the size of the glossary."""
        words, others = self._index
        found: list[tuple[int, int, Entry]] = []
        tokens = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
        for i, (start, _, word) in enumerate(tokens):
            for key, exact, entry in words.get(word.casefold(), ()):
                span = tokens[i : i + len(key)]
                said = tuple(t[2] if exact else t[2].casefold() for t in span)
                gaps = (text[a[1] : b[0]] for a, b in itertools.pairwise(span))
                if said == key and all(g and not g.strip() for g in gaps):
                    found.append((start, span[-1][1], entry))
                    break
        lowered = text.lower()
        for name, exact, entry in others:
            at = _find_whole(text if exact else lowered, name if exact else name.lower())
            if at >= 0:
                found.append((at, at + len(name), entry))
        found.sort(key=lambda f: (f[0], f[0] - f[1]))  # by place; at one place, longest first
        out: dict[str, Entry] = {}
        taken_to = -1
        for start, end, entry in found:
            if start >= taken_to:
                out.setdefault(entry.id, entry)
                taken_to = end
        return tuple(out.values())

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
        ids = {e.id for e in named}  # a set: a big glossary stays linear
        rest = [e for e in self.entries if e.id not in ids and q in e.means.casefold()]
        return (*named, *rest)


def _find_whole(text: str, name: str) -> int:
    """Where `text` first says `name`, not inside a longer Latin word; -1 when it does not."""
    at = text.find(name)
    while at >= 0:
        before = text[at - 1] if at else " "
        after = text[at + len(name)] if at + len(name) < len(text) else " "
        inside = (_WORD.fullmatch(name[0]) and _WORD.fullmatch(before)) or (
            _WORD.fullmatch(name[-1]) and _WORD.fullmatch(after)
        )
        if not inside:
            return at
        at = text.find(name, at + 1)
    return -1


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
    data = tomlfile.load(text, file)
    if isinstance(data, LessonError):
        return GlossaryRead(Glossary(lang), (data,))
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
    text = tomlfile.read_text(path, file, GLOSSARY_MAX_BYTES)
    if isinstance(text, LessonError):
        return GlossaryRead(Glossary(lang), (text,))
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
