"""properties.md J5 for lesson files: a pack's file that is a FIFO or a link to /dev/zero is a
`file:0` problem, not a start that hangs or runs out of memory; a linked lesson still loads.

The course loads in a child process with a time limit and 1 GiB of memory, so that a regression
fails the test instead of hanging it or exhausting the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.model.course import load_course

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "course" / "en"

LOAD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from tutor.model.course import load_course
course = load_course(sys.argv[1], "en")
print(json.dumps({
    "ids": list(course.ids),
    "problems": [f"{p.file}:{p.line}: {p.message}" for p in course.problems],
}))
"""


def test_j5_a_lesson_that_is_a_fifo_or_dev_zero_is_a_problem_not_a_hang(tmp_path: Path) -> None:
    en = tmp_path / "pack" / "en"
    en.mkdir(parents=True)
    os.mkfifo(en / "01-waits.md")
    (en / "02-endless.md").symlink_to("/dev/zero")
    (en / "03-linked.md").symlink_to(FIXTURE / "01-first-words.md")  # a teacher's own link
    try:
        out = subprocess.run(
            [sys.executable, "-c", LOAD, str(tmp_path / "pack")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=40,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("loading the course hung")
    assert out.returncode == 0, out.stderr[-2000:]
    course = json.loads(out.stdout)
    assert course["ids"] == ["first-words"]
    problems = "\n".join(course["problems"])
    assert "01-waits.md:0: cannot read: is not a regular file" in problems
    assert "02-endless.md:0: cannot read: is not a regular file" in problems


def test_j5_a_lesson_past_the_bound_is_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tutor.model import course as course_module

    en = tmp_path / "pack" / "en"
    en.mkdir(parents=True)
    text = (FIXTURE / "01-first-words.md").read_bytes()
    (en / "01-first-words.md").write_bytes(text)
    monkeypatch.setattr(course_module, "LESSON_MAX_BYTES", len(text) - 1)
    course = load_course(tmp_path / "pack", "en")
    assert course.ids == ()
    assert [p.message for p in course.problems] == [
        f"cannot read: is larger than {len(text) - 1} bytes"
    ]
    monkeypatch.setattr(course_module, "LESSON_MAX_BYTES", len(text))
    assert load_course(tmp_path / "pack", "en").ids == ("first-words",)
