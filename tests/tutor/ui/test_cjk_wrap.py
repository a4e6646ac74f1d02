"""Japanese wraps between characters (with kinsoku); English wraps exactly as Rich always did."""

from __future__ import annotations

import itertools
import re

import pytest
from rich import _wrap
from rich.cells import cell_len

from tutor.ui import cjk_wrap

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
    cuts = [0, *_wrap.divide_line(text, width), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(cuts)]


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_wrap, "re_word", _wrap.re_word)  # restored after the test
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
def test_english_wraps_as_before(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_wrap, "re_word", RICH_ORIGINAL)
    before = _wrap.divide_line(EN, width)
    cjk_wrap.install()
    assert _wrap.divide_line(EN, width) == before


def test_the_app_installs_it(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    from tutor.ui.app import TutorApp

    monkeypatch.setattr(_wrap, "re_word", RICH_ORIGINAL)
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    TutorApp(lang="ja")
    assert _wrap.re_word is cjk_wrap.WORD
