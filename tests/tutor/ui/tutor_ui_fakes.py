"""A scripted stand-in for sandbox.lab.session.LabSession: replays the events of a STARTTLS session
with fixed addresses and no clock, so Pilot and snapshot tests of the Lab screen are exact.

The UI tests against the real sandbox live in test_app_lab_real.py; this double is only for what
must be deterministic (snapshots) or impossible to provoke for real (a start failure on demand).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from sandbox.events import (
    CertSummary,
    ConversationLine,
    HandshakeInfo,
    Level,
    MessageDelivered,
    Notice,
    SandboxEvent,
    SessionClosed,
    SessionStarted,
    Side,
    TlsEstablished,
    WireChunk,
    WireLine,
    WireRecord,
    WireSwitch,
)
from tutor.ui.app import TutorApp

Emit = Callable[[SandboxEvent], None]
C, S = Side.CLIENT, Side.SERVER

CERT = CertSummary(
    subject="CN=sandbox.test",
    issuer="CN=smtp-tutor sandbox CA",
    not_before="2026-01-01T00:00:00Z",
    not_after="2026-01-31T00:00:00Z",
    san=("sandbox.test", "localhost", "127.0.0.1"),
    sha256="AB:CD:EF:01:23:45:67:89",
)


_VERBS = {"EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT"}


def _line(sender: Side, text: str, tls: bool) -> ConversationLine:
    """A line with the typed facts the real client fills in: a reply's code and whether it is the
    last line of its reply, a command's verb (none for the message's own lines)."""
    if sender is Side.SERVER:
        code = int(text[:3]) if text[:3].isdigit() else None
        final = text[3:4] != "-"
        return ConversationLine(sender=sender, text=text, tls=tls, code=code, final=final, ts=0.0)
    word = text.split()[0].split(":")[0].upper() if text.split() else ""
    verb = word if word in _VERBS else ""
    return ConversationLine(sender=sender, text=text, tls=tls, verb=verb, ts=0.0)


def _said(sender: Side, text: str, tls: bool, offset: int) -> list[SandboxEvent]:
    events: list[SandboxEvent] = [_line(sender, text, tls)]
    if not tls:
        events.append(WireLine(sender=sender, offset=offset, text=text, ts=0.0))
    else:
        events.append(
            WireRecord(
                sender=sender,
                offset=offset,
                content_type=23,
                content_type_name="application_data",
                version="TLS 1.2",
                length=len(text) + 22,
                preview_hex="17 03 03 00 2a 9f 3c 11 e0",
                encrypted=True,
                ts=0.0,
            )
        )
    return events


def _handshake() -> list[SandboxEvent]:
    hello = HandshakeInfo(
        msg_type=1,
        name="ClientHello",
        sni="sandbox.test",
        versions=("TLS 1.3", "TLS 1.2"),
        cipher_suites=("TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"),
    )
    server_hello = HandshakeInfo(
        msg_type=2,
        name="ServerHello",
        versions=("TLS 1.3",),
        cipher_suites=("TLS_AES_256_GCM_SHA384",),
    )
    return [
        WireSwitch(sender=C, offset=32, ts=0.0),
        WireRecord(
            sender=C,
            offset=32,
            content_type=22,
            content_type_name="handshake",
            version="TLS 1.0",
            length=512,
            preview_hex="01 00 01 fc 03 03 5a 1b",
            handshake=(hello,),
            ts=0.0,
        ),
        WireSwitch(sender=S, offset=180, ts=0.0),
        WireRecord(
            sender=S,
            offset=180,
            content_type=22,
            content_type_name="handshake",
            version="TLS 1.2",
            length=122,
            preview_hex="02 00 00 76 03 03 8e 44",
            handshake=(server_hello,),
            ts=0.0,
        ),
        TlsEstablished(
            version="TLSv1.3",
            cipher="TLS_AES_256_GCM_SHA384",
            peer_cert=CERT,
            verified=True,
            server_hostname="sandbox.test",
            ts=0.0,
        ),
    ]


@dataclass(frozen=True)
class Step:
    label: str
    events: tuple[SandboxEvent, ...]


def starttls_script() -> tuple[Step, ...]:
    ehlo = ["250-sandbox.test", "250-SIZE 1048576", "250 STARTTLS"]
    ehlo_tls = ["250-sandbox.test", "250-AUTH PLAIN LOGIN", "250 SIZE 1048576"]
    plain = [
        *_said(C, "EHLO client.test", False, 0),
        *(e for i, line in enumerate(ehlo) for e in _said(S, line, False, 30 + 20 * i)),
    ]
    starttls = [
        *_said(C, "STARTTLS", False, 18),
        *_said(S, "220 2.0.0 Ready to start TLS", False, 110),
        *_handshake(),
    ]
    return (
        Step("EHLO client.test", tuple(plain)),
        Step("STARTTLS", tuple(starttls)),
        Step(
            "EHLO client.test",
            tuple(
                [
                    *_said(C, "EHLO client.test", True, 600),
                    *(e for line in ehlo_tls for e in _said(S, line, True, 400)),
                ]
            ),
        ),
        Step(
            "MAIL FROM:<learner@sandbox.test>",
            tuple(
                [
                    *_said(C, "MAIL FROM:<learner@sandbox.test>", True, 700),
                    *_said(S, "250 2.1.0 OK", True, 500),
                ]
            ),
        ),
        Step(
            "RCPT TO:<friend@sandbox.test>",
            tuple(
                [
                    *_said(C, "RCPT TO:<friend@sandbox.test>", True, 760),
                    *_said(S, "250 2.1.5 OK", True, 540),
                ]
            ),
        ),
        Step(
            "DATA",
            tuple(
                [
                    *_said(C, "DATA", True, 820),
                    *_said(S, "354 End data with <CR><LF>.<CR><LF>", True, 580),
                    *_said(C, "Subject: [test] hello", True, 850),
                    *_said(C, ".", True, 900),
                    *_said(S, "250 2.0.0 OK: queued", True, 640),
                    MessageDelivered(
                        mail_from="learner@sandbox.test",
                        rcpt_tos=("friend@sandbox.test",),
                        size=42,
                        tls=True,
                        authenticated_as=None,
                        ts=0.0,
                    ),
                ]
            ),
        ),
        Step(
            "QUIT",
            tuple(
                _said(C, "QUIT", True, 960)
                + _said(S, "221 2.0.0 Bye", True, 700)
                + [SessionClosed(clean=True, ts=0.0)]
            ),
        ),
    )


class ScriptedSession:
    """Satisfies tutor.ui.lab_link.LabSessionLike; replays `starttls_script()`."""

    def __init__(
        self,
        scenario: str,
        emit: Emit,
        client_policy: str | None = None,
        *,
        attack: str | None = None,
        fail_start: str | None = None,
    ) -> None:
        self.scenario = scenario
        self.emit = emit
        self.client_policy = client_policy
        self.attack = attack
        self.fail_start = fail_start
        self.script = starttls_script()
        self.position = 0
        self.finished = False
        self.started = 0
        self.stopped = False
        self.sent: list[str] = []
        self.asked: list[str] = []  # what server_answer was asked
        self.demo_account = ("demo", "demo-password")

    async def start(self) -> None:
        if self.fail_start:
            raise OSError(self.fail_start)
        self.started += 1
        self.position = 0
        self.finished = False
        self.emit(
            SessionStarted(scenario=self.scenario, server="127.0.0.1:2525", via_tap=None, ts=0.0)
        )
        if self.attack:
            self.emit(Notice(level=Level.ATTACK, text=self.attack, ts=0.0))
        for event in _said(S, "220 sandbox.test ESMTP", False, 0):
            self.emit(event)
        self.emit(WireChunk(sender=S, offset=0, data=b"220 sandbox.test ESMTP\r\n", ts=0.0))

    async def step(self) -> bool:
        if self.position >= len(self.script):
            return False
        for event in self.script[self.position].events:
            self.emit(event)
        self.position += 1
        self.finished = self.position >= len(self.script)
        return True

    async def play(self, delay: float = 0.0) -> None:
        while await self.step():
            pass

    async def send(self, line: str) -> None:
        self.sent.append(line)
        verb = line.split()[0].upper()
        for event in _said(C, line, False, 0):
            self.emit(event)
        reply = "221 2.0.0 Bye" if verb == "QUIT" else "250 OK"
        for event in _said(S, reply, False, 0):
            self.emit(event)
        if verb == "QUIT":
            self.finished = True
            self.emit(SessionClosed(clean=True, ts=0.0))

    async def restart(self) -> None:
        await self.stop()
        self.stopped = False
        await self.start()

    async def server_answer(self, line: str) -> str | None:
        self.asked.append(line)
        return "530 5.7.0 Must issue a STARTTLS command first"

    async def stop(self) -> None:
        self.stopped = True


def factory(**options: object) -> Callable[[str, Emit, str | None], ScriptedSession]:
    """A session factory that also remembers the sessions it made (`made`)."""
    made: list[ScriptedSession] = []

    def make(scenario: str, emit: Emit, client_policy: str | None) -> ScriptedSession:
        session = ScriptedSession(scenario, emit, client_policy, **options)  # type: ignore[arg-type]
        made.append(session)
        return session

    make.made = made  # type: ignore[attr-defined]
    return make


FIXTURE_COURSE = Path(__file__).resolve().parents[2] / "fixtures" / "course"


def make_app(data_dir: Path, **options: Any) -> TutorApp:
    """The tutor on the fixture course, with scripted labs, saving progress under `data_dir`."""
    options.setdefault("lang", "en")
    options.setdefault("lessons_dir", FIXTURE_COURSE)
    options.setdefault("session_factory", factory())
    options.setdefault("play_delay", 0.0)
    options.setdefault("progress_path", data_dir / "progress.json")
    return TutorApp(**options)


def fixture_pack_id() -> str:
    """The pack id the tutor keys the fixture course's progress by."""
    from tutor.model.course import load_course

    return load_course(FIXTURE_COURSE, "en").pack_id


def at_step(data_dir: Path, lesson_id: str, step: int, *, builtin: bool = False) -> None:
    """Save progress that reopens `lesson_id` at `step` (tests skip the steps before it), in
    the fixture course (`builtin`: in the shipped course, for `make_app(lessons_dir=None)`)."""
    from tutor.model import progress as pg

    p = pg.Progress()
    p.use_pack(pg.BUILTIN_PACK if builtin else fixture_pack_id())
    p.set_position(lesson_id, step)
    pg.save(p, data_dir / "progress.json")


def saved_progress(data_dir: Path) -> dict[str, Any]:
    """progress.json as saved, with the fixture course's pack entry (its `lessons`, its
    `last_lesson`) beside the language and the theme, as tests read it."""
    import json

    data = json.loads((data_dir / "progress.json").read_text())
    pack = data.get("packs", {}).get(fixture_pack_id(), {"lessons": {}})
    return {**data, **pack}


WAIT = 15.0  # seconds: a busy machine runs the app's workers and timers late; a hung UI fails


async def wait_for(pilot: Pilot[Any], check: Callable[[], bool]) -> None:
    """Wait for a state, not for a time: poll `check` between frames until it holds."""
    async with asyncio.timeout(WAIT):
        while not check():
            await pilot.pause(0.02)
        # A pushed screen is `app.screen` before it has composed and run on_mount; on a busy
        # machine a test that waited for the screen then read its widgets found them empty.
        while not pilot.app.screen.is_mounted:
            await pilot.pause(0.02)


def palette_found(app: TutorApp) -> bool:
    """The command palette is open and lists what was typed into it (searched in a worker)."""
    screen = app.screen
    return isinstance(screen, CommandPalette) and screen.query_one(CommandList).option_count > 0


def play_to_end(
    make: Callable[[str, Emit, str | None], Any], scenario: str, policy: str | None
) -> list[SandboxEvent]:
    """One real lab session from a session factory, played to its end: every event it emitted."""
    import asyncio

    events: list[SandboxEvent] = []

    async def run() -> None:
        session = make(scenario, events.append, policy)
        await session.start()
        try:
            await session.play()
        finally:
            await session.stop()

    asyncio.run(run())
    return events
