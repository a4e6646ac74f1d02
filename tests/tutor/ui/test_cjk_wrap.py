"""Japanese wraps between characters (with kinsoku); English wraps exactly as Rich always did."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from textual.content import Content

from tutor.ui import cjk_wrap, rich_private

JA = (
    "上の2本です。SMTP（Simple Mail Transfer Protocol、RFC 5321）は、メールをマシンからマシンへ"
    "運ぶプロトコルです。Aliceのメールソフトは SMTPで送信し、プロバイダーはSMTPで受信してから、"
    "またSMTPで送信し、Bobのサーバーは SMTPで受信します。"
    "「平文」のままでは、経路上の誰にでも読めます。"
)
EN = (
    "The quick brown fox jumps over the lazy dog, then keeps running through the forest until "
    "night falls and the owls (Strix aluco) begin to call across the valley."
)
RICH_ORIGINAL = re.compile(r"\s*\S+\s*")


def lines(text: str, width: int) -> list[str]:
    cuts = [0, *rich_private.divide_line(text, width), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(cuts)]


@pytest.fixture
def rich_words() -> Iterator[None]:
    """Rich's own word pattern during the test, and whatever was there before after it."""
    before = rich_private.word_pattern()
    rich_private.set_word_pattern(RICH_ORIGINAL)
    yield
    rich_private.set_word_pattern(before)


@pytest.fixture
def installed(rich_words: None) -> None:
    cjk_wrap.install()


@pytest.mark.parametrize("width", [20, 33, 40, 61, 78])
@pytest.mark.usefixtures("installed")
def test_japanese_lines_are_filled_and_respect_kinsoku(width: int) -> None:
    wrapped = lines(JA, width)
    assert "".join(wrapped) == JA
    for line in wrapped[:-1]:
        # Full, except where an English word or a kinsoku unit (at most 3 cells) moved on.
        assert cell_len(line.rstrip()) >= width - 8, (width, wrapped)
    for line in wrapped:
        assert cell_len(line.rstrip()) <= width
    for line in wrapped[1:]:
        assert line[0] not in "、。）」ーっ", (width, wrapped)  # no closing mark starts a line
    for line in wrapped[:-1]:
        assert line.rstrip()[-1] not in "（「", (width, wrapped)  # no opening mark ends one


@pytest.mark.parametrize("width", [10, 25, 40, 79])
@pytest.mark.usefixtures("rich_words")
def test_english_wraps_as_before(width: int) -> None:
    before = rich_private.divide_line(EN, width)
    cjk_wrap.install()
    assert rich_private.divide_line(EN, width) == before


@pytest.mark.usefixtures("rich_words")
def test_the_app_installs_it(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    from tutor.ui.app import TutorApp

    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    TutorApp(lang="ja")
    assert rich_private.word_pattern() is cjk_wrap.WORD


def test_rich_private_word_pattern_is_rich_s_default_splitter(rich_words: None) -> None:
    # The pattern read back is what Rich had: words with the spaces after them.
    assert rich_private.word_pattern().pattern == RICH_ORIGINAL.pattern
    assert rich_private.divide_line("ab cd ef", 5) == [6]


@pytest.mark.parametrize("width", [20, 33])
@pytest.mark.usefixtures("rich_words")
def test_rich_and_textual_public_wrapping_obey_the_installed_pattern(width: int) -> None:
    # Fails if a Rich release renames `re_word` or stops reading it: Rich's and Textual's public
    # wrapping must break Japanese between characters once the pattern is installed.
    def wrapped() -> tuple[list[str], list[str]]:
        by_rich = Text(JA).wrap(Console(width=80), width)
        by_textual = Content(JA).wrap(width)
        return [x.plain.rstrip() for x in by_rich], [x.plain.rstrip() for x in by_textual]

    before = wrapped()
    cjk_wrap.install()
    want = [line.rstrip() for line in lines(JA, width)]
    assert wrapped() == (want, want)
    assert before != (want, want)
