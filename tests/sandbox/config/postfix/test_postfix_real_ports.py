"""The real-Postfix harness (realpostfix.py) starts even when a port it picked is taken first.

A picked port is free when picked, but Postfix binds it only seconds later, and the tests running
beside it (pytest -n 2, other engineers' suites) pick free ports too: now and then one of them
took ours first and `postfix start` failed with "Address already in use". Here the first port the
harness picks is one this test holds, listening, as such a neighbour would; the start must go on to
new ports and Postfix itself must answer there. When every pick is taken, the start gives up after
`START_TRIES` tries with the reason, rather than trying forever.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
import realpostfix
from realpostfix import PortTaken, free_port, may_start_postfix, running_postfix

pytestmark = [pytest.mark.interop, pytest.mark.timeout(300)]

MAIN = "compatibility_level = 3.6\n"
MASTER = "smtp inet n - n - - smtpd\n"


@pytest.fixture
def postfix(tool: Callable[[str], str]) -> str:
    return may_start_postfix(tool("postfix"))


@pytest.fixture
def taken() -> Iterator[int]:
    """A loopback port held by this test, listening, as another test's server would hold it."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield int(held.getsockname()[1])


def _banner(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.settimeout(30)
        data = b""
        while not data.endswith(b"\r\n"):
            more = s.recv(1024)
            if not more:
                break
            data += more
        s.sendall(b"QUIT\r\n")
        return data


def test_real_postfix_starts_on_new_ports_when_its_first_is_taken(postfix: str, taken: int) -> None:
    picks: list[int] = []

    def pick() -> int:
        picks.append(taken if not picks else free_port())
        return picks[-1]

    with running_postfix(MAIN, MASTER, pick_port=pick) as pf:
        port = pf.ports["smtp"]
        assert picks[0] == taken and len(picks) == 2 and port == picks[1] != taken
        banner = _banner(port)
        # the log is this start's: the failed try's fatal line is not among the test's lines
        log = pf.log_lines()
    assert banner.startswith(b"220 ") and b"Postfix" in banner, banner
    assert not [line for line in log if "Address already in use" in line]
    assert [line for line in log if "starting the Postfix mail system" in line]


def test_real_postfix_gives_up_after_a_few_tries(
    postfix: str, taken: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(realpostfix, "START_TRIES", 2)  # each failed try costs seconds
    picks: list[int] = []

    def pick() -> int:
        picks.append(taken)
        return taken

    with (
        pytest.raises(PortTaken, match="Address already in use"),
        running_postfix(MAIN, MASTER, pick_port=pick),
    ):
        pass  # the start fails before this
    assert picks == [taken, taken]
