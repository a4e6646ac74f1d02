"""Every command that reads a file the user names or keeps, given a hostile one (properties.md
X3): 10 MB, not UTF-8, NUL bytes, escape sequences, a FIFO, a link to /dev/zero, a folder, and
JSON or TOML nested 200,000 deep. Each ends (a FIFO never blocks it) with its report or clear
lines, never a traceback, shows nothing a terminal would act on, and writes nothing."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.safety.errors import UnsafeFileError
from tutor.cli.main import main
from tutor.model.config_edits import labs_dir, load_edit, reset_edits, save_edit

ROOT = Path(__file__).resolve().parents[3]
COURSE = ROOT / "tests" / "fixtures" / "course"
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
DEEP_JSON = b"[" * 200_000 + b"]" * 200_000
DEEP_TOML = b"a = " + b"[" * 20_000 + b"]" * 20_000 + b"\n"

KINDS: dict[str, Callable[[Path], object]] = {
    "10 MB": lambda p: p.write_bytes(b"x" * (10 << 20)),
    "not UTF-8": lambda p: p.write_bytes(b"\xff\xfe\xc3\x28 hello \x80\n"),
    "NUL bytes": lambda p: p.write_bytes(b"version: STSv1\x00\nmode: enforce\n\x00"),
    "escapes": lambda p: p.write_bytes(b"\x1b]0;pwned\x07\x1b[2J\xc2\x9b31m\xe2\x80\xae\n"),
    "a FIFO": os.mkfifo,
    "a link to /dev/zero": lambda p: p.symlink_to("/dev/zero"),
    "a folder": lambda p: p.mkdir(),
    "JSON 200,000 deep": lambda p: p.write_bytes(DEEP_JSON),
    "TOML 20,000 deep": lambda p: p.write_bytes(DEEP_TOML),
}


def _course(folder: Path) -> Path:
    course = folder / "course"
    shutil.copytree(COURSE, course)
    (course / "glossary").mkdir()
    return course


def _in_maildir(folder: Path, hostile: Path) -> list[str]:
    maildir = folder / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    hostile.rename(maildir / "new" / "1700000000.M1P1.host")
    return ["mailbox", "--maildir", str(maildir), "show", "1"]


# name: (where the hostile file goes, given the test's folder; the command to run on it)
Setup = Callable[[Path], tuple[Path, Callable[[Path], list[str]]]]
COMMANDS: dict[str, Setup] = {
    "progress merge FILE": lambda d: (d / "export.json", lambda p: ["progress", "merge", str(p)]),
    "mta-sts check FILE": lambda d: (d / "policy.txt", lambda p: ["mta-sts", "check", str(p)]),
    "dane tlsa FILE": lambda d: (d / "cert.pem", lambda p: ["dane", "tlsa", str(p)]),
    "lessons check: pack.toml": lambda d: (
        _course(d) / "pack.toml",
        lambda p: ["lessons", "check", str(p.parent)],
    ),
    "lessons check: glossary": lambda d: (
        _course(d) / "glossary" / "en.toml",
        lambda p: ["lessons", "check", str(p.parents[1])],
    ),
    "lessons check: a lesson": lambda d: (
        _course(d) / "en" / "03-hostile.md",
        lambda p: ["lessons", "check", str(p.parents[1])],
    ),
    "lessons new DIR": lambda d: (d / "pack", lambda p: ["lessons", "new", str(p)]),
    "mailbox show": lambda d: (d / "mail", lambda p: _in_maildir(d, p)),
    "progress export: progress.json": lambda d: (
        d / "data" / "progress.json",
        lambda p: ["progress", "export"],
    ),
}


def _tree(folder: Path) -> dict[str, int]:
    """Every name under `folder` with its size (links and FIFOs not followed or opened)."""
    return {
        str(p.relative_to(folder)): p.lstat().st_size if p.is_file() else -1
        for p in folder.rglob("*")
    }


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_x3_a_hostile_input_file_is_clear_lines_and_writes_nothing(
    command: str,
    kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(data))
    monkeypatch.delenv("SMTP_TUTOR_LEARNER", raising=False)
    hostile, argv = COMMANDS[command](tmp_path)
    KINDS[kind](hostile)
    args = argv(hostile)
    before = _tree(tmp_path)
    status = main(args)  # a traceback fails the test; a FIFO read would hang it
    out, err = capsys.readouterr()
    assert UNSAFE.search(out + err) is None, (out + err)[:2000]
    if command == "lessons new DIR" and kind == "a folder":  # an empty folder: that is its use
        assert status == 0 and (hostile / "pack.toml").is_file()
        return
    if command == "mailbox show" and kind not in ("a FIFO", "a link to /dev/zero", "a folder"):
        assert status == 0 and out.startswith("=== Message M1P1")  # any bytes are mail
    else:
        assert status == 1, (out, err)
        if command.startswith("lessons check"):
            assert re.search(r"^\d+ problems? found$", out, re.M), out[-500:]
        elif command.startswith("mta-sts") and not err:  # text: its findings, escaped
            assert re.search(r": \d+ problem\(s\), \d+ warning\(s\)$", out, re.M), out[-500:]
        else:
            lines = err.splitlines()
            assert 1 <= len(lines) <= 2 and all(ln.startswith("smtp-tutor") for ln in lines), err
            assert all(len(ln) < 400 for ln in lines), err
    assert _tree(tmp_path) == before  # nothing written, nothing set aside or renamed


# --- the config lab's saved edits (tutor/model/config_edits.py), as the lab screen uses them ----

FOLDERS: dict[str, Callable[[Path], object]] = {
    "a FIFO": os.mkfifo,
    "a file": lambda p: p.write_text("x"),
    "a link out of the data dir": lambda p: p.symlink_to(p.parents[2]),
    "a link to /dev/null": lambda p: p.symlink_to("/dev/null"),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_x3_a_hostile_saved_edit_is_no_edit(kind: str, tmp_path: Path) -> None:
    folder = labs_dir(tmp_path) / "lab"
    folder.mkdir(parents=True)
    KINDS[kind](folder / "main.cf")
    expected = None
    if kind in ("NUL bytes", "escapes", "JSON 200,000 deep", "TOML 20,000 deep"):
        expected = (folder / "main.cf").read_text()  # UTF-8 text: the learner's own
    assert load_edit("lab", "main.cf", tmp_path) == expected
    if kind == "a folder":
        with pytest.raises(IsADirectoryError):  # an OSError: the lab screen says it
            save_edit("lab", "main.cf", "x = y\n", tmp_path)
        return
    save_edit("lab", "main.cf", "smtpd_tls_security_level = may\n", tmp_path)
    assert load_edit("lab", "main.cf", tmp_path) == "smtpd_tls_security_level = may\n"
    assert (folder / "main.cf").is_file() and not (folder / "main.cf").is_symlink()
    reset_edits("lab", ("main.cf",), tmp_path)
    assert not (folder / "main.cf").exists()


@pytest.mark.parametrize("kind", list(FOLDERS))
def test_x3_a_lab_folder_that_is_not_a_folder_keeps_nothing_through_it(
    kind: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    labs_dir(data).mkdir(parents=True)
    FOLDERS[kind](labs_dir(data) / "lab")
    before = _tree(tmp_path)
    assert load_edit("lab", "main.cf", data) is None
    with pytest.raises(OSError, match="lab") as refused:  # the lab screen notifies it
        save_edit("lab", "main.cf", "x = y\n", data)
    assert "\n" not in str(refused.value) and str(labs_dir(data) / "lab") in str(refused.value)
    if kind.startswith("a link"):
        assert isinstance(refused.value, UnsafeFileError)
    reset_edits("lab", ("main.cf", "master.cf"), data)
    assert _tree(tmp_path) == before
