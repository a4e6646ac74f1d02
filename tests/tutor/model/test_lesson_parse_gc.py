"""The lesson parser pauses Python's cyclic garbage collector while it parses (properties.md I8).

Left on, the collector's passes over the parse's growing pile of live objects made a big lesson
cost more per MB than a small one. The collector's own callbacks (`gc.callbacks`) tell whether it
ran: the same parse with the collector on runs it many times, so their silence is a real finding.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from tutor.model import parse
from tutor.model.parse import parse_text

HEAD = "---\nid: big\ntitle: Big\nsummary: s\nminutes: 5\nscenario: plaintext\n---\n\n## Step\n\n"
PROSE = HEAD + "".join(f"**Q:** why {i}?\n\n**A:** because {'x ' * 20}\n\n" for i in range(2000))


def _in_parse() -> bool:
    """Whether the lesson parser's body is on the stack: the collection is one of the parse's."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is parse._parse.__code__:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of each collection the collector starts inside a parse while the fixture
    is in use. (The one that runs as soon as the parse re-enables the collector is not inside.)"""
    started: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and _in_parse():
            started.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        yield started
    finally:
        gc.callbacks.remove(seen)


def test_i8_the_collector_does_not_run_during_a_parse(collections: list[int]) -> None:
    assert gc.isenabled()
    parse._parse(PROSE, "big.md", "", 0)  # the same parse, with the collector on
    assert len(collections) > 10, "the input is too small to make the collector run"
    collections.clear()
    parsed = parse_text(PROSE, "big.md")
    assert collections == []
    assert parsed.lesson is not None and parsed.errors == ()
    assert gc.isenabled()


def test_i8_a_collector_the_caller_paused_stays_paused() -> None:
    gc.disable()
    try:
        parse_text(PROSE, "big.md")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_i8_the_collector_comes_back_when_the_parse_raises() -> None:
    paused: list[bool] = []

    def failing_parse() -> None:
        with parse._collector_paused():
            paused.append(not gc.isenabled())
            raise MemoryError  # what a parse could meet in a huge lesson

    with pytest.raises(MemoryError):
        failing_parse()
    assert paused == [True]
    assert gc.isenabled()
