"""The threat matrix as text: the one table `smtp-tutor demo --matrix` and `smtp-tutor mta-sts
matrix` both print, in English or Japanese, and its JSON records.

    lines = table_lines(matrix, "ja")      # the table's bands and the legend under them

Nine columns do not fit 80 columns side by side, so the table comes in bands with the same rows:
the five Postfix levels (none ... secure), then the lab-world columns (`WORLD_COLUMNS`: a `dane`
or `mta-sts` client in a domain that publishes MTA-STS or TLSA records), whose two-line headers
keep the full names. A lab-world cell ends in `+` when the client made a TLS-RPT report (RFC 8460)
of what failed; the legend says so and explains each result type the reports hold.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from sandbox.lab.matrix import WORLD_COLUMNS, CellRun, Matrix
from sandbox.threats.outcome import CELL_LEGEND, Outcome
from tutor.ui.world_words import RESULT_JA

LABEL_WIDTH = 23  # "impersonate-wrong-name" and a space
LEVEL_WIDTH = 11  # "plain READ" and a space
WORLD_WIDTH = 14  # "plain READ +" and two spaces: four columns end at 79
REPORT_MARK = "+"

CELL_LEGEND_JA: dict[str, str] = {
    "plain READ": "平文で送られた: 攻撃者が読んだ",
    "MITM READ": "TLS の中で送られたが、相手は攻撃者で、復号して読んだ",
    "TLS, safe": "TLS の中で本物のサーバーへ送られた: 読めるものはない",
    "not sent": "クライアントが送信を拒んだ: メールは待機し、何も読まれない",
    "not sent!": "送られなかったが、何か（エンベロープなど）が読める形で流れた",
}
"""`sandbox.threats.outcome.CELL_LEGEND` in Japanese (the same cells: a test checks)."""

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "world": "Lab world (example.test, MX sandbox.test): a dane or mta-sts client reads the\n"
        "domain's DNS (and its MTA-STS policy, over HTTPS) and acts on what it finds.",
        "report": "the client made a TLS-RPT report (RFC 8460) of what failed",
        "columns": "The lab-world columns: what the domain publishes, and what the client does:",
        "mta-sts testing": "mode testing: deliver anyway, report what failed",
        "mta-sts enforce": "mode enforce: TLS, a certificate valid for the MX name",
        "dane signed": "TLSA in a DNSSEC-signed zone: the certificate must match",
        "dane unsigned": "TLSA in an unsigned zone: DANE is ignored (opportunistic)",
        "results": "The result types in those reports:",
    },
    "ja": {
        "world": "ラボの世界（example.test、MX は sandbox.test）: dane や mta-sts の\n"
        "クライアントは、ドメインの DNS と MTA-STS ポリシー（HTTPS）を読んで従います。",
        "report": "クライアントが失敗を TLS-RPT レポート（RFC 8460）に書いた",
        "columns": "ラボの世界の列: ドメインが公開しているものと、クライアントの動き:",
        "mta-sts testing": "mode: testing: 配送は続け、失敗を報告する",
        "mta-sts enforce": "mode: enforce: MX 名で検証できる証明書の TLS が必須",
        "dane signed": "署名済みゾーンの TLSA: 証明書が一致しなければ送らない",
        "dane unsigned": "未署名ゾーンの TLSA: DANE は無視される（日和見 TLS）",
        "results": "それらのレポートにある result-type:",
    },
}

Paint = Callable[[str, str], str]  # (text, style) -> what is written; styles as demo_printer.ANSI


def _plain(text: str, style: str) -> str:
    return text


NO_BREAK_BEFORE = "、。，．）」』：！？"  # Japanese punctuation stays with the word before it


def columns(text: str) -> int:
    """Terminal columns: a wide (CJK) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def fold(text: str, indent: int, width: int = 80) -> list[str]:
    """`text` in lines of at most `width` columns, the later ones indented by `indent` spaces.
    Broken at a space, after Japanese punctuation or where Japanese meets ASCII; inside a run of
    Japanese only when nothing else fits (it has no spaces). A word longer than a line stays."""
    lines: list[str] = []
    while columns(text) > width:
        used, good, fallback, first = 0, 0, 0, 0
        for i, ch in enumerate(text[:-1]):
            used += columns(ch)
            after = text[i + 1]
            if i < indent or after in NO_BREAK_BEFORE or after == " ":
                continue
            if ch == " " or ch in NO_BREAK_BEFORE or columns(ch) != columns(after):
                good = good if used > width else i + 1
            elif columns(ch) == 2:
                fallback = fallback if used > width else i + 1
            else:
                continue
            first = first or i + 1
            if used > width:
                break
        cut = good or fallback or first  # the first break past the width: after a long word
        if not cut or not text[cut:].strip():  # nowhere to break
            break
        lines.append(text[:cut].rstrip(" "))
        text = " " * indent + text[cut:].lstrip(" ")
    return [*lines, text]


def cell_style(o: Outcome) -> str:
    """Red where the attacker read something, green where it went safely, yellow if not sent."""
    return "error" if not o.safe else ("server" if o.sent else "warning")


def cell_text(run: CellRun) -> str:
    return run.outcome.cell + (f" {REPORT_MARK}" if run.report is not None else "")


def result_types(run: CellRun) -> list[str]:
    """The result types of the cell's TLS-RPT report, in its order; [] without a report."""
    if run.report is None:
        return []
    return [d["result-type"] for p in run.report["policies"] for d in p["failure-details"]]


def _band(matrix: Matrix, columns: Sequence[str], paint: Paint) -> list[str]:
    world = columns[0] in WORLD_COLUMNS
    width = WORLD_WIDTH if world else LEVEL_WIDTH
    if world:  # "mta-sts testing" over two lines: the name, then the setup
        top, bottom = zip(*(c.split(" ", 1) for c in columns), strict=True)
        lines = ["".ljust(LABEL_WIDTH) + "".join(t.ljust(width) for t in top).rstrip()]
        lines.append("attack".ljust(LABEL_WIDTH) + "".join(b.ljust(width) for b in bottom).rstrip())
    else:
        lines = ["attack".ljust(LABEL_WIDTH) + "".join(c.ljust(width) for c in columns).rstrip()]
    for attack in matrix.attacks:
        cells = []
        for column in columns:
            run = matrix.cell(attack, column)
            cells.append(paint(cell_text(run).ljust(width), cell_style(run.outcome)))
        lines.append((attack.ljust(LABEL_WIDTH) + "".join(cells)).rstrip())
    return lines


def table_lines(matrix: Matrix, lang: str, paint: Paint = _plain) -> list[str]:
    """The table, in bands of the matrix's columns, and its legend (cells, `+`, the lab-world
    columns, the report's result types), every line at most 80 columns wide."""
    from sandbox.tlsrpt.report import MEANING, ResultType

    words = WORDS[lang]
    levels = [c for c in matrix.policies if c not in WORLD_COLUMNS]
    world = [c for c in matrix.policies if c in WORLD_COLUMNS]
    lines: list[str] = []
    if levels:
        lines += _band(matrix, levels, paint)
    if world:
        if levels:
            lines += ["", *words["world"].split("\n"), ""]
        lines += _band(matrix, world, paint)
    lines.append("")
    shown = {run.outcome.cell for run in matrix.runs}
    for cell, meaning in CELL_LEGEND:
        if cell in shown or levels:  # the full legend under the full table
            said = CELL_LEGEND_JA[cell] if lang == "ja" else meaning
            lines.append(f"  {cell.ljust(LEVEL_WIDTH)}{said}")
    if world:
        lines.append(f"  {REPORT_MARK.ljust(LEVEL_WIDTH)}{words['report']}")
        lines += ["", words["columns"]]
        lines += [f"  {c.ljust(17)}{words[c]}" for c in world]
        seen = dict.fromkeys(kind for run in matrix.runs for kind in result_types(run))
        if seen:
            lines += ["", words["results"]]
            for kind in seen:
                meaning = RESULT_JA[kind] if lang == "ja" else MEANING[ResultType(kind)]
                lines.append(f"  {kind}: {meaning}")
    return lines


def cell_record(run: CellRun) -> dict[str, Any]:
    """One cell as `demo --matrix --json` prints it: the outcome's facts and the report's."""
    o = run.outcome
    return {
        "type": "MatrixCell",
        "attack": run.attack,
        "client_policy": run.policy,
        "lab_world": run.policy in WORLD_COLUMNS,
        "cell": o.cell,
        "sent": o.sent,
        "encrypted": o.encrypted,
        "delivered": o.delivered,
        "to": o.to.value,
        "read": sorted(e.value for e in o.read),
        "why": o.why,
        "tls_report": run.report is not None,
        "report_results": result_types(run),
    }
