"""Learner names (properties.md R1): checked, made comparable, mapped to a folder of their own
under the data dir, never anywhere else."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutor.model.learners import (
    LearnerNameError,
    learner_dir,
    learner_key,
    learner_progress_path,
)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("alice", "alice"),
        ("Alice", "alice"),
        ("ａｌｉｃｅ", "alice"),
        ("  bob ", "bob"),
        ("田中", "田中"),
        ("ｶﾀｶﾅ", "カタカナ"),
        ("k.o_1-2", "k.o_1-2"),
    ],
)
def test_r1_names_are_made_comparable(name: str, key: str) -> None:
    assert learner_key(name) == key


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "..",
        ".hidden",
        "a/b",
        "../etc",
        "a\\b",
        "a\x00b",
        "a b",
        "x" * 33,
        "x" * 10_000_000,
        "a\nb",
        "\x1b[31m",
        "／etc",
        "a:b",
        "~root",
        "$HOME",
    ],
)
def test_r1_bad_names_are_one_clear_line(name: str) -> None:
    with pytest.raises(LearnerNameError) as caught:
        learner_key(name)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 120
    assert message.startswith("a learner's name")


@given(st.text(max_size=40))
def test_r1_any_name_is_a_folder_inside_learners_or_refused(name: str) -> None:
    try:
        key = learner_key(name)
    except LearnerNameError:
        return
    assert key not in (".", "..") and not key.startswith(".")
    assert "/" not in key and "\\" not in key and "\x00" not in key
    base = Path("/data/learners")
    assert (base / key).resolve().parent == base  # one folder, right under learners/


def test_r1_the_learner_folder_is_private_and_under_the_data_dir(tmp_path: Path) -> None:
    base = tmp_path / "data"
    folder = learner_dir("Alice", base)
    assert folder == base / "learners" / "alice"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert learner_progress_path("ALICE", base) == folder / "progress.json"
    assert learner_dir("bob", base) != folder


def test_r1_the_tutor_takes_the_learner_from_the_flag_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from argparse import Namespace

    from tutor.ui.run import chosen_learner

    monkeypatch.delenv("SMTP_TUTOR_LEARNER", raising=False)
    assert chosen_learner(Namespace(learner=None)) is None
    monkeypatch.setenv("SMTP_TUTOR_LEARNER", "env-name")
    assert chosen_learner(Namespace(learner=None)) == "env-name"
    assert chosen_learner(Namespace(learner="flag-name")) == "flag-name"


def test_r1_a_bad_learner_on_the_command_line_is_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    data = tmp_path / "data"
    done = subprocess.run(
        [sys.executable, "-m", "tutor", "--learner", "../../etc"],
        env={"SMTP_TUTOR_DATA_DIR": str(data), "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("smtp-tutor: --learner '../../etc': a learner's name")
    assert done.stderr.count("\n") == 1
    assert not data.exists()  # nothing made for a name that was refused
