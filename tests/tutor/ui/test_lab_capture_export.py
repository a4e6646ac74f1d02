"""The lab's `w` key writes the session as a pcapng capture with its TLS secrets, against the real
sandbox: the file is where the notice says, 0600, a whole pcapng (blocks that tile the file), its
secrets block holds the session's key log, and its packets carry the session's bytes."""

from __future__ import annotations

import asyncio
import stat
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from tutor_ui_fakes import make_app

from sandbox.tlsview.keylog import CLIENT_TRAFFIC_SECRET_0, SERVER_HANDSHAKE_TRAFFIC_SECRET, KeyLog
from tutor.ui.lab_link import real_session
from tutor.ui.screens.lab import LabScreen

WAIT = 20.0  # seconds; a loaded machine is slow, a hung lab fails the test
pytestmark = pytest.mark.timeout(180)  # a whole lab played and saved, on a machine that may be busy


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


async def wait_for(pilot: Pilot[None], check: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT):
        while not check():
            await pilot.pause(0.05)


def blocks(data: bytes) -> list[tuple[int, bytes]]:
    """(type, body) of each pcapng block; the lengths must tile the file exactly."""
    found, at = [], 0
    while at < len(data):
        kind, total = struct.unpack_from("<II", data, at)
        assert total % 4 == 0 and struct.unpack_from("<I", data, at + total - 4)[0] == total
        found.append((kind, data[at + 8 : at + total - 4]))
        at += total
    assert at == len(data)
    return found


def toasts(pilot: Pilot[None]) -> str:
    """What the app told the learner (TutorApp.notices keeps every notice, toast or not)."""
    return "\n".join(pilot.app.notices)  # type: ignore[attr-defined]


async def test_m33_the_lab_w_key_saves_a_capture_wireshark_decrypts(data: Path) -> None:
    app = make_app(data, session_factory=real_session)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.open_lab("starttls")
        await wait_for(pilot, lambda: isinstance(app.screen, LabScreen))
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        await pilot.press("w")  # nothing has crossed the wire yet
        await wait_for(pilot, lambda: "Nothing to capture yet" in toasts(pilot))
        assert not (data / "captures").exists()
        lab.query_one("#conversation").focus()  # the keys go to the lab, not the command line
        await pilot.press("p")
        await wait_for(pilot, lambda: lab.session is not None and lab.session.finished)
        await wait_for(pilot, lambda: not lab._busy)
        await pilot.press("w")
        await wait_for(pilot, lambda: "Capture saved to" in toasts(pilot))
        notice = toasts(pilot)
    (saved,) = (data / "captures").iterdir()
    assert saved.name.startswith("starttls-") and saved.suffix == ".pcapng"
    assert f"tshark -r {saved} -Y" in notice.replace("\n", " ")  # the exact command, this file
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700
    found = blocks(saved.read_bytes())
    kinds = [k for k, _ in found]
    assert kinds[:3] == [0x0A0D0D0A, 1, 0x0A] and set(kinds[3:]) == {6}
    secrets_type, length = struct.unpack_from("<II", found[2][1])
    assert secrets_type == 0x544C534B  # TLS Key Log
    (client_random,) = keylog = KeyLog.parse(found[2][1][8 : 8 + length])  # the one handshake
    assert keylog.skipped == 0
    assert {CLIENT_TRAFFIC_SECRET_0, SERVER_HANDSHAKE_TRAFFIC_SECRET} <= set(
        keylog.session(client_random)
    )
    packets = b"".join(body for kind, body in found if kind == 6)
    # one connection, the one the lab's server was watched on (I15); the second EHLO is in TLS
    assert packets.count(b"EHLO client.test\r\n") == 1
    assert packets.count(b"220 Ready to start TLS") == 1


def test_m33_the_lab_keeps_a_bounded_capture() -> None:
    """A lab left open all day: the oldest sessions go first, the current one always stays."""
    from sandbox.events import SessionStarted, Side, WireChunk
    from tutor.ui.lab_capture import CaptureRecorder

    recorder = CaptureRecorder(max_bytes=100)
    for n in range(5):
        recorder.add(SessionStarted(scenario="starttls", server="s", via_tap=f"t{n}"))
        recorder.add(WireChunk(sender=Side.SERVER, offset=0, data=b"x" * 40))
    starts = [e for e in recorder.events if isinstance(e, SessionStarted)]
    assert [e.via_tap for e in starts] == ["t3", "t4"]  # 80 bytes kept, never over 100
    recorder.add(SessionStarted(scenario="starttls", server="s", via_tap="big"))
    recorder.add(WireChunk(sender=Side.SERVER, offset=0, data=b"y" * 500))
    assert [e.via_tap for e in recorder.events if isinstance(e, SessionStarted)] == ["big"]
