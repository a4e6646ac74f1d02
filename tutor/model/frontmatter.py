"""A lesson's front matter: the `---` fenced `key: value` lines at the top of the file."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.lab.catalog import SCENARIOS
from tutor.model.blocks import unknown_scenario
from tutor.model.fields import parse_fields, shorten, whole_number
from tutor.model.lesson import NO_SCENARIO, LessonError

FRONT_MATTER_KEYS = ("id", "title", "summary", "minutes", "scenario")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_MINUTES = 999  # a lesson's estimated time; more is a typo (or an attack on int())


@dataclass(slots=True)
class FrontMatter:
    values: dict[str, str] = field(default_factory=dict)  # only the keys that are valid
    lines: dict[str, int] = field(default_factory=dict)  # key -> line, for every key given
    body_start: int | None = 0  # 0-based line where the Markdown begins; None: never closed
    errors: list[LessonError] = field(default_factory=list)


def _is_fence(line: str) -> bool:
    return line.rstrip() == "---"


def parse_front_matter(lines: list[str], file: str) -> FrontMatter:
    """Parse the front matter at the top of `lines` (the whole file, split into lines)."""
    fm = FrontMatter()

    def error(line: int, message: str) -> None:
        fm.errors.append(LessonError(file, line, f"front matter: {message}"))

    if not lines or not _is_fence(lines[0].lstrip("\ufeff")):
        fm.errors.append(LessonError(file, 1, "a lesson starts with front matter: a '---' line"))
        return fm
    end = next((i for i in range(1, len(lines)) if _is_fence(lines[i])), None)
    if end is None:
        error(1, "no closing '---' line")
        fm.body_start = None
        return fm
    fm.body_start = end + 1
    fields = parse_fields(lines[1:end], 2, file, "front matter")
    fm.errors.extend(fields.errors)
    for f in fields.by_key.values():
        fm.lines[f.key] = f.line
        if f.key not in FRONT_MATTER_KEYS:
            error(f.line, f"unknown key '{f.key}' (known: {', '.join(FRONT_MATTER_KEYS)})")
        elif f.is_list:
            error(f.line, f"'{f.key}' takes one value, not a list")
        elif not f.value:
            error(f.line, f"'{f.key}' is empty")
        else:
            fm.values[f.key] = f.value
    for key in FRONT_MATTER_KEYS:
        if key not in fields.by_key:
            error(1, f"'{key}' is missing")
    _check_values(fm, error)
    return fm


def _check_values(fm: FrontMatter, error: Callable[[int, str], None]) -> None:
    v = fm.values
    if "id" in v and not ID_PATTERN.match(v["id"]):
        error(
            fm.lines["id"],
            f"id {shorten(v['id'])!r} must be lowercase letters and digits, joined by single '-'",
        )
        del v["id"]
    minutes = v.get("minutes")
    if minutes is not None:
        n, at = whole_number(minutes, MAX_MINUTES), fm.lines["minutes"]
        if n is None and re.fullmatch(r"[0-9]+", minutes):
            error(at, f"'minutes' is {shorten(minutes)}; at most {MAX_MINUTES}")
        elif n is None or n < 1:
            error(at, f"'minutes' must be a whole number, not {shorten(minutes)!r}")
        if n is None or n < 1:
            del v["minutes"]
    if "scenario" in v and v["scenario"] != NO_SCENARIO and v["scenario"] not in SCENARIOS:
        error(fm.lines["scenario"], unknown_scenario(v["scenario"]) + ", or 'none'")
        del v["scenario"]
