"""The catalogue's extension point, proved with an attack that exists only in this file.

`ForgeBanner` is a new man in the middle (a `Tamper` subclass): it rewrites the server's greeting.
Registered with `sandbox.lab.catalog` from here (and taken away after each test), with no other
file touched, it runs for real on loopback through `LabSession`, the matrix includes it by
default, its outcome is computed, its attack notice is on screen before anything crosses the wire
(properties.md I7), and the lesson validator knows its name while it is registered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from test_threat_kit import attack_notices, data_dir, delivered, lines, run_lab, shared_data_dir

from sandbox.events import (
    ConversationLine,
    Level,
    Notice,
    SessionStarted,
    Side,
    WireChunk,
    WireLine,
)
from sandbox.lab import catalog
from sandbox.lab.attacklab import ATTACK_PREFIX
from sandbox.lab.matrix import run_cell, run_matrix
from sandbox.lab.scenarios import Scenario
from sandbox.threats.lines import LineTamper, announce
from sandbox.threats.outcome import outcome
from sandbox.threats.spec import Attack
from sandbox.wire.tamper import TapControl
from tutor.model.lessons import parse_text

__all__ = ["data_dir", "shared_data_dir"]

NAME = "forge-banner"
FORGED = b"220 mx.attacker.test ESMTP (forged on the path)\r\n"
NOTICE = "a man in the middle rewrites the server's greeting."


class ForgeBanner(LineTamper):
    """Replaces the server's 220 greeting, the first line of the session, with his own."""

    def __init__(self) -> None:
        super().__init__()
        self._greeted = False

    def server_line(self, line: bytes, conn: TapControl) -> bytes:
        if self._greeted:
            return line
        self._greeted = True
        announce(conn, "forge-banner.rewrote")
        return FORGED


FORGE_BANNER = Attack(
    NAME,
    summary="A man in the middle rewrites the server's greeting.",
    notice=NOTICE,
    tamper=ForgeBanner,
    notices={"forge-banner.rewrote": "The attacker rewrote the server's greeting."},
)


@pytest.fixture
def forge_banner() -> Iterator[Scenario]:
    with catalog.registered(FORGE_BANNER) as lab:
        yield lab
    assert NAME not in catalog.SCENARIOS  # taken away again


def test_registered_attack_is_in_the_catalogue_as_an_attack_lab(forge_banner: Scenario) -> None:
    assert catalog.SCENARIOS[NAME] is forge_banner is catalog.get(NAME)
    assert forge_banner.attack and forge_banner.summary == FORGE_BANNER.summary
    assert catalog.available()[-1] == NAME and catalog.attacks()[-1] == NAME


async def test_i7_registered_attack_runs_on_loopback_and_says_so_first(
    forge_banner: Scenario,
) -> None:
    events = await run_lab(NAME, "may")
    assert next(e for e in events if isinstance(e, SessionStarted)).scenario == NAME
    first = next(i for i, e in enumerate(events) if isinstance(e, (Notice, WireChunk)))
    notice = events[first]
    assert isinstance(notice, Notice) and notice.level is Level.ATTACK
    assert notice.text == ATTACK_PREFIX + NOTICE  # on screen before a byte crossed the wire
    assert "The attacker rewrote the server's greeting." in attack_notices(events)
    # The eavesdropper and the client both got the forged greeting, never the real one.
    assert lines(events, Side.SERVER)[0] == FORGED.decode().rstrip()
    heard = [e.text for e in events if isinstance(e, ConversationLine) and e.sender is Side.SERVER]
    assert heard[0] == FORGED.decode().rstrip()
    assert not any("sandbox.test ESMTP" in t for t in lines(events, Side.SERVER))
    # It changes nothing else: the mail still went inside TLS to the real server.
    mail = delivered(events)
    assert len(mail) == 1 and mail[0].tls
    assert outcome(events, client_policy="may").cell == "TLS, safe"


async def test_registered_attack_is_a_row_of_the_matrix_with_its_outcome(
    forge_banner: Scenario,
) -> None:
    matrix = await run_matrix(policies=("none",))  # every attack of the catalogue, by default
    assert matrix.attacks == catalog.attacks() and NAME in matrix.attacks
    plain = matrix.cell(NAME, "none")
    assert plain.outcome.cell == "plain READ"  # a 'none' client sends in plaintext anyway
    assert any(isinstance(e, WireLine) and e.text.startswith("MAIL FROM") for e in plain.events)
    verify = await run_cell(NAME, "verify")
    assert verify.outcome.cell == "TLS, safe" and verify.outcome.encrypted
    assert ATTACK_PREFIX + NOTICE in attack_notices(verify.events)


def test_the_lesson_validator_knows_the_name_only_while_registered() -> None:
    lesson = f"---\nid: t\ntitle: T\nsummary: S\nminutes: 1\nscenario: {NAME}\n---\n\n## Step\n"
    unknown = f"front matter: unknown scenario {NAME!r}"
    assert any(unknown in e.message for e in parse_text(lesson, "x.md").errors)
    with catalog.registered(FORGE_BANNER):
        assert parse_text(lesson, "x.md").errors == ()
    assert any(unknown in e.message for e in parse_text(lesson, "x.md").errors)


def test_a_name_is_registered_once_and_built_in_labs_stay(forge_banner: Scenario) -> None:
    with pytest.raises(ValueError, match="already in the catalogue"):
        catalog.register(FORGE_BANNER)
    with pytest.raises(ValueError, match="already in the catalogue"):
        catalog.register(Attack("strip", summary="s", notice="n", tamper=ForgeBanner))
    with pytest.raises(ValueError, match="built in"):
        catalog.unregister("strip")
    with pytest.raises(KeyError, match="no registered lab"):
        catalog.unregister("never-registered")


def test_after_unregistering_the_name_is_unknown_and_the_error_lists_the_known() -> None:
    with catalog.registered(FORGE_BANNER):
        pass
    with pytest.raises(KeyError, match=r"unknown scenario 'forge-banner'; choose one of: "):
        catalog.get(NAME)
    with pytest.raises(KeyError, match="plaintext, starttls"):
        catalog.get(NAME)
    with pytest.raises(ValueError, match="lab without an attack"):
        asyncio.run(run_matrix(["starttls"], ("may",)))
