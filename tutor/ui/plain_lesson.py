"""A lesson as plain text, read from top to bottom: for printing, reading offline and screen
readers (`smtp-tutor lessons show`, and the lesson screen's reading view).

Everything a step holds is said in order, in the lesson's language: prose, each question and
answer, quizzes with their numbered choices, walk-throughs line by line (the lines to predict
left blank), labs described. The answers come last, as in a workbook, so reading on does not
give them away. No Textual: the command line uses it without loading the UI.
"""

from __future__ import annotations

import re
from typing import assert_never

from rich.cells import cell_len

from tutor.model.cjk import join_cjk_lines
from tutor.model.lesson import (
    QA,
    Block,
    CustomBlock,
    Lab,
    Lesson,
    LineKind,
    Prose,
    Quiz,
    Transcript,
)
from tutor.ui.words import goal_label, scenario_summary, tr

_LINK = re.compile(r"!?\[([^\]]*)\]\(<?([^)>\s]*)>?\)")
_EMPHASIS = re.compile(r"(\*\*|__)")
_HEADING = re.compile(r"^#{1,6}[ \t]+")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
# a line that starts a block of its own: a heading, a list item, a table row, a quote
_BLOCK_START = re.compile(r"^[ \t]*(#{1,6}[ \t]|[-*+][ \t]|\d+[.)][ \t]|\||>)")


def plain_markdown(markdown: str, *, flow: bool = False) -> str:
    """Markdown with its marks for the eye dropped: `**`, `#` before headings, links as
    'text (target)'; code blocks are kept as written, without their fences.

    `flow`: a paragraph's (or a list item's) source lines become one line, as Markdown reads
    them, so the screen wraps it to its own width (the reading screen, properties.md W2); between
    two wide characters the break is dropped, elsewhere it is a space. Code, headings, list
    items, table rows and quotes keep their own lines."""
    if flow:
        markdown = join_cjk_lines(markdown)
    out: list[str] = []
    in_code = False
    joinable = False  # the last line out is text a continuation line may join
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            in_code = not in_code
            joinable = False
            continue
        if in_code:
            out.append("    " + line)
            continue
        starts_block = not line.strip() or bool(_BLOCK_START.match(line))
        heading = bool(_HEADING.match(line))
        line = _HEADING.sub("", line)
        line = _EMPHASIS.sub("", line)
        line = _LINK.sub(
            lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(2) else m.group(1), line
        )
        if flow and joinable and not starts_block:
            out[-1] = out[-1].rstrip() + " " + line.strip()
            continue
        out.append(line)
        joinable = bool(line.strip()) and not heading and not line.lstrip().startswith("|")
    return "\n".join(out).strip("\n")


def _rule(char: str, under: str) -> str:
    """A line under a heading as wide as it is on screen (a Japanese character takes two)."""
    return char * min(cell_len(under), 72)


class _Reader:
    """Builds the text of one lesson, numbering quizzes and keeping their answers for the end."""

    def __init__(self, lesson: Lesson, lang: str, flow: bool = False) -> None:
        self.lesson = lesson
        self.lang = lang
        self.flow = flow
        self.out: list[str] = []
        self.answers: list[str] = []
        self.quizzes = 0
        self.walks = 0

    def md(self, markdown: str) -> str:
        return plain_markdown(markdown, flow=self.flow)

    def say(self, key: str, **values: object) -> str:
        return tr(self.lang, key, **values)

    def para(self, text: str) -> None:
        if text.strip():
            self.out.extend([text.rstrip(), ""])

    def block(self, block: Block) -> None:
        match block:
            case Prose():
                self.para(self.md(block.markdown))
            case QA():
                self.para(self.say("plain.q", text=self.md(block.question)))
                self.para(self.say("plain.a", text=self.md(block.answer)))
            case Quiz():
                self.quiz(block)
            case Transcript():
                self.transcript(block)
            case Lab():
                self.lab(block)
            case CustomBlock():
                self.para(self.say("plain.custom", kind=type(block).__name__))
            case _:
                assert_never(block)

    def quiz(self, quiz: Quiz) -> None:
        self.quizzes += 1
        n = self.quizzes
        lines = [self.say("plain.quiz", n=n, question=self.md(quiz.question))]
        lines += [f"  {i}. {self.md(c)}" for i, c in enumerate(quiz.choices, 1)]
        if not quiz.is_choice:
            lines.append("  " + self.say("plain.quiz_type"))
        lines.append("  " + self.say("plain.hint", text=self.md(quiz.hint)))
        self.para("\n".join(lines))
        if quiz.is_choice and quiz.answer is not None:
            right = self.md(quiz.choices[quiz.answer - 1])
            said = self.say("plain.answer_choice", n=n, choice=quiz.answer, text=right)
        else:
            accepted = self.say("plain.or").join(quiz.accept)
            said = self.say("plain.answer_text", n=n, text=accepted)
        self.answers.append(f"{said}\n  {self.md(quiz.explain)}")

    def transcript(self, walk: Transcript) -> None:
        self.walks += 1
        n = self.walks
        lines = [self.say("plain.walk", n=n)]
        blanks: list[str] = []
        for t in walk.lines:
            match t.kind:
                case LineKind.CLIENT | LineKind.SERVER:
                    if t.predict:
                        blanks.append(f"{t.marker} {t.text}")
                        lines.append(f"  ? {t.marker} ____ {self.say('plain.predict')}")
                    else:
                        lines.append(f"  {t.marker} {t.text}")
                case LineKind.ACTION:
                    lines.append(f"  <{t.text}>")
                case LineKind.NOTE:
                    lines.append(f"  # {t.text}" if t.text else "  #")
                case _:
                    assert_never(t.kind)
        self.para("\n".join(lines))
        if blanks:
            said = self.say("plain.answer_walk", n=n)
            self.answers.append(said + "\n" + "\n".join(f"  {b}" for b in blanks))

    def lab(self, lab: Lab) -> None:
        lines = [
            self.say("plain.lab", scenario=lab.scenario),
            "  " + scenario_summary(self.lang, lab.scenario),
            "  " + self.say("plain.lab_do", text=self.md(lab.do)),
            "  " + self.say("plain.lab_goal", text=goal_label(self.lang, lab.goal)),
            "  " + self.say("plain.hint", text=self.md(lab.hint)),
        ]
        self.para("\n".join(lines))

    def read(self) -> str:
        lesson = self.lesson
        title = self.say("plain.title", n=lesson.number, title=self.md(lesson.title))
        self.out += [title, _rule("=", title), ""]
        about = self.say("plain.about", minutes=lesson.minutes, steps=len(lesson.steps))
        self.para(f"{self.md(lesson.summary)}\n{about}")
        for block in lesson.intro:
            if isinstance(block, Prose) and block.markdown.lstrip().startswith("# "):
                # the `# Title` a code host shows: the title above says it already
                rest = block.markdown.lstrip().partition("\n")[2]
                block = Prose(rest, block.line)
            self.block(block)
        for step in lesson.steps:
            heading = self.say(
                "plain.step",
                n=step.number,
                total=len(lesson.steps),
                title=self.md(step.title),
            )
            self.out += [heading, _rule("-", heading), ""]
            for block in step.blocks:
                self.block(block)
        if self.answers:
            heading = self.say("plain.answers")
            self.out += [heading, _rule("-", heading), ""]
            for answer in self.answers:
                self.para(answer)
        return "\n".join(self.out).rstrip("\n") + "\n"


def plain_lesson(lesson: Lesson, lang: str, *, flow: bool = False) -> str:
    """The whole lesson as plain text, in `lang`'s words around the lesson's own (`flow`: each
    paragraph in one line, for a screen that wraps it; see plain_markdown)."""
    return _Reader(lesson, lang, flow).read()
