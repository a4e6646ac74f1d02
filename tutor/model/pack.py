"""A lesson pack's manifest, `pack.toml`: what a course is (id, title, version, languages) and
the lowest tutor version that can show it.

Progress is kept by pack id and lesson id, so two packs never mix. A lessons folder without a
manifest still loads (a teacher's folder from before packs): its id is `local:<folder name>`.
Read by `tutor.model.tomlfile` (tomllib through `read_user_file`: no links, regular files only,
bounded); every problem is a `file:line: message` LessonError, never a traceback. Pure: no
Textual.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tutor import __version__
from tutor.model import tomlfile
from tutor.model.langs import LANGS
from tutor.model.lesson import LessonError

MANIFEST = "pack.toml"
BUILTIN_PACK_ID = "smtp-tutor"
MANIFEST_MAX_BYTES = 64 * 1024  # a manifest is a few lines; a bound keeps /dev/zero out (J5)
TUTOR_VERSION = __version__

PACK_ID = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$")
VERSION = re.compile(r"^[0-9]+(?:\.[0-9]+){0,3}$")
_KEYS = ("id", "title", "version", "languages", "requires-tutor")
_Say = Callable[[str, str], None]  # (key, message): a problem at the line that sets `key`


@dataclass(frozen=True, slots=True)
class Pack:
    """What `pack.toml` says; `path` is None for a folder without one."""

    id: str
    title: str
    version: str
    languages: tuple[str, ...]
    requires: str = "0"  # the lowest tutor version that shows this pack
    path: Path | None = None
    titles: tuple[tuple[str, str], ...] = ()  # (lang, title) when the title is given per language

    def title_in(self, lang: str) -> str:
        """The pack's title in `lang`, else its first one."""
        return dict(self.titles).get(lang, self.title)


@dataclass(frozen=True, slots=True)
class PackRead:
    """The outcome of reading a folder's manifest: the pack (None when it is unusable)."""

    pack: Pack | None
    errors: tuple[LessonError, ...] = ()


def version_tuple(text: str) -> tuple[int, ...]:
    """`"0.10.2"` -> (0, 10, 2): compared as numbers, trailing zeros ignored."""
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def needs_newer_tutor(requires: str, tutor: str = TUTOR_VERSION) -> bool:
    """Whether a pack that needs tutor `requires` is beyond this tutor (`tutor`)."""
    mine = re.match(r"[0-9]+(?:\.[0-9]+)*", tutor)
    return version_tuple(requires) > version_tuple(mine.group(0) if mine else "0")


def folder_pack(root: Path) -> Pack:
    """The pack of a lessons folder without a manifest: named after the folder."""
    name = root.resolve().name or "lessons"
    langs = tuple(lang for lang in LANGS if (root / lang).is_dir())
    return Pack(f"local:{name}", name, "0", langs or (LANGS[0],))


def _key_line(lines: list[str], key: str) -> int:
    """The line that sets `key` at the top level (1-based), or 0."""
    pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
    return next((n for n, line in enumerate(lines, 1) if pattern.match(line)), 0)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_manifest(
    text: str, file: str, path: Path | None = None, tutor: str = TUTOR_VERSION
) -> PackRead:
    """Check a manifest's text; every problem is at `file:line`."""
    data = tomlfile.load(text, file)
    if isinstance(data, LessonError):
        return PackRead(None, (data,))
    lines = text.splitlines()
    errors: list[LessonError] = []

    def error(key: str, message: str) -> None:
        errors.append(LessonError(file, _key_line(lines, key), message))

    for key in data:
        if key not in _KEYS:
            error(key, f"unknown key '{key}' (known: {', '.join(_KEYS)})")
    values: dict[str, str] = {}
    for key in ("id", "version", "requires-tutor"):
        value = data.get(key)
        if value is None:
            if key != "requires-tutor":
                errors.append(LessonError(file, 0, f"'{key}' is missing"))
        elif not isinstance(value, str):
            error(key, f"'{key}' is a {type(value).__name__}, not a string in quotes")
        else:
            values[key] = value
    if "id" in values and not PACK_ID.match(values["id"]):
        error("id", f"'id' {_shown(values['id'])}: lowercase letters, digits, '.', '_' or '-'")
    for key in ("version", "requires-tutor"):
        if key in values and not VERSION.match(values[key]):
            error(key, f"'{key}' {_shown(values[key])}: numbers with dots, like \"1.2\"")
    title, titles = _title(data.get("title"), error)
    langs = _languages(data.get("languages"), error, errors, file)
    requires = values.get("requires-tutor", "0")
    if not errors and needs_newer_tutor(requires, tutor):
        error(
            "requires-tutor",
            f"this pack needs smtp-tutor {requires} or newer; this is {tutor}:"
            " upgrade smtp-tutor to use it",
        )
    if errors or title is None or langs is None:
        return PackRead(None, tuple(sorted(set(errors), key=lambda e: e.sort_key)))
    pack = Pack(values["id"], title, values["version"], langs, requires, path, titles)
    return PackRead(pack)


def _title(value: object, error: _Say) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    if value is None:
        error("title", "'title' is missing")
        return None, ()
    if isinstance(value, str):
        if not value.strip():
            error("title", "'title' is empty")
            return None, ()
        return value.strip(), ()
    if isinstance(value, dict):
        pairs = []
        for lang, text in value.items():
            if lang not in LANGS:
                error("title", f"'title' names language {_shown(lang)}; known: {', '.join(LANGS)}")
            elif not isinstance(text, str) or not text.strip():
                error("title", f"'title.{lang}' must be a non-empty string")
            else:
                pairs.append((lang, text.strip()))
        if not pairs:
            if not value:
                error("title", "'title' is empty")
            return None, ()
        return pairs[0][1], tuple(pairs)
    error("title", f"'title' is a {type(value).__name__}: a string, or a table by language")
    return None, ()


def _languages(
    value: object, error: _Say, errors: list[LessonError], file: str
) -> tuple[str, ...] | None:
    if value is None:
        errors.append(LessonError(file, 0, "'languages' is missing"))
        return None
    if not isinstance(value, list) or not value:
        error("languages", f"'languages' is a list of language codes, e.g. {list(LANGS)}")
        return None
    seen: list[str] = []
    for item in value:
        if not isinstance(item, str) or item not in LANGS:
            error("languages", f"'languages' has {_shown(item)}; known: {', '.join(LANGS)}")
            return None
        if item in seen:
            error("languages", f"'languages' lists {item!r} twice")
            return None
        seen.append(item)
    return tuple(seen)


def read_pack(root: Path, shown_root: str | None = None) -> PackRead:
    """The pack of lessons folder `root`: its manifest read and checked, or, without one, the
    folder's own pack (`folder_pack`). `shown_root` is how messages name the folder."""
    path = root / MANIFEST
    base = str(root) if shown_root is None else shown_root
    file = MANIFEST if base in ("", ".") else f"{base.rstrip('/')}/{MANIFEST}"
    if not path.exists() and not path.is_symlink():
        return PackRead(folder_pack(root))
    text = tomlfile.read_text(path, file, MANIFEST_MAX_BYTES)
    if isinstance(text, LessonError):
        return PackRead(None, (text,))
    return parse_manifest(text, file, path)


def pack_problems(
    root: Path, shown_root: str, langs_with_lessons: tuple[str, ...]
) -> list[LessonError]:
    """What `lessons check` says about a folder's manifest: its own problems, and languages it
    lists without lessons or has lessons in without listing them."""
    got = read_pack(root, shown_root)
    if got.pack is None or got.pack.path is None:
        return list(got.errors)
    file = f"{shown_root.rstrip('/')}/{MANIFEST}" if shown_root not in ("", ".") else MANIFEST
    text = tomlfile.read_text(got.pack.path, file, MANIFEST_MAX_BYTES)
    line = 0 if isinstance(text, LessonError) else _key_line(text.splitlines(), "languages")
    errors = []
    for lang in got.pack.languages:
        if lang not in langs_with_lessons:
            errors.append(
                LessonError(file, line, f"'languages' lists {lang!r}, but {lang}/ has no lessons")
            )
    for lang in langs_with_lessons:
        if lang not in got.pack.languages:
            errors.append(
                LessonError(
                    file, line, f"{lang}/ has lessons, but 'languages' does not list {lang!r}"
                )
            )
    return errors
