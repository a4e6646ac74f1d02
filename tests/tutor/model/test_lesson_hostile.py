"""Hostile lessons: a huge number, a huge file, links and choices in bulk (properties.md I9)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import time
import unicodedata
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tutor.model.fields import join_all
from tutor.model.parse import MAX_LESSON_BYTES, parse_text, read_lesson

FRONT = "---\nid: t\ntitle: T\nsummary: S\nminutes: 1\nscenario: plaintext\n---\n\n## Step\n\n"
QUIZ = "```quiz\nquestion: Q?\nchoices:\n  - a\n  - b\n  - c\nanswer: {}\nhint: h\nexplain: e\n"
QUIZ += "```\n"
HUGE = "9" * 5000  # int() refuses more than 4,300 digits


def messages(text: str) -> list[str]:
    return [f"{e.line}: {e.message}" for e in parse_text(text, "t.md").errors]


def test_i9_a_huge_minutes_is_an_error_at_its_line() -> None:
    got = messages(FRONT.replace("minutes: 1", f"minutes: {HUGE}") + "x\n")
    assert got == [f"5: front matter: 'minutes' is {'9' * 37}...; at most 999"]
    assert messages(FRONT.replace("minutes: 1", "minutes: 0999") + "x\n") == []


def test_i9_a_huge_quiz_answer_is_an_error_at_its_line() -> None:
    got = messages(FRONT + QUIZ.format(HUGE))
    assert got == [f"17: quiz: 'answer' is {'9' * 37}... but there are 3 choices"]
    assert messages(FRONT + QUIZ.format("0003")) == []
    assert messages(FRONT + QUIZ.format("0")) == ["17: quiz: 'answer' is 0 but there are 3 choices"]


def test_i9_a_lesson_over_the_bound_is_one_error_and_is_not_read_whole(tmp_path: Path) -> None:
    big = FRONT + "x" * MAX_LESSON_BYTES
    assert messages(big) == [f"0: over {MAX_LESSON_BYTES // 1024} KiB: split it into lessons"]
    assert messages(FRONT + "é" * (MAX_LESSON_BYTES // 2)) != []  # bytes count, not characters
    path = tmp_path / "01-big.md"
    path.write_text(big, encoding="utf-8")
    assert [e.message for e in read_lesson(path).errors] == [
        f"over {MAX_LESSON_BYTES // 1024} KiB: split it into lessons"
    ]
    ok = FRONT + "x\n"
    path.write_text(ok, encoding="utf-8")
    assert read_lesson(path).lesson is not None


def test_i9_links_are_found_on_the_line_that_holds_them() -> None:
    text = FRONT + "see a.md, b.md\nnow [x](a.md) and\n![y](b.md) [z](<ü.md>)\n[w](\nc.md)\n"
    got = parse_text(text, "t.md")
    assert got.lesson is not None
    assert got.links == (("a.md", 12), ("b.md", 13), ("%C3%BC.md", 13), ("c.md", 15))


def test_i9_every_repeated_choice_names_the_first() -> None:
    quiz = "```quiz\nquestion: Q?\nchoices:\n  - a\n  - b\n  - a\n  - b\n  - a\n"
    quiz += "answer: 1\nhint: h\nexplain: e\n```\n"
    assert messages(FRONT + quiz) == [
        "13: quiz: choice 3 repeats choice 1",
        "13: quiz: choice 4 repeats choice 2",
        "13: quiz: choice 5 repeats choice 1",
    ]


def _pack(root: Path) -> Path:
    for lang in ("en", "ja"):
        (root / lang).mkdir(parents=True)
        (root / lang / "01-a.md").write_text(
            FRONT.replace("minutes: 1", f"minutes: {HUGE}") + QUIZ.format(HUGE), encoding="utf-8"
        )
        (root / lang / "02-b.md").write_text("x" * (MAX_LESSON_BYTES + 1), encoding="utf-8")
    return root


MAIN = "from tutor.cli.main import main; raise SystemExit(main())"


def test_i9_lessons_check_reports_hostile_lessons_without_a_traceback(tmp_path: Path) -> None:
    root = _pack(tmp_path / "pack")
    done = subprocess.run(
        [sys.executable, "-c", MAIN, "lessons", "check", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert f"01-a.md:5: front matter: 'minutes' is {'9' * 37}...; at most 999" in done.stdout
    assert "01-a.md:17: quiz: 'answer' is" in done.stdout
    assert "02-b.md: over 256 KiB" in done.stdout


def test_i9_the_tutor_starts_on_hostile_lessons_without_a_traceback(tmp_path: Path) -> None:
    """`smtp-tutor --lessons DIR` under a real pseudo-terminal, quitting once it is ready."""
    root = _pack(tmp_path / "pack")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {**os.environ, "SMTP_TUTOR_EXIT_WHEN_READY": "1", "TERM": "xterm-256color"}
    env["SMTP_TUTOR_DATA_DIR"] = str(tmp_path / "data")
    proc = subprocess.Popen(
        [sys.executable, "-c", MAIN, "--lang", "en", "--lessons", str(root)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    code = proc.wait(timeout=30)
    assert b"Traceback" not in out
    assert code == 0, bytes(out[-2000:])


def _join_pairwise(pieces: list[str]) -> str:
    """The join as it was, one continuation line at a time (quadratic), as the reference."""
    text = ""
    for more in pieces:
        if not text or not more:
            text = text or more
        else:
            wide = unicodedata.east_asian_width
            sep = "" if wide(text[-1]) in ("W", "F") or wide(more[0]) in ("W", "F") else " "
            text = f"{text}{sep}{more}"
    return text


@given(st.lists(st.text(alphabet="ab 日本\t", max_size=6), max_size=8))
def test_i9_joining_once_is_joining_line_by_line(pieces: list[str]) -> None:
    assert join_all(pieces) == _join_pairwise(pieces)
