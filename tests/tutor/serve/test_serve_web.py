"""`smtp-tutor serve` over real sockets on 127.0.0.1, without a browser: a websocket client
speaks textual.js's protocol (properties.md R1, R3, R4)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from serve_helpers import ROOT, private_dir, served

COURSE_TITLE = "SMTP, TLS and STARTTLS"
_ESC = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]")


async def _until_course(ws: aiohttp.ClientWebSocketResponse) -> None:
    seen = b""
    async for message in ws:  # bounded by pytest-timeout
        if message.type == aiohttp.WSMsgType.BINARY:
            seen += message.data
            if COURSE_TITLE in _ESC.sub(b"", seen).decode("utf-8", "replace"):
                return
        elif message.type != aiohttp.WSMsgType.TEXT:
            break
    raise AssertionError(f"the course never came: {seen[-500:]!r}")


def _serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"SMTP_TUTOR_DATA_DIR": str(private_dir(tmp_path / "data")), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "tutor", "serve", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_r3_a_non_loopback_host_needs_the_flag(tmp_path: Path) -> None:
    done = _serve(tmp_path, "--host", "0.0.0.0")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "not a loopback address: add --allow-non-loopback" in done.stderr


def test_r3_with_the_flag_it_warns_before_listening(tmp_path: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is no address of this machine: the bind fails here, locally, after
    # the warning; nothing is ever sent to it
    done = _serve(tmp_path, "--host", "192.0.2.1", "--allow-non-loopback", "--port", "0")
    assert "WARNING: listening on 192.0.2.1, reachable from other machines" in done.stderr
    assert "cannot listen on 192.0.2.1:0" in done.stderr
    assert done.returncode == 1
    assert "Traceback" not in done.stderr


async def test_r1_the_page_refuses_a_bad_name_and_names_the_learners_websocket(
    tmp_path: Path,
) -> None:
    with served(tmp_path / "data") as server:
        async with aiohttp.ClientSession() as http:
            async with http.get(server.url + "?learner=../../etc") as reply:
                assert reply.status == 400
                text = await reply.text()
                assert text.startswith("smtp-tutor: a learner's name") and text.count("\n") == 1
            async with http.get(server.url + "?learner=Ｂｏｂ") as reply:
                assert reply.status == 200
                page = await reply.text()
                assert 'data-ws-path="/ws/learner/bob"' in page
                assert "http" not in page.split("<body>")[0].replace("http-equiv", "")
            async with http.ws_connect(
                server.url + "ws/learner/..%2F..%2Fetc?width=80&height=24"
            ) as ws:
                message = await ws.receive()
                assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert not (tmp_path / "etc").exists()
    assert not (tmp_path / "data" / "learners").exists()  # no tutor was started for it


async def test_r4_tabs_beyond_the_cap_are_refused_and_junk_is_ignored(tmp_path: Path) -> None:
    with served(tmp_path / "data", "--max-learners", "1") as server:
        async with aiohttp.ClientSession() as http:
            url = server.url + "ws/learner/alice?width=100&height=30"
            async with http.ws_connect(url) as first:
                await _until_course(first)
                assert (tmp_path / "data" / "learners" / "alice").is_dir()
                # hostile frames: not JSON, wrong shapes, absurd sizes; the session goes on
                for junk in (
                    "not json",
                    "[]",
                    '["resize", {"width": 1e9, "height": -3}]',
                    '["stdin", 42]',
                    '{"a": 1}',
                ):
                    await first.send_str(junk)
                await first.send_json(["ping", "still-here"])
                async for message in first:
                    if message.type == aiohttp.WSMsgType.TEXT and "still-here" in message.data:
                        break
                async with http.ws_connect(
                    server.url + "ws/learner/bob?width=80&height=24"
                ) as second:
                    refused = await second.receive()
                    assert refused.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
                    assert "too many learners" in str(refused.extra or "")
        assert not (tmp_path / "data" / "learners" / "bob").exists()
    assert server.process.returncode == 0


@pytest.mark.timeout(120)
async def test_r2_two_tabs_at_once_get_two_tutors_with_their_own_folders(
    tmp_path: Path,
) -> None:
    with served(tmp_path / "data") as server:
        async with aiohttp.ClientSession() as http:
            a = await http.ws_connect(server.url + "ws/learner/ann?width=100&height=30")
            b = await http.ws_connect(server.url + "ws/learner/ben?width=100&height=30")
            await _until_course(a)
            await _until_course(b)
            await a.close()
            await b.close()
    learners = tmp_path / "data" / "learners"
    assert sorted(p.name for p in learners.iterdir()) == ["ann", "ben"]
    assert not (tmp_path / "data" / "progress.json").exists()


async def test_r4_every_tab_gets_the_servers_lessons_and_language(tmp_path: Path) -> None:
    course = ROOT / "tests" / "fixtures" / "course"
    bad = _serve(tmp_path, "--lessons", str(tmp_path / "nowhere"))
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1
    assert "--lessons" in bad.stderr and "no such directory" in bad.stderr
    with served(tmp_path / "data", "--lessons", str(course), "--lang", "en") as server:
        async with aiohttp.ClientSession() as http:
            url = server.url + "ws/learner/cara?width=120&height=40"
            async with http.ws_connect(url) as ws:
                seen = b""
                async for message in ws:
                    if message.type == aiohttp.WSMsgType.BINARY:
                        seen += message.data
                        if b"First words: a plaintext session" in _ESC.sub(b"", seen):
                            break
                else:
                    raise AssertionError(f"the fixture course never came: {seen[-300:]!r}")


async def test_r2_a_learner_in_the_servers_environment_is_nobodys(tmp_path: Path) -> None:
    # the teacher's own $SMTP_TUTOR_LEARNER must not make every unnamed tab theirs
    with served(tmp_path / "data", learner_env="teacher") as server:
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(server.url + "ws?width=120&height=40")
            seen = b""
            async for message in ws:
                if message.type == aiohttp.WSMsgType.BINARY:
                    seen += message.data
                    if b"What is your name?" in _ESC.sub(b"", seen):
                        break
            else:
                raise AssertionError(f"the tab was not asked for a name: {seen[-300:]!r}")
            await ws.close()
    assert not (tmp_path / "data" / "learners" / "teacher").exists()
