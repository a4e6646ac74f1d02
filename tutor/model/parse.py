"""Lesson file text -> `Lesson`, with every problem as a `LessonError` at its file line.

markdown-it-py finds the block structure (its tokens carry line maps); the parser then slices the
author's own source lines into blocks, so each Prose/QA block is exactly the Markdown that was
written, ready for a Markdown widget.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline import image as image_rule
from markdown_it.rules_inline import link as link_rule
from markdown_it.token import Token

from sandbox.safety.files import read_user_file
from tutor.model.block_kinds import BLOCK_KINDS, CODE_LANGUAGES, build_block, unknown_kind
from tutor.model.frontmatter import parse_front_matter
from tutor.model.lesson import (
    QA,
    Block,
    FenceBody,
    Lesson,
    LessonError,
    Prose,
    Step,
)

# The block structure Textual's Markdown widget ("gfm-like") sees; linkify only changes inlines.
# Inline parsing is most of markdown-it's time and only links need it, so it runs on demand.
_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_MD_BLOCKS = MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("inline")

_MARKER = re.compile(r"^[ \t]{0,3}\*\*([QA])[:：]\*\*[ \t\u3000]*")
_CLOSING_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})[ \t]*$")  # `>`: inside a quote
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


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


def _fence_info(token: Token) -> str:
    words = token.info.split()
    return words[0] if words else ""


def _text(lines: list[str], start: int, end: int, strip_marker: bool = False) -> str:
    chunk = lines[start:end]
    if strip_marker and chunk:
        chunk = [_MARKER.sub("", chunk[0], count=1), *chunk[1:]]
    return "\n".join(chunk).strip("\n").rstrip()


@dataclass(slots=True)
class _Section:
    """Groups the top-level Markdown tokens of the intro or of one step into blocks."""

    lines: list[str]
    file: str
    errors: list[LessonError]
    blocks: list[Block] = field(default_factory=list)
    mode: str = ""  # "", "prose", "question", "answer"
    start: int = 0  # prose or question start (0-based line)
    end: int = 0
    a_start: int = 0

    def flush(self) -> None:
        if self.mode == "prose":
            self.blocks.append(Prose(_text(self.lines, self.start, self.end), self.start + 1))
        elif self.mode == "question":
            self.errors.append(
                LessonError(self.file, self.start + 1, "Q&A: this **Q:** has no **A:** after it")
            )
        elif self.mode == "answer":
            question = _text(self.lines, self.start, self.a_start, strip_marker=True)
            answer = _text(self.lines, self.a_start, self.end, strip_marker=True)
            for text, line, what in (
                (question, self.start, "question"),
                (answer, self.a_start, "answer"),
            ):
                if not text:
                    self.errors.append(
                        LessonError(self.file, line + 1, f"Q&A: the {what} is empty")
                    )
            self.blocks.append(QA(question, answer, self.start + 1, self.a_start + 1))
        self.mode = ""

    def add(self, token: Token, start: int, end: int) -> None:
        if token.type != "paragraph_open":
            self._piece(None, start, end, heading=token.type == "heading_open")
            return
        # A marker line inside a paragraph (`**Q:** ...` then `**A:** ...` with no blank line
        # between) starts a new piece, as the author meant.
        cuts: list[tuple[int, str | None]] = []
        for i in range(start, end):
            m = _MARKER.match(self.lines[i])
            if m:
                cuts.append((i, m.group(1)))
        if not cuts or cuts[0][0] != start:
            cuts.insert(0, (start, None))
        for (first, marker), (stop, _) in zip(cuts, [*cuts[1:], (end, None)], strict=True):
            self._piece(marker, first, stop)

    def _piece(self, marker: str | None, start: int, end: int, heading: bool = False) -> None:
        if marker == "Q":
            self.flush()
            self.mode, self.start = "question", start
        elif marker == "A" and self.mode == "question":
            self.mode, self.a_start = "answer", start
        elif marker == "A":
            self.flush()
            self.errors.append(
                LessonError(self.file, start + 1, "Q&A: this **A:** has no **Q:** before it")
            )
            self.mode, self.start = "prose", start
        elif heading:
            self.flush()  # a heading ends an answer and starts prose
            self.mode, self.start = "prose", start
        elif not self.mode:
            self.mode, self.start = "prose", start
        self.end = end


def _top_level(tokens: list[Token]) -> list[int]:
    """Indexes of the tokens that open a top-level block."""
    return [
        i
        for i, t in enumerate(tokens)
        if t.level == 0 and t.map is not None and not t.type.endswith("_close")
    ]


def _check_fences(
    tokens: list[Token], lines: list[str], file: str, errors: list[LessonError]
) -> None:
    for t in tokens:
        if t.type != "fence" or t.map is None:
            continue
        start, end = t.map
        m = _CLOSING_FENCE.match(lines[end - 1]) if end - 1 > start else None
        closed = m is not None and m.group(1)[0] == t.markup[0] and len(m.group(1)) >= len(t.markup)
        if not closed:
            errors.append(
                LessonError(file, start + 1, f"the '{t.markup}{t.info}' fence is never closed")
            )
        info = _fence_info(t)
        if info not in BLOCK_KINDS and info not in CODE_LANGUAGES:
            errors.append(LessonError(file, start + 1, unknown_kind(info)))
        elif t.level > 0 and info in BLOCK_KINDS:
            errors.append(
                LessonError(
                    file,
                    start + 1,
                    f"{info}: an interactive block starts at the left margin, "
                    "not inside a list or a quote",
                )
            )


def _located(rule: Callable[[StateInline, bool], bool]) -> Callable[[StateInline, bool], bool]:
    """markdown-it's `link` or `image` rule, noting on the token it ends with (`link_close`,
    `image`) where in the inline source the link is written."""

    def located(state: StateInline, silent: bool) -> bool:
        start = state.pos
        if not rule(state, silent):
            return False
        if not silent:
            state.tokens[-1].meta["source"] = (start, state.pos)
        return True

    return located


_MD.inline.ruler.at("link", _located(link_rule))
_MD.inline.ruler.at("image", _located(image_rule))


def _links(tokens: list[Token]) -> list[tuple[str, int]]:
    """Relative link and image targets, with the line each is written on.

    The line is where the target is written inside the link itself (the link's first line when
    markdown-it rewrote it, e.g. percent-encoded), found from the link's position: searching
    the paragraph's lines for each target was quadratic in the paragraph's size.
    """
    out: list[tuple[str, int]] = []
    first = 0  # the source line of the current block's first line
    for t in tokens:
        if t.map is not None:
            first = t.map[0]
        if t.type != "inline" or "](" not in t.content:
            continue
        src = t.content
        newlines = [m.start() for m in re.finditer("\n", src)]
        hrefs: list[object] = []  # of the links opened and not yet closed
        for child in _MD.parseInline(src)[0].children or ():
            if child.type == "link_open":
                hrefs.append(child.attrGet("href"))
                continue
            if child.type == "link_close":
                href = hrefs.pop() if hrefs else None
            elif child.type == "image":
                href = child.attrGet("src")
            else:
                continue
            if not isinstance(href, str) or not href or href.startswith("#") or _SCHEME.match(href):
                continue
            start, end = child.meta.get("source", (0, 0))
            at = src.find(href, start, end)
            out.append((href, first + bisect.bisect_left(newlines, start if at < 0 else at) + 1))
    return out


def _reference_definitions(
    top: list[Token], lines: list[str], first: int, file: str, errors: list[LessonError]
) -> None:
    covered = {i for t in top if t.map for i in range(t.map[0], t.map[1])}
    for i in range(first, len(lines)):
        if i not in covered and _REF_DEF.match(lines[i]):
            errors.append(
                LessonError(
                    file,
                    i + 1,
                    "reference-style link definition: write the link inline, [text](url), "
                    "so every part of the lesson renders on its own",
                )
            )


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
    top = _top_level(tokens)
    _check_fences(tokens, src_lines, file, errors)
    if env.get("references"):
        _reference_definitions([tokens[i] for i in top], src_lines, body_start, file, errors)
    default_scenario = fm.values.get("scenario")

    intro = _Section(src_lines, file, errors)
    steps: list[tuple[str, int, int, _Section]] = []  # title, heading line, content start, section
    section = intro
    for i in top:
        t = tokens[i]
        start, end = t.map or (0, 0)
        if t.type == "heading_open" and t.tag == "h2":
            section.flush()
            title = tokens[i + 1].content.strip()
            if not title:
                errors.append(LessonError(file, start + 1, "step heading is empty"))
            section = _Section(src_lines, file, errors)
            steps.append((title, start + 1, end, section))
            continue
        kind = _fence_info(t) if t.type == "fence" else ""
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
    links = tuple(_links(tokens))
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
            Step(n, title, line, tuple(sec.blocks), _text(src_lines, content, stop))
            for n, ((title, line, content, sec), stop) in enumerate(
                zip(steps, ends, strict=True), 1
            )
        ),
        intro=tuple(intro.blocks),
        file=file,
        lang=lang,
        number=number,
        intro_markdown=_text(src_lines, body_start, first_step),
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
