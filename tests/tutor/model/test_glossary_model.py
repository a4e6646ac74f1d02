"""The glossary: the built-in entries, finding terms in lessons, hostile files (properties.md
T5-T7)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tutor.model.course import load_course, packaged_lessons_dir
from tutor.model.glossary import (
    GLOSSARY_MAX_BYTES,
    Entry,
    Glossary,
    glossary_problems,
    parse_glossary,
    read_glossary,
)
from tutor.model.validate import validate

ROOT = packaged_lessons_dir()


def builtin(lang: str) -> Glossary:
    got = read_glossary(ROOT, lang)
    assert got.errors == ()
    return got.glossary


def said(text: str) -> list[str]:
    return [str(e) for e in parse_glossary(text, "g/en.toml", "en").errors]


def test_t5_the_built_in_glossary_has_the_course_terms_in_both_languages() -> None:
    en, ja = builtin("en"), builtin("ja")
    assert [e.id for e in en.entries] == [e.id for e in ja.entries]
    assert glossary_problems(ROOT, "lessons", ("en", "ja")) == []
    for lang, names in (
        ("en", ["reply code", "SNI", "MTA-STS", "STARTTLS", "implicit TLS", "opportunistic TLS"]),
        ("en", ["CA", "SAN", "man-in-the-middle attack", "plaintext", "DANE", "TLS-RPT"]),
        ("ja", ["応答コード", "SNI", "MTA-STS", "平文（ひらぶん）", "中間者攻撃", "STARTTLS"]),
        ("ja", ["暗黙的TLS", "日和見的TLS", "認証局", "SAN", "証明書"]),
    ):
        glossary = en if lang == "en" else ja
        terms = {n for e in glossary.entries for n in e.names}
        assert set(names) <= terms, set(names) - terms


def test_t5_english_and_japanese_entries_name_the_same_rfcs_ports_and_codes() -> None:
    """The two say the same things: every number (RFC, port, reply code, TLS version) and every
    `code` span of an entry is in its translation too."""
    ja = {e.id: e for e in builtin("ja").entries}

    def facts(entry: Entry) -> set[str]:
        return set(re.findall(r"\d+(?:\.\d+)?|`[^`]+`", entry.means))

    for e in builtin("en").entries:
        assert facts(e) == facts(ja[e.id]), e.id
        assert e.see == ja[e.id].see


def test_t5_entries_say_what_facts_md_says() -> None:
    en = {e.id: e.means for e in builtin("en").entries}
    assert "RFC 3207" in en["starttls"] and "not the message end to end" in en["starttls"]
    assert "465" in en["implicit-tls"] and "RFC 8314" in en["implicit-tls"]
    assert 'not "legacy SSL"' in en["implicit-tls"]
    assert "RFC 8461" in en["mta-sts"] and "RFC 7672" in en["dane"] and "RFC 8460" in en["tls-rpt"]
    assert "RFC 6176" in en["ssl"] and "RFC 7568" in en["ssl"] and "RFC 8996" in en["tls"]
    assert "S/MIME or OpenPGP" in en["end-to-end"]
    assert "visible" in en["sni"] and "every TLS version" in en["sni"]
    assert "`<CRLF>.<CRLF>`" in en["smtp-smuggling"]
    assert "4xx failed for now" in en["reply-code"]


def test_t6_terms_are_found_as_words_acronyms_in_their_case() -> None:
    en = builtin("en")
    found = [e.id for e in en.terms_in("The CA signs; the SANDBOX is not a SAN. ca, san, sni.")]
    assert found == ["ca", "san"]
    text = "STARTTLS upgrades; Implicit\nTLS does not; opportunistic TLS is the default"
    assert [e.id for e in en.terms_in(text)] == ["starttls", "implicit-tls", "opportunistic-tls"]
    assert [e.id for e in en.terms_in("a 5xx reply code, then reply codes")] == ["reply-code"]
    # where names overlap the longer counts; hyphens belong to the word
    assert [e.id for e in en.terms_in("opportunistic TLS only")] == ["opportunistic-tls"]
    assert [e.id for e in en.terms_in("a man-in-the-middle, TLS-RPT")] == ["mitm", "tls-rpt"]
    assert [e.id for e in en.terms_in("<CRLF>.<CRLF> S/MIME")] == []
    ja = builtin("ja")
    found = [e.id for e in ja.terms_in("平文は中間者攻撃で読まれ、中間者はSNIも見ます")]
    assert found == ["plaintext", "mitm", "sni"]
    assert [e.id for e in ja.terms_in("STARTTLS ストリッピングの話")] == ["stripping"]


def test_t6_every_lesson_of_the_course_mentions_glossary_terms() -> None:
    for lang in ("en", "ja"):
        glossary = builtin(lang)
        for lesson in load_course(None, lang).lessons:
            assert len(glossary.terms_in_lesson(lesson)) >= 3, (lang, lesson.id)


def test_t6_search_finds_names_first_then_definitions() -> None:
    en = builtin("en")
    got = [e.id for e in en.search("sts")]
    assert got[0] == "mta-sts"
    assert "dane" not in got[:1]
    assert en.search("  ") == en.entries
    assert [e.id for e in builtin("ja").search("ひらぶん")] == ["plaintext"]


def test_t7_problems_are_at_their_lines() -> None:
    assert said("[a]\nterm = \n") == ["g/en.toml:2: not TOML: Invalid value"]
    text = (
        'loose = 1\n[good]\nterm = "G"\nmeans = "g"\n\n'
        '[bad]\nterm = 3\nmeans = "b"\nsee = ["nowhere"]\nalso = "x"\ncolour = 1\n\n'
        '[Bad_Id]\nterm = "x"\nmeans = "y"\n'
    )
    assert said(text) == [
        "g/en.toml: 'loose' is not an entry: write [loose]",
        "g/en.toml:7: [bad]: 'term' is not a non-empty string",
        "g/en.toml:10: [bad]: 'also' is a list of strings",
        "g/en.toml:11: [bad]: unknown key 'colour' (known: term, also, means, see)",
        "g/en.toml:13: entry id 'Bad_Id': lowercase words joined by '-'",
    ]
    assert said('[a]\nterm = "X"\nmeans = "m"\nsee = ["b"]\n[b]\nterm = "x"\nmeans = "n"\n') == [
        "g/en.toml:5: [b]: 'x' is already a name of [a]"
    ]


@given(st.text(max_size=300))
def test_t7_any_text_is_a_glossary_or_problems_never_an_exception(text: str) -> None:
    got = parse_glossary(text, "en.toml", "en")
    assert all(str(e).startswith("en.toml") for e in got.errors)


def test_t7_hostile_glossary_files_are_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "glossary").mkdir()
    path = tmp_path / "glossary" / "en.toml"

    def problems() -> list[str]:
        return [str(e) for e in read_glossary(tmp_path, "en", "p").errors]

    path.write_bytes(b"x" * (10 * 1024 * 1024))
    assert problems() == [
        f"p/glossary/en.toml: cannot read: is larger than {GLOSSARY_MAX_BYTES} bytes"
    ]
    path.write_bytes(b'[a]\nterm = "\xe9"\n')
    assert problems() == [
        "p/glossary/en.toml: not UTF-8 text (invalid continuation byte at byte 12)"
    ]
    path.write_bytes(b'[a]\nterm = "x\x00"\n')
    assert problems()[0].startswith("p/glossary/en.toml:2: not TOML:")
    path.unlink()
    path.symlink_to(ROOT / "glossary" / "en.toml")
    assert problems() == ["p/glossary/en.toml: cannot read: is a symbolic link; it is not followed"]
    path.unlink()
    os.mkfifo(path)
    assert problems() == ["p/glossary/en.toml: cannot read: is not a regular file"]


def test_t7_lessons_check_holds_the_two_glossaries_together(tmp_path: Path) -> None:
    root = tmp_path / "course"
    shutil.copytree(ROOT, root)
    assert validate(root, "course").ok
    ja = root / "glossary" / "ja.toml"
    text = ja.read_text(encoding="utf-8")
    ja.write_text(text[: text.index("[smtp-smuggling]")], encoding="utf-8")
    errors = [str(e) for e in validate(root, "course").errors]
    entry = read_glossary(ROOT, "en").glossary.get("smtp-smuggling")
    assert entry is not None
    assert errors == [
        f"course/glossary/ja.toml: no entry [smtp-smuggling] (en.toml:{entry.line} has one)"
    ]
    ja.unlink()
    assert [str(e) for e in validate(root, "course").errors] == [
        "course/glossary/ja.toml: missing, but en.toml has a glossary"
    ]
