"""What the shipped lessons say, checked where a rule can be checked mechanically (issue 10,
items 2, 17, 28, 29), so that a fixed mistake cannot come back in either language."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tutor.model.lessons import Lab, Quiz, Transcript, parse_lesson

LESSONS = Path(__file__).resolve().parents[3] / "lessons"
EN = sorted((LESSONS / "en").glob("*.md"))
JA = sorted((LESSONS / "ja").glob("*.md"))
ALL = EN + JA
CJK = "\u3000-\u30ff\u3400-\u9fff\uff00-\uffef"
CLOSING = "）」』】〕、。，．？！"


def _ids(paths: list[Path]) -> list[str]:
    return [f"{p.parent.name}/{p.name}" for p in paths]


def _prose_lines(path: Path) -> list[tuple[int, str]]:
    """Lines outside fenced code samples and transcripts (quiz and lab bodies are prose too),
    with inline code and link targets removed."""
    out, fence = [], None
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if line.startswith("```"):
            fence = None if fence is not None else line[3:].strip()
            continue
        if fence is not None and fence not in ("quiz", "lab"):
            continue
        line = re.sub(r"`[^`]*`", "", line)
        line = re.sub(r"\]\([^)]*\)", "]", line)
        out.append((n, line))
    return out


def _paragraphs(path: Path) -> list[tuple[int, str]]:
    """Prose paragraphs (lines joined), each with the line it starts on."""
    out: list[tuple[int, str]] = []
    last = -1
    for n, line in _prose_lines(path):
        if line.strip() and out and n == last + 1:
            out[-1] = (out[-1][0], out[-1][1] + " " + line.strip())
        elif line.strip():
            out.append((n, line.strip()))
        last = n
    return out


def _shell_commands(path: Path) -> list[tuple[int, str]]:
    """Every command in a code sample, continuation lines (`\\`) joined."""
    out, fence, start, acc = [], None, 0, ""
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if line.startswith("```"):
            fence = None if fence is not None else line[3:].strip()
            continue
        if fence is None or fence in ("quiz", "lab", "transcript"):
            continue
        if not acc:
            start = n
        acc += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            out.append((start, acc.strip()))
            acc = ""
    return out


# --- item 29: the facts --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_every_openssl_smtp_example_sends_crlf_and_ignores_interactive_letters(path: Path) -> None:
    """s_client reads a line starting with R as "renegotiate" and Q as "quit" unless -ign_eof
    (or -quiet, which implies it); SMTP wants CR LF, hence -crlf."""
    for n, cmd in _shell_commands(path):
        if not cmd.startswith("openssl s_client"):
            continue
        if "-starttls smtp" in cmd or re.search(r":(25|465|587)\b", cmd):
            assert "-crlf" in cmd, f"{path.name}:{n}: {cmd}"
            assert "-quiet" in cmd or "-ign_eof" in cmd, f"{path.name}:{n}: {cmd}"
        if "-verify_hostname" in cmd:
            assert "-verify_return_error" in cmd, f"{path.name}:{n}: {cmd}"


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_no_exchange_2016_or_2019_presented_as_current(path: Path) -> None:
    for n, para in _paragraphs(path):
        if re.search(r"Exchange( Server)? 20(16|19)", para):
            assert re.search(r"support|サポート", para), f"{path.name}:{n}: {para}"
    text = path.read_text(encoding="utf-8")
    if "Exchange Server" in text and "RequireTLS" in text:
        assert "Subscription Edition" in text


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_postfix_tables_are_not_hash(path: Path) -> None:
    assert "hash:" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_dmarc_cites_rfc_9989_wherever_it_names_7489(path: Path) -> None:
    for n, para in _paragraphs(path):
        if "7489" in para:
            assert "9989" in para, f"{path.name}:{n}: {para}"


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_basic_auth_require_tls_is_shown_with_tls_and_basic_auth(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if "BasicAuthRequireTLS" in text:
        assert "Tls,BasicAuth,BasicAuthRequireTLS" in text


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_cve_2011_0411_is_postfixs_and_other_servers_have_their_own(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if "CVE-2011-0411" in text:
        assert "VU#555316" in text


def test_app_passwords_are_not_called_modern_authentication() -> None:
    for path in ALL:
        text = path.read_text(encoding="utf-8")
        assert "app passwords or OAuth" not in text and "アプリパスワードやOAuth" not in text
        if "app password" in text.lower() or "アプリパスワード" in text:
            assert "OAUTHBEARER" in text and "7628" in text


# --- item 2: the text above a prediction never gives it away ------------------------------------


def _answer_token(line: str) -> str:
    """What a `?` line asks for: the reply code of an S: line, the verb of a C: line."""
    return line.split(":", 1)[1].split()[0].split("-")[0].upper()


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_narration_and_prose_above_a_prediction_do_not_give_it_away(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        if line.strip() != "```transcript":
            continue
        end = lines.index("```", i + 1)
        body = lines[i + 1 : end]
        para: list[str] = []  # the paragraph just above the transcript
        j = i - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        while j >= 0 and lines[j].strip():
            para.insert(0, lines[j])
            j -= 1
        above = " ".join(para)
        first_client = next((k for k, b in enumerate(body) if b.lstrip("? ").startswith("C:")), -1)
        for k, b in enumerate(body):
            if not b.startswith("?"):
                continue
            b = b[1:].strip()
            token = _answer_token(b)
            narration = []
            m = k - 1
            while m >= 0 and body[m].startswith("#"):
                narration.append(body[m])
                m -= 1
            where = f"{path.name}:{i + 2 + k}"
            assert not re.search(rf"\b{token}\b", " ".join(narration), re.I), where
            if b.startswith("S:") or k == first_client:
                assert not re.search(rf"\b{token}\b", above), f"{where}: the text above: {token}"


# --- item 17: what a lab asks the learner to find, a question checks -----------------------------


@pytest.mark.parametrize("path", EN, ids=_ids(EN))
def test_a_lab_that_asks_to_find_something_is_followed_by_a_quiz(path: Path) -> None:
    lesson = parse_lesson(path.read_text(encoding="utf-8"), str(path))
    for step in lesson.steps:
        blocks = list(step.interactive)
        for k, block in enumerate(blocks):
            if isinstance(block, Lab) and re.search(r"\b(find|read|decode|count)\b", block.do):
                assert any(isinstance(b, Quiz) for b in blocks[k + 1 :]), (
                    f"{path.name}:{block.line}: the lab asks to find something; no quiz checks it"
                )


def test_the_labs_that_ask_to_find_something_are_the_ones_issue_10_names() -> None:
    """Lesson 3 decodes the password, lesson 5 reads the SAN, lesson 8 reads the issuer: each
    is followed by a quiz about what was found (item 17)."""
    wanted = {"03": "auth-seen-in-clear", "05": "certificate-verified", "08": "tls-established"}
    for path in EN:
        nn = path.name[:2]
        if nn not in wanted:
            continue
        lesson = parse_lesson(path.read_text(encoding="utf-8"), str(path))
        found = False
        for step in lesson.steps:
            blocks = list(step.interactive)
            for a, b in itertools.pairwise(blocks):
                found |= isinstance(a, Lab) and a.goal == wanted[nn] and isinstance(b, Quiz)
        assert found, path.name


def test_lesson_6_says_its_lab_client_has_a_policy() -> None:
    for path in (LESSONS / "en" / "06-starttls.md", LESSONS / "ja" / "06-starttls.md"):
        text = path.read_text(encoding="utf-8")
        assert "policy verify: AUTH is never sent without TLS" in text
        assert "530 5.7.0 Must issue a STARTTLS command first" in text


# --- item 28: Japanese as a native technical writer writes it ------------------------------------


@pytest.mark.parametrize("path", JA, ids=_ids(JA))
def test_ja_prose_has_no_ascii_question_mark_or_comma(path: Path) -> None:
    for n, line in _prose_lines(path):
        if re.search(f"[{CJK}]", line):
            assert not re.search(r"[?,]", line), f"{path.name}:{n}: {line}"


@pytest.mark.parametrize("path", JA, ids=_ids(JA))
def test_ja_no_line_starts_with_a_closing_bracket_or_punctuation(path: Path) -> None:
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        assert not line.lstrip() or line.lstrip()[0] not in CLOSING, f"{path.name}:{n}"


@pytest.mark.parametrize("path", JA, ids=_ids(JA))
def test_ja_no_spaces_around_bold_phrases(path: Path) -> None:
    for n, line in _prose_lines(path):
        line = re.sub(r"\*\*[QA][:：]\*\* ", "", line)
        assert not re.search(rf"[{CJK}] \*\*[^*]+\*\*|\*\*[^*]+\*\* [{CJK}]", line), (
            f"{path.name}:{n}: {line}"
        )


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_every_bold_phrase_renders_as_bold(path: Path) -> None:
    """Without spaces, CommonMark's flanking rules decide: `**…。**これ` stays literal."""
    md = MarkdownIt("commonmark")
    for token in md.parse(path.read_text(encoding="utf-8")):
        if token.type == "inline":
            text = "".join(c.content for c in token.children or [] if c.type == "text")
            assert "**" not in text, f"{path.name}:{token.map and token.map[0] + 1}: {text[:80]}"


@pytest.mark.parametrize("path", JA, ids=_ids(JA))
def test_ja_one_term_per_idea(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "連鎖" not in text  # 証明書チェーン
    assert "除去" not in text  # ストリッピング攻撃
    assert "TLSを1レッスンで" not in text


def test_ja_plaintext_is_glossed_where_it_first_appears() -> None:
    lines = (ln for path in JA for ln in path.read_text(encoding="utf-8").split("\n"))
    first = next(ln for ln in lines if "平文" in ln)
    assert "plaintext" in first


@pytest.mark.parametrize(("lang", "paths"), [("en", EN), ("ja", JA)])
def test_every_lesson_ends_with_the_same_headings(lang: str, paths: list[Path]) -> None:
    endings = set()
    for path in paths:
        lines = path.read_text(encoding="utf-8").split("\n")
        last_step = [x for x in lines if x.startswith("## ")][-1]
        label = [x for x in lines if re.fullmatch(r"\*\*[^*]+\*\*", x)][-1]
        endings.add((last_step, label))
    assert len(endings) == 1, endings


def test_transcripts_still_have_predictions() -> None:
    """The item-2 check above must have something to check."""
    n = 0
    for path in ALL:
        lesson = parse_lesson(path.read_text(encoding="utf-8"), str(path))
        for step in lesson.steps:
            n += sum(
                1
                for b in step.interactive
                if isinstance(b, Transcript) and any(ln.predict for ln in b.lines)
            )
    assert n >= 15
