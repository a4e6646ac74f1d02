"""The block-kind table (tutor.model.block_kinds); the languages defined once (tutor.model.langs).

An unknown fence info string is a `file:line` error that names the known kinds, never a block
guessed from it; a kind registered from outside parses while registered and is an error again
once it is not.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tutor.cli.main import _tui_parser
from tutor.model.block_kinds import (
    BLOCK_KINDS,
    CODE_LANGUAGES,
    build_block,
    register_block_kind,
    unregister_block_kind,
)
from tutor.model.langs import DEFAULT_LANG, LANGS, next_lang
from tutor.model.lesson import CustomBlock, FenceBody, LessonError, Quiz
from tutor.model.lessons import block_kind, parse_text
from tutor.model.settings import choose_language

FRONT = "---\nid: t\ntitle: T\nsummary: S\nminutes: 1\nscenario: starttls\n---\n\n## Step\n\n"
KNOWN = f"known: {', '.join(sorted(BLOCK_KINDS))} (code samples: "
"""The kinds as the table has them (each kind's own tests check its entry; here: the message)."""


def problems(text: str) -> list[str]:
    return [str(e) for e in parse_text(text, "x.md").errors]


def test_an_unknown_fence_info_string_is_an_error_naming_the_known_kinds() -> None:
    got = problems(FRONT + "```quizz\nquestion: Typo?\n```\n")
    assert len(got) == 1
    assert got[0].startswith(f"x.md:11: unknown block kind 'quizz'; {KNOWN}")
    # inside a list too: a typo is a typo wherever it is
    nested = problems(FRONT + "- item\n\n  ```trancript\n  C: EHLO a\n  ```\n")
    assert [p.split(";")[0] for p in nested] == ["x.md:13: unknown block kind 'trancript'"]


def test_build_block_never_guesses_a_kind() -> None:
    body = FenceBody(("C: EHLO a", "S: 250 ok"), 12, "x.md", 11)
    block, errors = build_block("walkthrough", body)
    assert block is None
    assert [str(e) for e in errors] == [
        f"x.md:11: unknown block kind 'walkthrough'; {KNOWN}"
        + ", ".join(sorted(CODE_LANGUAGES - {""}))
        + ")"
    ]
    transcript, errors = build_block("transcript", body)
    assert errors == [] and transcript is not None and block_kind(transcript) == "transcript"


@pytest.mark.parametrize("info", sorted(CODE_LANGUAGES))
def test_code_samples_stay_prose(info: str) -> None:
    parsed = parse_text(FRONT + f"```{info}\nsmtpd_tls_security_level = may\n```\n", "x.md")
    assert parsed.errors == ()
    assert parsed.lesson is not None
    assert [block_kind(b) for b in parsed.lesson.steps[0].blocks] == ["prose"]


@dataclass(frozen=True)
class Poll(CustomBlock):
    """A test-only kind: one question, no right answer."""

    question: str
    line: int


def build_poll(body: FenceBody) -> tuple[Poll | None, list[LessonError]]:
    text = " ".join(line.strip() for line in body.lines).strip()
    if not text.endswith("?"):
        return None, [body.error(body.first_line, "poll: ask a question (end it with '?')")]
    return Poll(text, body.line), []


def test_a_registered_kind_parses_until_it_is_unregistered() -> None:
    text = FRONT + "```poll\nReady?\n```\n"
    register_block_kind("poll", Poll, build_poll)
    try:
        parsed = parse_text(text, "x.md")
        assert parsed.errors == ()
        assert parsed.lesson is not None
        step = parsed.lesson.steps[0]
        assert step.blocks == (Poll("Ready?", 11),)
        assert step.interactive == (Poll("Ready?", 11),)
        assert block_kind(step.blocks[0]) == "poll"
        assert problems(FRONT + "```poll\nNo question\n```\n") == [
            "x.md:12: poll: ask a question (end it with '?')"
        ]
        known = f"known: {', '.join(sorted(BLOCK_KINDS))}"
        assert "poll" in known and known in problems(FRONT + "```pol\nx\n```\n")[0]
        with pytest.raises(ValueError, match="taken"):
            register_block_kind("poll", Poll, build_poll)
    finally:
        unregister_block_kind("poll")
    assert "poll" not in BLOCK_KINDS
    assert problems(text) == [f"x.md:11: unknown block kind 'poll'; {KNOWN}" + _code_list()]


def _code_list() -> str:
    return ", ".join(sorted(CODE_LANGUAGES - {""})) + ")"


def test_built_in_kinds_and_code_languages_cannot_be_taken_or_removed() -> None:
    for name in ("quiz", "text", "two words", ""):
        with pytest.raises(ValueError, match="taken or not a plain word"):
            register_block_kind(name, Poll, build_poll)
    with pytest.raises(ValueError, match="built in"):
        unregister_block_kind("lab")
    with pytest.raises(KeyError):
        unregister_block_kind("no-such-kind")
    assert {"quiz", "transcript", "lab"} <= set(BLOCK_KINDS) and "poll" not in BLOCK_KINDS


def test_a_builder_that_makes_another_model_is_a_programming_error() -> None:
    def wrong(body: FenceBody) -> tuple[Quiz, list[LessonError]]:
        return Quiz("q", "h", "e", body.line, accept=("a",)), []

    register_block_kind("liar", Poll, wrong)
    try:
        with pytest.raises(TypeError, match="'liar' builder made a Quiz, not a Poll"):
            parse_text(FRONT + "```liar\nx\n```\n", "x.md")
    finally:
        unregister_block_kind("liar")


def test_languages_are_defined_once_and_everything_derives_from_them() -> None:
    assert DEFAULT_LANG == LANGS[0] == "en"
    lang_option = next(a for a in _tui_parser()._actions if a.dest == "lang")
    assert tuple(lang_option.choices or ()) == LANGS
    assert [next_lang(lang) for lang in LANGS] == [*LANGS[1:], LANGS[0]]
    assert next_lang("xx") == DEFAULT_LANG
    for lang in LANGS:
        assert choose_language(lang, None, {}) == lang
    assert choose_language("xx", "yy", {"LANG": "fr_FR.UTF-8"}) == DEFAULT_LANG
