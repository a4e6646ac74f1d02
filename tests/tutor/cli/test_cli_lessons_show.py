"""`smtp-tutor lessons show ID [--lang]`: a lesson as plain text (properties.md T9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.cli.main import main
from tutor.model.course import load_course
from tutor.model.lesson import Lab, Quiz, Transcript


def shown(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["lessons", "show", *args]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_t9_every_lesson_reads_whole_in_order_with_answers_last(
    lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for lesson in load_course(None, lang).lessons:
        out = shown(capsys, lesson.id, "--lang", lang)
        assert out == shown(capsys, str(lesson.number), "--lang", lang)  # its number works too
        assert "```" not in out and "**" not in out
        total = len(lesson.steps)
        heads = [
            (f"ステップ {s.number}/{total}: " if lang == "ja" else f"Step {s.number} of {total}: ")
            + s.title.replace("`", "").replace("**", "")
            for s in lesson.steps
        ]
        positions = [out.index(f"\n{head}\n") for head in heads]
        assert positions == sorted(positions)
        answers = out.rfind("\n解答\n" if lang == "ja" else "\nAnswers\n")
        for n, quiz in enumerate(lesson.quizzes, 1):
            word = "クイズ" if lang == "ja" else "Quiz"
            asked = out.index(f"{word} {n}: ")
            assert asked < answers
            for i in range(1, len(quiz.choices) + 1):
                assert f"  {i}. " in out[asked:answers]
            if quiz.is_choice:
                assert f"{word} {n}: {quiz.answer}. " in out[answers:]
            assert quiz.explain.split()[0].replace("`", "") in out[answers:]
        blocks = [b for s in lesson.steps for b in s.blocks]
        for lab in (b for b in blocks if isinstance(b, Lab)):
            assert f"smtp-tutor demo {lab.scenario}" in out
        for walk in (b for b in blocks if isinstance(b, Transcript)):
            for line in walk.lines:
                if line.marker and not line.predict:
                    assert f"{line.marker} {line.text}" in out
        for quiz in (b for b in blocks if isinstance(b, Quiz)):
            assert quiz.hint.split()[0].replace("`", "") in out


def test_t9_a_quiz_its_choices_and_a_lab_described(capsys: pytest.CaptureFixture[str]) -> None:
    out = shown(capsys, "starttls", "--lang", "en")
    assert out.startswith("Lesson 6: STARTTLS: upgrading a connection\n=====")
    assert "Quiz 1: The TLS handshake after STARTTLS has just finished." in out
    assert "  3. EHLO again, and then use only the new list of extensions\n" in out
    assert "  ? S: ____ (predict this line)\n" in out
    assert "Lab in the sandbox (starttls; in the tutor press o" in out
    assert "  Goal: the client sent EHLO again inside TLS\n" in out
    assert "\nAnswers\n-------\n" in out
    assert "Quiz 1: 3. EHLO again, and then use only the new list of extensions\n" in out
    ja = shown(capsys, "6", "--lang", "ja")
    assert ja.startswith("レッスン 6: ")
    assert "（この行を予想）" in ja and "\n解答\n" in ja


def test_t9_an_unknown_lesson_and_a_broken_pack_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lessons = load_course(lang="en").lessons  # the course grows: the message names its range
    assert main(["lessons", "show", "99", "--lang", "en"]) == 1
    assert capsys.readouterr().err == (
        f"smtp-tutor: there is no lesson '99': give its number (1-{len(lessons)}) or its id,"
        f" such as '{lessons[-1].id}'\n"
    )
    assert main(["lessons", "show", "1", "--lessons", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.endswith("smtp-tutor: no lessons to show\n")


def test_t9_control_characters_in_a_pack_are_shown_not_obeyed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lessons", "new", str(tmp_path / "p")]) == 0
    lesson = tmp_path / "p" / "en" / "01-first-lesson.md"
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace("Watch a real", "\x1b]0;owned\x07Watch a real"), "utf-8")
    capsys.readouterr()
    out = shown(capsys, "1", "--lang", "en", "--lessons", str(tmp_path / "p"))
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;owned\\x07Watch a real" in out
