"""The `config-lab` block (tutor.model.config_lab) and the learner's saved edits
(tutor.model.config_edits), and the lab block's own server; properties.md L49, L50, L56."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tutor.model.config_edits import load_edit, reset_edits, save_edit
from tutor.model.config_lab import ConfigLab
from tutor.model.lesson import Lab
from tutor.model.lessons import parse_text
from tutor.model.validate import validate

FRONT = "---\nid: t\ntitle: T\nsummary: S\nminutes: 1\nscenario: starttls\n---\n\n## Step\n\n"
MAIN = "myhostname = mail.sandbox.test\nsmtpd_tls_security_level = may\n"
MASTER = "smtp      inet  n       -       y       -       -       smtpd\n"


def block(body: str) -> str:
    return FRONT + "```config-lab\n" + body + "```\n"


GOOD = block(
    "name: l9-test\nsystem: postfix\ndo: Do it.\nhint: Like this.\nprobes:\n  - mx-plaintext\n"
    f"=== main.cf\n{MAIN}=== master.cf\n{MASTER}"
)


def problems(text: str) -> list[str]:
    return [str(e) for e in parse_text(text, "x.md").errors]


def test_l49_a_config_lab_keeps_its_files_verbatim_and_its_probes() -> None:
    parsed = parse_text(GOOD, "x.md")
    assert parsed.errors == () and parsed.lesson is not None
    (lab,) = [b for b in parsed.lesson.steps[0].blocks if isinstance(b, ConfigLab)]
    assert (lab.name, lab.system, lab.probes) == ("l9-test", "postfix", ("mx-plaintext",))
    assert lab.file("main.cf") == MAIN and lab.master_cf == MASTER
    assert lab.line == 11


def test_l49_a_wrong_line_of_a_starting_file_is_reported_at_its_lesson_line() -> None:
    text = block(
        "name: a\nsystem: postfix\ndo: D\nhint: H\nprobes:\n  - mx-plaintext\n"
        "=== main.cf\nmyhostname = mail.sandbox.test\nnot a parameter line\n"
    )
    # fence at 11, fields 12-17, "=== main.cf" at 18, the bad line is main.cf:2 -> x.md:20
    assert problems(text) == [
        "x.md:20: config-lab: main.cf:2: missing '=' after parameter name: 'not a parameter line'"
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("system: postfix\ndo: D\nhint: H\nprobes:\n  - mx-plaintext\n=== main.cf\n",
         "x.md:11: config-lab: 'name' is missing"),
        ("name: a\nsystem: sendmail\ndo: D\nhint: H\nprobes:\n  - mx-plaintext\n=== main.cf\n",
         "x.md:13: config-lab: 'system' is 'sendmail'; use postfix"),
        ("name: a\nsystem: postfix\ndo: D\nhint: H\nprobes:\n  - mx-plain\n=== main.cf\n",
         "x.md:16: config-lab: unknown probe 'mx-plain' (known: "),
        ("name: a\nsystem: postfix\ndo: D\nhint: H\nprobes:\n  - mx-plaintext\n",
         "x.md:11: config-lab: no '=== main.cf' line"),
        ("name: a\nsystem: postfix\ndo: D\nhint: H\nprobes:\n  - mx-plaintext\n=== main.cf\n"
         "=== other.cf\n", "x.md:19: config-lab: file 'other.cf': this system's files are"),
        ("name: A B\nsystem: postfix\ndo: D\nhint: H\nprobes:\n  - mx-plaintext\n=== main.cf\n",
         "x.md:12: config-lab: 'name' is 'A B'; use lower-case"),
        ("name: a\nsystem: postfix\ndo: D\nhint: H\n=== main.cf\n",
         "x.md:11: config-lab: 'probes' is missing"),
    ],
)  # fmt: skip
def test_l49_what_is_wrong_with_a_config_lab_block_is_one_line_each(
    body: str, message: str
) -> None:
    got = problems(block(body))
    assert len(got) == 1 and got[0].startswith(message), got


def test_l49_hostile_starting_files_are_one_lesson_error() -> None:
    for bad in ("a = $a\n", "=\n", "a b = c\n"):
        head = "name: a\nsystem: postfix\ndo: D\nhint: H\nprobes:\n  - mx-plaintext\n"
        got = problems(block(f"{head}=== main.cf\n{bad}"))
        assert len(got) == 1 and got[0].startswith("x.md:19: config-lab: main.cf:1: "), got


def test_l50_an_edit_is_saved_private_and_atomic_and_reset_forgets_it(tmp_path: Path) -> None:
    assert load_edit("l9-test", "main.cf", tmp_path) is None
    path = save_edit("l9-test", "main.cf", "myhostname = a.test\n", tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_edit("l9-test", "main.cf", tmp_path) == "myhostname = a.test\n"
    save_edit("l9-test", "main.cf", "changed\n", tmp_path)
    assert load_edit("l9-test", "main.cf", tmp_path) == "changed\n"
    assert [p.name for p in path.parent.iterdir()] == ["main.cf"]  # no temporary file left
    reset_edits("l9-test", ("main.cf", "master.cf"), tmp_path)
    assert load_edit("l9-test", "main.cf", tmp_path) is None


def test_l50_an_unsafe_saved_edit_is_no_edit(tmp_path: Path) -> None:
    folder = tmp_path / "config-labs" / "lab"
    folder.mkdir(parents=True)
    (tmp_path / "elsewhere").write_text("secret\n")
    os.symlink(tmp_path / "elsewhere", folder / "main.cf")
    assert load_edit("lab", "main.cf", tmp_path) is None  # a link is not followed
    os.mkfifo(folder / "master.cf")
    assert load_edit("lab", "master.cf", tmp_path) is None  # a FIFO never blocks the lab
    (folder / "big.cf").write_bytes(b"x" * 1_000_001)
    assert load_edit("lab", "big.cf", tmp_path) is None
    (folder / "latin.cf").write_bytes(b"caf\xe9\n")
    assert load_edit("lab", "latin.cf", tmp_path) is None
    with pytest.raises(ValueError, match="not a plain name"):
        save_edit("../x", "main.cf", "", tmp_path)


LAB_HEAD = "```lab\nscenario: starttls\ndo: D\ngoal: session-complete\nhint: H\n"


def test_l56_a_lab_block_takes_the_server_s_settings_and_says_what_is_wrong() -> None:
    text = FRONT + LAB_HEAD + "server-policy: encrypt\nserver-auth-only: no\n"
    text += "server-min-tls: 1.3\n```\n"
    parsed = parse_text(text, "x.md")
    assert parsed.errors == () and parsed.lesson is not None
    (lab,) = parsed.lesson.steps[0].blocks
    assert isinstance(lab, Lab)
    assert (lab.server_policy, lab.server_auth_only, lab.server_min_tls) == (
        "encrypt", False, "1.3"
    )  # fmt: skip
    assert problems(FRONT + LAB_HEAD + "server-policy: always\n```\n") == [
        "x.md:16: lab: 'server-policy' is 'always'; use none, may or encrypt"
    ]
    assert problems(FRONT + LAB_HEAD + "server-auth-only: maybe\n```\n") == [
        "x.md:16: lab: 'server-auth-only' is 'maybe'; use yes or no"
    ]
    both = FRONT + LAB_HEAD + "server-policy: may\nconfig: l9-test\n```\n"
    assert problems(both) == [
        "x.md:17: lab: 'config' sets the whole server: drop the server-... keys"
    ]


def test_l56_a_lab_s_config_names_a_config_lab_of_the_course(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    lesson = GOOD + "\n## Two\n\n" + LAB_HEAD + "config: l9-test\n```\n"
    (tmp_path / "en" / "01-t.md").write_text(lesson)
    assert [str(e) for e in validate(tmp_path, "L").errors] == []
    (tmp_path / "en" / "01-t.md").write_text(lesson.replace("config: l9-test", "config: nope"))
    got = [str(e) for e in validate(tmp_path, "L").errors]
    assert got == [
        "L/en/01-t.md:27: lab: 'config' is 'nope', no config lab has it (known: l9-test)"
    ]
    twice = GOOD + "\n## Two\n\n" + GOOD.split("## Step\n\n")[1]
    (tmp_path / "en" / "01-t.md").write_text(twice)
    got = [str(e) for e in validate(tmp_path, "L").errors]
    assert len(got) == 1 and "config-lab: name 'l9-test' is taken (" in got[0]
