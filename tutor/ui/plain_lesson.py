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


def plain_markdown(markdown: str) -> str:
    """Markdown with its marks for the eye dropped: `**`, `#` before headings, links as
    'text (target)'; code blocks are kept as written, without their fences."""
    out: list[str] = []
    in_code = False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            out.append("    " + line)
            continue
        line = _HEADING.sub("", line)
        line = _EMPHASIS.sub("", line)
        line = _LINK.sub(
            lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(2) else m.group(1), line
        )
        out.append(line)
    return "\n".join(out).strip("\n")


def _rule(char: str, under: str) -> str:
    """A line under a heading as wide as it is on screen (a Japanese character takes two)."""
    return char * min(cell_len(under), 72)


class _Reader:
    """Builds the text of one lesson, numbering quizzes and keeping their answers for the end."""

    def __init__(self, lesson: Lesson, lang: str) -> None:
        self.lesson = lesson
        self.lang = lang
        self.out: list[str] = []
        self.answers: list[str] = []
        self.quizzes = 0
        self.walks = 0

    def say(self, key: str, **values: object) -> str:
        return tr(self.lang, key, **values)

    def para(self, text: str) -> None:
        if text.strip():
            self.out.extend([text.rstrip(), ""])

    def block(self, block: Block) -> None:
        match block:
            case Prose():
                self.para(plain_markdown(block.markdown))
            case QA():
                self.para(self.say("plain.q", text=plain_markdown(block.question)))
                self.para(self.say("plain.a", text=plain_markdown(block.answer)))
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
        lines = [self.say("plain.quiz", n=n, question=plain_markdown(quiz.question))]
        lines += [f"  {i}. {plain_markdown(c)}" for i, c in enumerate(quiz.choices, 1)]
        if not quiz.is_choice:
            lines.append("  " + self.say("plain.quiz_type"))
        lines.append("  " + self.say("plain.hint", text=plain_markdown(quiz.hint)))
        self.para("\n".join(lines))
        if quiz.is_choice and quiz.answer is not None:
            right = plain_markdown(quiz.choices[quiz.answer - 1])
            said = self.say("plain.answer_choice", n=n, choice=quiz.answer, text=right)
        else:
            accepted = self.say("plain.or").join(quiz.accept)
            said = self.say("plain.answer_text", n=n, text=accepted)
        self.answers.append(f"{said}\n  {plain_markdown(quiz.explain)}")

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
            "  " + self.say("plain.lab_do", text=plain_markdown(lab.do)),
            "  " + self.say("plain.lab_goal", text=goal_label(self.lang, lab.goal)),
            "  " + self.say("plain.hint", text=plain_markdown(lab.hint)),
        ]
        self.para("\n".join(lines))

    def read(self) -> str:
        lesson = self.lesson
        title = self.say("plain.title", n=lesson.number, title=plain_markdown(lesson.title))
        self.out += [title, _rule("=", title), ""]
        about = self.say("plain.about", minutes=lesson.minutes, steps=len(lesson.steps))
        self.para(f"{plain_markdown(lesson.summary)}\n{about}")
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
                title=plain_markdown(step.title),
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


def plain_lesson(lesson: Lesson, lang: str) -> str:
    """The whole lesson as plain text, in `lang`'s words around the lesson's own."""
    return _Reader(lesson, lang).read()
