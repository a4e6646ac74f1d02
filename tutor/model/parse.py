"""Lesson file text -> `Lesson`, with every problem as a `LessonError` at its file line.

markdown-it-py finds the block structure (its tokens carry line maps); the parser then slices the
author's own source lines into blocks, so each Prose/QA block is exactly the Markdown that was
written, ready for a Markdown widget.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from sandbox.safety.files import read_user_file
from tutor.model.block_kinds import BLOCK_KINDS, build_block
from tutor.model.frontmatter import parse_front_matter
from tutor.model.lesson import FenceBody, Lesson, LessonError, Step
from tutor.model.parse_checks import check_fences, fence_info, reference_definitions, top_level
from tutor.model.parse_links import relative_links
from tutor.model.parse_sections import Section, source_text

# The block structure Textual's Markdown widget ("gfm-like") sees; inline parsing, which only
# links need, runs on demand in tutor.model.parse_links.
_MD_BLOCKS = MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("inline")


@dataclass(frozen=True, slots=True)
class Parsed:
    """The outcome of parsing one file: the lesson when there was no problem, and the problems.

    `lesson_id`/`id_line` and `links` are filled even when the lesson has problems, so the
    validator can still check ids across files and links.
    """

    file: str
    lesson: Lesson | None
    errors: tuple[LessonError, ...]
    lesson_id: str | None = None
    id_line: int = 0
    links: tuple[tuple[str, int], ...] = ()


MAX_LESSON_BYTES = 256 * 1024
"""The largest lesson file parsed: 12 times the largest shipped lesson. The tutor parses every
lesson at start, and markdown-it's worst inputs (a paragraph of links or of `[`) cost seconds per
megabyte, so a bigger file is refused with one error rather than parsed (properties.md I9)."""


LESSON_FILE_MAX_BYTES = 16 * 1024 * 1024
"""The most a lesson file is read (J5); a file over `MAX_LESSON_BYTES` is then refused unparsed."""


def _too_big(file: str) -> Parsed:
    kib = MAX_LESSON_BYTES // 1024
    return Parsed(file, None, (LessonError(file, 0, f"over {kib} KiB: split it into lessons"),))


def parse_text(
    text: str,
    file: str = "<string>",
    *,
    lang: str = "",
    number: int = 0,
    limit: int | None = MAX_LESSON_BYTES,
) -> Parsed:
    """Parse a lesson; never raises: problems are in `Parsed.errors`.

    A text of more than `limit` UTF-8 bytes is refused (`None`: no limit, for benchmarks).
    """
    # Characters first: UTF-8 takes at most 4 bytes per character, so most texts skip encoding.
    big = limit is not None and len(text) > limit // 4
    if big and len(text.encode("utf-8", "surrogatepass")) > (limit or 0):
        return _too_big(file)
    with _collector_paused():
        return _parse(text, file, lang, number)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block (properties.md I8).

    A parse allocates many objects that live until it returns (markdown-it's tokens, our lines
    and blocks), and the collector runs after every few hundred allocations, each older-generation
    pass over all the survivors so far: left on, it made a 10 MB lesson of prose cost nearly twice
    as much per MB as 100 KB. A parse makes no cycles worth collecting early. The collector is
    enabled again only if it was enabled: a caller that paused it, or a parse running in another
    thread, finds it still paused.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse(text: str, file: str, lang: str, number: int) -> Parsed:
    # markdown-it's own normalisation, done first so that our line numbers are its line numbers.
    text = re.sub(r"\r\n?", "\n", text.removeprefix("\ufeff")).replace("\0", "\ufffd")
    lines = text.split("\n")
    errors: list[LessonError] = []
    fm = parse_front_matter(lines, file)
    errors.extend(fm.errors)
    if fm.body_start is None:  # unclosed: the whole file would be front matter
        return Parsed(file, None, tuple(errors))
    body_start = fm.body_start
    src_lines = [""] * body_start + lines[body_start:]
    env: dict[str, object] = {}
    tokens = _MD_BLOCKS.parse("\n".join(src_lines), env)
    top = top_level(tokens)
    check_fences(tokens, src_lines, file, errors)
    if env.get("references"):
        reference_definitions([tokens[i] for i in top], src_lines, body_start, file, errors)
    default_scenario = fm.values.get("scenario")

    intro = Section(src_lines, file, errors)
    steps: list[tuple[str, int, int, Section]] = []  # title, heading line, content start, section
    section = intro
    for i in top:
        t = tokens[i]
        start, end = t.map or (0, 0)
        if t.type == "heading_open" and t.tag == "h2":
            section.flush()
            title = tokens[i + 1].content.strip()
            if not title:
                errors.append(LessonError(file, start + 1, "step heading is empty"))
            section = Section(src_lines, file, errors)
            steps.append((title, start + 1, end, section))
            continue
        kind = fence_info(t) if t.type == "fence" else ""
        if kind in BLOCK_KINDS:
            section.flush()
            if section is intro:
                errors.append(
                    LessonError(
                        file,
                        start + 1,
                        f"{kind}: interactive blocks go in a step, after a '## heading'",
                    )
                )
                continue
            body = t.content.split("\n")
            if body and body[-1] == "":
                body.pop()
            if not any(b.strip() for b in body):
                errors.append(LessonError(file, start + 1, f"{kind}: the block is empty"))
                continue
            fence = FenceBody(tuple(body), start + 2, file, start + 1, default_scenario)
            block, problems = build_block(kind, fence)
            errors.extend(problems)
            if block is not None:
                section.blocks.append(block)
            continue
        section.add(t, start, end)
    section.flush()

    if not steps:
        errors.append(
            LessonError(
                file, max(body_start, 1), "a lesson needs at least one step: a '## heading'"
            )
        )
    ends = [line - 1 for _, line, _, _ in steps[1:]] + [len(src_lines)]
    first_step = steps[0][1] - 1 if steps else len(src_lines)
    links = tuple(relative_links(tokens))
    errors.sort(key=lambda e: e.sort_key)
    lesson_id = fm.values.get("id")
    id_line = fm.lines.get("id", 0)
    if errors:
        return Parsed(file, None, tuple(errors), lesson_id, id_line, links)
    v = fm.values
    lesson = Lesson(
        id=v["id"],
        title=v["title"],
        summary=v["summary"],
        minutes=int(v["minutes"]),
        scenario=v["scenario"],
        steps=tuple(
            Step(n, title, line, tuple(sec.blocks), source_text(src_lines, content, stop))
            for n, ((title, line, content, sec), stop) in enumerate(
                zip(steps, ends, strict=True), 1
            )
        ),
        intro=tuple(intro.blocks),
        file=file,
        lang=lang,
        number=number,
        intro_markdown=source_text(src_lines, body_start, first_step),
        links=links,
    )
    return Parsed(file, lesson, (), lesson_id, id_line, links)


def parse_lesson(text: str, file: str = "<string>", *, lang: str = "", number: int = 0) -> Lesson:
    """Parse a lesson, raising the first LessonError (use `parse_text` to get them all)."""
    parsed = parse_text(text, file, lang=lang, number=number)
    if parsed.lesson is None:
        raise parsed.errors[0]
    return parsed.lesson


def read_lesson(
    path: Path,
    file: str | None = None,
    *,
    lang: str = "",
    number: int = 0,
    max_bytes: int = LESSON_FILE_MAX_BYTES,
) -> Parsed:
    """Read and parse a lesson file; what cannot be read is a `file:0` problem, never an exception.

    `file` is the name used in messages (default: `path`). Read with `read_user_file` (J5): a
    regular file (a FIFO or `/dev/zero` never hangs it) of at most `max_bytes`. Links are followed:
    a teacher's pack may link a lesson. `parse_text` then applies the parsing bound (I9).
    """
    name = str(path) if file is None else file
    if path.is_dir():
        return Parsed(name, None, (LessonError(name, 0, "a folder, not a lesson file"),))
    try:
        text = read_user_file(path, max_bytes, follow_links=True).decode("utf-8")
    except UnicodeDecodeError as exc:
        return Parsed(
            name,
            None,
            (LessonError(name, 0, f"not UTF-8 text ({exc.reason} at byte {exc.start})"),),
        )
    except OSError as exc:
        why = exc.strerror or f"{exc}".replace(f"{path} ", "")
        return Parsed(name, None, (LessonError(name, 0, f"cannot read: {why}"),))
    return parse_text(text, name, lang=lang, number=number)
