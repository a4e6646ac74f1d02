"""`smtp-tutor serve` attacked over real sockets on 127.0.0.1 (properties.md X2): hostile
`?learner=` names and websocket paths, a burst of websockets against the cap, and learner
folders that are FIFOs, files, links or someone else's."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
from serve_helpers import ROOT, private_dir, served
from yarl import URL

HOSTILE_NAMES = [
    "..",
    ".",
    "../../etc",
    "a/b",
    "a\\b",
    ".hidden",
    "x" * 4_000,
    "x" * 10_240,  # longer than aiohttp reads of a request line: its own 400, one line
    "a\x00b",
    "\u202eevil",
    "a\u200fb",
    "bob\nalice",
    "\x1b[2J",
    "%2e%2e",
    "a" * 33,
    " ",
]


async def test_x2_hostile_names_start_nothing_and_create_nothing(tmp_path: Path) -> None:
    with served(tmp_path / "data") as server:
        async with aiohttp.ClientSession() as http:
            for name in HOSTILE_NAMES:
                shown = repr(name[:40])
                async with http.get(server.url, params={"learner": name}) as reply:
                    text = await reply.text()
                    assert reply.status == 400, shown
                    assert "\x1b" not in text and "\u202e" not in text and "\x00" not in text
                    if len(name) > 8190:
                        assert text.startswith("Got more than 8190 bytes"), text[:100]
                        continue
                    assert text.startswith("smtp-tutor: a learner's name"), shown
                    assert text.count("\n") == 1 and len(text) < 200, shown
                # dots encoded too, and sent as they are: `..` must reach the server, not be
                # resolved away by the client
                key = quote(name, safe="").replace(".", "%2E")
                url = URL(server.url + "ws/learner/" + key + "?width=80&height=24", encoded=True)
                async with http.ws_connect(url) as ws:
                    message = await ws.receive()
                    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
                    assert "learner's name" in str(message.extra or ""), shown
    assert not (tmp_path / "data" / "learners").exists()  # no tutor was started for any
    assert sorted(os.listdir(tmp_path)) == ["data"]


@pytest.mark.timeout(300)
async def test_x2_a_burst_of_50_tabs_starts_no_more_tutors_than_the_cap(tmp_path: Path) -> None:
    cap, burst = 2, 50
    with served(tmp_path / "data", "--max-learners", str(cap)) as server:
        async with aiohttp.ClientSession() as http:
            urls = [server.url + f"ws/learner/l{n}?width=80&height=24" for n in range(burst)]
            tabs = await asyncio.gather(*(http.ws_connect(url) for url in urls))
            firsts = await asyncio.gather(*(tab.receive() for tab in tabs))
            refused = [
                n
                for n, m in enumerate(firsts)
                if m.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
                and "too many learners" in str(m.extra or "")
            ]
            served_tabs = [tabs[n] for n in range(burst) if n not in refused]
            assert len(refused) == burst - cap and len(served_tabs) == cap
            for tab in tabs:
                await tab.close()
            learners = sorted(p.name for p in (tmp_path / "data" / "learners").iterdir())
            assert len(learners) == cap
            # the room has space again once the two tutors have quit: the next tab is served
            late = server.url + "ws/learner/late?width=80&height=24"
            while True:  # bounded by the test's timeout; each try waits for the server's answer
                async with http.ws_connect(late) as ws:
                    first = await ws.receive()
                    if first.type == aiohttp.WSMsgType.BINARY:
                        break
                    assert "too many learners" in str(first.extra or "")
                await asyncio.sleep(0.2)  # a tutor told to quit is still quitting
            assert (tmp_path / "data" / "learners" / "late").is_dir()
    assert server.process.returncode == 0


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _file(path: Path) -> None:
    path.write_text("x")


def _link_out(path: Path) -> None:
    outside = private_dir(path.parents[2] / "outside")
    path.symlink_to(outside)


def _link_dev_null(path: Path) -> None:
    path.symlink_to("/dev/null")


def _others(path: Path) -> None:
    path.mkdir(mode=0o700)
    if os.geteuid() != 0:
        pytest.skip("only root can give a folder to another user here")
    os.chown(path, 65534, 65534)


LEARNER_FOLDERS: dict[str, Callable[[Path], None]] = {
    "a FIFO": _fifo,
    "a file": _file,
    "a link out of the data dir": _link_out,
    "a link to /dev/null": _link_dev_null,
    "another user's folder": _others,
}


@pytest.mark.parametrize("kind", list(LEARNER_FOLDERS))
def test_x2_a_learner_folder_that_is_not_ours_is_one_line(kind: str, tmp_path: Path) -> None:
    data = private_dir(tmp_path / "data")
    (data / "learners").mkdir(mode=0o700)
    LEARNER_FOLDERS[kind](data / "learners" / "alice")
    env = {**os.environ, "SMTP_TUTOR_DATA_DIR": str(data)}
    env.pop("SMTP_TUTOR_LEARNER", None)
    done = subprocess.run(
        [sys.executable, "-m", "tutor", "--learner", "alice"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"smtp-tutor: {data / 'learners' / 'alice'}") or (
        "belongs to user id 65534" in done.stderr
    )
    assert not (tmp_path / "outside" / "progress.json").exists()


def _link_to_others(path: Path) -> None:
    _others(path.parent / "theirs")
    path.symlink_to(path.parent / "theirs")


def _link_to_open(path: Path) -> None:
    (path.parent / "open").mkdir(mode=0o777)
    (path.parent / "open").chmod(0o777)
    path.symlink_to(path.parent / "open")


DATA_DIRS: dict[str, Callable[[Path], None]] = {
    "a FIFO": _fifo,
    "a file": _file,
    "a link to /dev/null": _link_dev_null,
    "a link to another user's folder": _link_to_others,
    "a link to a folder anyone may write": _link_to_open,
}


@pytest.mark.parametrize("kind", list(DATA_DIRS))
@pytest.mark.parametrize("command", [["--learner", "alice"], ["progress", "export"]])
def test_x2_a_data_dir_that_is_no_folder_is_one_line(
    kind: str, command: list[str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    DATA_DIRS[kind](data)
    env = {**os.environ, "SMTP_TUTOR_DATA_DIR": str(data)}
    done = subprocess.run(
        [sys.executable, "-m", "tutor", *command],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    if kind.startswith("a link to a"):
        why = "belongs to user id 65534" if "another" in kind else "can be written by others"
        assert done.stderr.startswith("smtp-tutor: the ") and why in done.stderr
    else:
        assert done.stderr == (
            f"smtp-tutor: {data} is not a folder; smtp-tutor keeps nothing there:"
            " move it away or set SMTP_TUTOR_DATA_DIR to a folder of your own\n"
        )
    assert not list(tmp_path.glob("*/progress.json"))


@pytest.mark.parametrize("kind", ["a FIFO", "a link out of the data dir"])
async def test_x2_the_name_dialog_says_a_learner_folder_that_is_not_ours(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.widgets import Input, Static

    from tutor.ui.app import TutorApp
    from tutor.ui.screens.course import CourseScreen
    from tutor.ui.screens.learner_name import LearnerNameScreen

    data = private_dir(tmp_path / "data")
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(data))
    (data / "learners").mkdir(mode=0o700)
    LEARNER_FOLDERS[kind](data / "learners" / "alice")
    app = TutorApp(lang="en", lessons_dir=ROOT / "tests" / "fixtures" / "course", ask_learner=True)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LearnerNameScreen)
        await pilot.press(*"alice", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LearnerNameScreen)  # said, still asking, no crash
        error = str(app.screen.query_one("#learner-error", Static).render())
        assert f"{data / 'learners' / 'alice'}" in error
        app.screen.query_one("#learner-name", Input).value = ""
        await pilot.press(*"bob", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen)
    assert (data / "learners" / "bob").is_dir()
    assert not (tmp_path / "outside" / "progress.json").exists()
