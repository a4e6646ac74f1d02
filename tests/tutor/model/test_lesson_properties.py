"""Property tests: the parser never raises anything but LessonError, whatever the text, and what it
accepts is well-formed (answers in range, known goals, line numbers inside the file)."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.lab.catalog import SCENARIOS
from tutor.model.goals import GOALS
from tutor.model.lessons import Lab, LessonError, Quiz, Transcript, parse_lesson, parse_text

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FRONT = "---\nid: t\ntitle: T\nsummary: S\nminutes: 3\nscenario: starttls\n---\n"

# Fragments that reach the interesting paths: markers, keys, list items, fences, odd whitespace.
FRAGMENTS = [
    "---",
    "## ",
    "# ",
    "### ",
    "**Q:** ",
    "**A:** ",
    "**Q：**",
    "- ",
    "  - ",
    "    ",
    "> ",
    "1. ",
    "```",
    "```quiz",
    "```lab",
    "```transcript",
    "~~~",
    "question:",
    "choices:",
    "answer: ",
    "accept:",
    "why:",
    "hint: ",
    "explain: >-",
    "scenario: ",
    "mode: ",
    "goal: ",
    "do: ",
    "client-policy: ",
    "id: ",
    "title: ",
    "minutes: ",
    "summary: ",
    "C: ",
    "S: ",
    "? S: 220",
    "? C: EHLO",
    "<TLS handshake>",
    "# note",
    "[a](b.md)",
    "[r]: http://x",
    "![i](c.png)",
    "tls-established",
    "starttls",
    "none",
    "2",
    "0",
    "99",
    "\t",
    "\r",
    "\r\n",
    "\x00",
    "\ufeff",
    "\u3000",
    "日本語",
    "|a|b|\n|-|-|",
    "<!--",
    "-->",
    "\\",
    "*",
    "`",
    ":",
]
fragment = st.sampled_from(FRAGMENTS) | st.text(max_size=12)
line = st.lists(fragment, max_size=5).map("".join)
lines = st.lists(line, max_size=25).map("\n".join)


def check(text: str) -> None:
    parsed = parse_text(text, "p.md")  # never raises
    n_lines = text.count("\n") + text.count("\r") + 1
    for e in parsed.errors:
        assert isinstance(e, LessonError) and e.file == "p.md" and 0 <= e.line <= n_lines
    lesson = parsed.lesson
    if lesson is None:
        assert parsed.errors
        return
    assert not parsed.errors and lesson.steps
    for step in lesson.steps:
        for block in step.blocks:
            assert 1 <= block.line <= n_lines
            if isinstance(block, Quiz):
                if block.is_choice:
                    assert block.answer is not None and 1 <= block.answer <= len(block.choices)
                    assert len(block.choices) >= 2
                    assert not block.why or len(block.why) == len(block.choices)
                else:
                    assert block.accept and block.answer is None
            elif isinstance(block, Lab):
                assert block.goal in GOALS and block.scenario in SCENARIOS
            elif isinstance(block, Transcript):
                assert block.lines


@SETTINGS
@given(st.text())
def test_arbitrary_text_raises_only_lesson_error(text: str) -> None:
    with contextlib.suppress(LessonError):  # the one exception it may raise
        parse_lesson(text, "p.md")
    check(text)


@SETTINGS
@given(lines)
def test_arbitrary_markdownish_text_raises_only_lesson_error(text: str) -> None:
    check(text)


@SETTINGS
@given(lines, lines)
def test_arbitrary_front_matter_raises_only_lesson_error(front: str, body: str) -> None:
    check(f"---\n{front}\n---\n{body}")


@SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from(["quiz", "lab", "transcript", "ini", ""]), lines), max_size=4
    )
)
def test_arbitrary_blocks_raise_only_lesson_error(blocks: list[tuple[str, str]]) -> None:
    body = "".join(
        f"\n## Step {i}\n\n```{kind}\n{text}\n```\n" for i, (kind, text) in enumerate(blocks)
    )
    check(FRONT + body)


KEY_LINES = st.sampled_from(
    [
        "question: Q",
        "choices:",
        "  - a",
        "  - b",
        "- c",
        "answer: 1",
        "answer: 2",
        "answer: x",
        "accept:",
        "  - yes",
        "why:",
        "  - because",
        "hint: H",
        "explain: E",
        "  more text",
        "do: D",
        "goal: tls-established",
        "goal: nope",
        "scenario: strip",
        "scenario: none",
        "mode: play",
        "mode: run",
        "client-policy: verify",
        "",
        "junk",
    ]
)


VALID = {
    "quiz": ["question: Q", "choices:", "  - a", "  - b", "answer: 2", "hint: H", "explain: E"],
    "lab": ["do: D", "goal: tls-established", "hint: H"],
}


@SETTINGS
@given(
    st.sampled_from(["quiz", "lab"]),
    st.lists(KEY_LINES, max_size=6),
    st.integers(0, 7),
    st.integers(0, 7),
)
def test_key_value_bodies_raise_only_lesson_error(
    kind: str, extra: list[str], cut: int, drop: int
) -> None:
    """Valid bodies with lines dropped and others inserted: near misses, and some hits."""
    base = [x for i, x in enumerate(VALID[kind]) if i != drop]
    body = [*base[:cut], *extra, *base[cut:]]
    check(FRONT + f"\n## Step\n\n```{kind}\n" + "\n".join(body) + "\n```\n")
