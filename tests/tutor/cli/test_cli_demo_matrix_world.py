"""`smtp-tutor demo --matrix` with the lab-world columns (M41-M44): every attack against the five
client levels and against MTA-STS testing / enforce and DANE signed / unsigned, each cell a real
session on loopback, in English, Japanese and JSON; and the one table code it shares with
`smtp-tutor mta-sts matrix`."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import sandbox.lab.matrix
import tutor.cli.matrix_table
from sandbox.events import MessageDelivered, SandboxEvent, Side, WireChunk
from sandbox.lab.catalog import attacks
from sandbox.lab.matrix import POLICIES, WORLD_COLUMNS, Matrix
from sandbox.threats.outcome import CELL_LEGEND
from tutor.cli.main import main
from tutor.cli.matrix_table import CELL_LEGEND_JA, NO_BREAK_BEFORE, WORDS, fold

SECRET = b"This message is the secret the eavesdropper wants to read."
# (the cell's text in the table, a TLS-RPT report made?); columns as WORLD_COLUMNS:
# mta-sts testing, mta-sts enforce, dane signed, dane unsigned (RFC 8461, RFC 7672, issue 13).
WORLD_EXPECTED: dict[str, tuple[tuple[str, bool], ...]] = {
    "strip": (("plain READ", True), ("not sent", True), ("not sent", True), ("plain READ", True)),
    "impersonate": (
        ("MITM READ", True),
        ("not sent", True),
        ("not sent", True),
        ("MITM READ", False),  # an unsigned zone's TLSA is ignored: nobody notices
    ),
}


class Run:
    """One `demo --matrix` invocation: its exit status, its output and the matrix it printed."""

    def __init__(self, argv: Sequence[str], monkeypatch: pytest.MonkeyPatch) -> None:
        real = sandbox.lab.matrix.run_matrix
        seen: list[Matrix] = []

        async def keep(*args: Any, **kwargs: Any) -> Matrix:
            seen.append(await real(*args, **kwargs))
            return seen[-1]

        monkeypatch.setattr(sandbox.lab.matrix, "run_matrix", keep)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.code = main(list(argv))
        monkeypatch.setattr(sandbox.lab.matrix, "run_matrix", real)
        self.lines = out.getvalue().splitlines()
        (self.matrix,) = seen


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """`demo --matrix` in English, in Japanese and as JSON: 3 x 63 real sessions, once."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path_factory.mktemp("matrix-world")))
        yield {
            "en": Run(["demo", "--matrix", "--color", "never"], mp),
            "ja": Run(["demo", "--matrix", "--color", "never", "--lang", "ja"], mp),
            "json": Run(["demo", "--matrix", "--json"], mp),
        }


def _world_band(lines: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The lab-world band: its two header lines, and each attack's cells (split on 2+ spaces)."""
    second = [i for i, line in enumerate(lines) if line.startswith("attack ")][1]
    header = lines[second - 1 : second + 1]
    rows = {}
    for line in lines[second + 1 : second + 1 + len(attacks())]:
        attack, rest = line[:23].strip(), line[23:]
        rows[attack] = [rest[i : i + 14].strip() for i in range(0, 14 * len(WORLD_COLUMNS), 14)]
    return header, rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _client_bytes(events: Sequence[SandboxEvent]) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, WireChunk) and e.sender is Side.CLIENT)


def test_m41_every_attack_against_all_nine_columns(runs: dict[str, Run]) -> None:
    run = runs["en"]
    assert run.code == 0
    assert run.matrix.policies == POLICIES + WORLD_COLUMNS
    assert run.matrix.attacks == attacks()
    assert len(run.matrix.runs) == len(attacks()) * 9
    header, rows = _world_band(run.lines)
    assert [h.split() for h in header] == [
        ["mta-sts", "mta-sts", "dane", "dane"],
        ["attack", "testing", "enforce", "signed", "unsigned"],
    ]
    assert list(rows) == list(attacks())
    for attack, expected in WORLD_EXPECTED.items():
        assert rows[attack] == [cell + (" +" if report else "") for cell, report in expected]
    assert any("+          the client made a TLS-RPT report (RFC 8460)" in x for x in run.lines)
    assert "  starttls-not-supported: the MX did not offer STARTTLS (or someone removed it)" in (
        run.lines
    )
    table = [x for x in run.lines if x.startswith(("attack ", *attacks()))]
    assert len(table) == 2 * (1 + len(attacks()))
    assert not [x for x in run.lines if len(x) > 80]  # the Exchange settings folded too
    assert "           Exchange: -RequireTLS $true -TlsAuthLevel DomainValidation" in run.lines
    assert "                     -TlsDomain <MX host name>" in run.lines
    assert f"{len(attacks()) * 9} sessions in" in "\n".join(run.lines)


@pytest.mark.parametrize("attack", sorted(WORLD_EXPECTED))
def test_m41_the_table_says_what_crossed_the_wire(runs: dict[str, Run], attack: str) -> None:
    """Each world cell's text is its session's: the secret in the client's bytes where the table
    says READ in plaintext, no delivery where it says not sent, a report where it shows `+`."""
    matrix = runs["en"].matrix
    _, rows = _world_band(runs["en"].lines)
    for column, shown in zip(WORLD_COLUMNS, rows[attack], strict=True):
        cell = matrix.cell(attack, column)
        delivered = [e for e in cell.events if isinstance(e, MessageDelivered)]
        if shown.startswith("not sent"):
            assert not delivered and SECRET not in _client_bytes(cell.events), column
        elif shown.startswith("plain READ"):
            assert SECRET in _client_bytes(cell.events), column
        else:  # MITM READ: the message went inside TLS, the attacker decrypted it
            assert shown.startswith("MITM READ") and SECRET not in _client_bytes(cell.events)
            assert cell.outcome.encrypted and cell.outcome.to.value == "the attacker"
        assert shown.endswith(" +") == (cell.report is not None), column


def test_m42_json_has_the_same_facts(runs: dict[str, Run]) -> None:
    run = runs["json"]
    assert run.code == 0
    cells = [json.loads(line) for line in run.lines]
    assert len(cells) == len(attacks()) * 9
    by = {(c["attack"], c["client_policy"]): c for c in cells}
    for attack, expected in WORLD_EXPECTED.items():
        for column, (cell, report) in zip(WORLD_COLUMNS, expected, strict=True):
            record = by[(attack, column)]
            assert record["lab_world"] is True
            assert (record["cell"], record["tls_report"]) == (cell, report), (attack, column)
            assert bool(record["report_results"]) == report
    assert by[("strip", "mta-sts testing")]["report_results"] == ["starttls-not-supported"]
    assert by[("strip", "mta-sts testing")]["read"] == ["envelope", "message"]
    assert by[("impersonate", "dane signed")]["sent"] is False
    level = by[("impersonate", "may")]
    assert level["lab_world"] is False and level["tls_report"] is False
    assert level["report_results"] == [] and level["cell"] == "MITM READ"


def test_m43_the_japanese_table(runs: dict[str, Run]) -> None:
    ja, en = runs["ja"], runs["en"]
    assert ja.code == 0
    assert _world_band(ja.lines)[1] == _world_band(en.lines)[1]  # the same facts
    text = "\n".join(ja.lines)
    assert "ラボの世界（example.test、MX は sandbox.test）" in text
    assert "  +          クライアントが失敗を TLS-RPT レポート（RFC 8460）に書いた" in ja.lines
    assert "  plain READ 平文で送られた: 攻撃者が読んだ" in ja.lines
    assert "  dane unsigned    未署名ゾーンの TLSA: DANE は無視される（日和見 TLS）" in ja.lines
    assert "  starttls-not-supported: MX が STARTTLS を提示しなかった（または誰かが消した）" in (
        ja.lines
    )
    assert "  mta-sts  enforce: TLS 必須、認証局とポリシーの MX を確認。testing:" in ja.lines
    assert "           日和見で報告" in ja.lines  # folded where Japanese meets ASCII
    assert "the attacker read it" not in text and "sessions in" not in text
    wide = [x for x in ja.lines if _width(x) > 80]  # long settings are folded too
    assert not wide, wide


def test_m43_every_word_has_its_japanese() -> None:
    assert set(CELL_LEGEND_JA) == {cell for cell, _ in CELL_LEGEND}
    assert WORDS["ja"].keys() == WORDS["en"].keys()


def test_m44_demo_and_mta_sts_print_the_one_table(
    runs: dict[str, Run], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`mta-sts matrix` prints its rows with the code `demo --matrix` uses, and they agree."""
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    real = tutor.cli.matrix_table.table_lines
    called: list[tuple[tuple[str, ...], str]] = []

    def spy(matrix: Matrix, lang: str, *args: Any) -> list[str]:
        called.append((matrix.policies, lang))
        return real(matrix, lang, *args)

    monkeypatch.setattr(tutor.cli.matrix_table, "table_lines", spy)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["mta-sts", "matrix"]) == 0
        assert main(["demo", "--matrix", "--color", "never", "--lang", "ja"]) == 0
    assert called == [(WORLD_COLUMNS, "en"), (POLICIES + WORLD_COLUMNS, "ja")]
    sts = out.getvalue().splitlines()
    header, rows = _world_band(["attack ", *sts])  # its only band: the demo's second
    assert header == _world_band(runs["en"].lines)[0]
    assert {a: rows[a] for a in WORLD_EXPECTED} == {
        a: _world_band(runs["en"].lines)[1][a] for a in WORLD_EXPECTED
    }


def test_m43_one_attack_s_outcome_in_japanese(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["demo", "strip", "--client-policy", "encrypt", "--color", "never"]
    assert main([*argv, "--lang", "ja"]) == 1  # the client quits: the script stops early
    out = capsys.readouterr().out.splitlines()
    assert "=== 結果: メッセージは送られませんでした。攻撃者が読んだもの: なし。" in out
    assert "=== クライアントポリシー 'encrypt': Postfix smtp_tls_security_level = encrypt" in out
    assert "===   Exchange の送信コネクタ: -RequireTLS $true -TlsAuthLevel EncryptionOnly" in out
    assert main(argv) == 1  # English by default, as before
    assert "=== Client policy 'encrypt': Postfix smtp_tls_security_level = encrypt" in (
        capsys.readouterr().out.splitlines()
    )


PIECES = (" ", "ab", "x" * 45, "-q", "(y)", "日和見", "報告" * 25, "、", "。", "TLS", "：")


@settings(max_examples=300, deadline=None)
@example(text="0" * 20 + "\r\u05f5\u0e5c\u0e5c\u0e5c\u1c89", indent=0, width=30)  # a CR kept
@given(
    text=st.lists(st.sampled_from(PIECES), max_size=40).map("".join) | st.text(max_size=200),
    indent=st.integers(0, 20),
    width=st.integers(30, 80),
)
def test_m43_fold_keeps_every_character_within_the_width(
    text: str, indent: int, width: int
) -> None:
    """The matrix's long lines folded for 80 columns: nothing lost or reordered, and a line is
    wider only when it is one word that cannot be broken."""
    lines = fold(text, indent, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(line.strip() and line.strip()[0] not in NO_BREAK_BEFORE for line in lines[1:])
    for line in lines:
        if _width(line) > width:  # no place to break it (past the indent, which is kept)
            assert not any(_breaks(a, b) for a, b in itertools.pairwise(line[indent:].rstrip()))


def _breaks(a: str, b: str) -> bool:
    """A line may break between a and b: after a space or Japanese punctuation, where Japanese
    meets ASCII, or between two Japanese characters; never before punctuation or a space."""
    if b in NO_BREAK_BEFORE or b == " ":
        return False
    return a == " " or a in NO_BREAK_BEFORE or _width(a) == 2 or _width(b) == 2
