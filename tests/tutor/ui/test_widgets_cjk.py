"""Japanese soft line breaks: joined between wide characters, never inside code or headings."""

from __future__ import annotations

from tutor.model.cjk import join_cjk_lines
from tutor.ui.help_text import TOPICS, help_for


def test_a_soft_break_between_japanese_characters_is_not_a_space() -> None:
    joined = join_cjk_lines("暗号化された\nレコードしか見えません。")
    assert joined == "暗号化されたレコードしか見えません。"
    # a list item's continuation line loses its indentation too
    assert join_cjk_lines("- 平文の\n  ままです") == "- 平文のままです"


def test_english_breaks_headings_fences_and_tables_stay() -> None:
    text = "English line\nnext line"
    assert join_cjk_lines(text) == text
    assert join_cjk_lines("## 見出し\n本文です") == "## 見出し\n本文です"
    fenced = "```text\n日本語の\nコード\n```"
    assert join_cjk_lines(fenced) == fenced
    table = "| 列 |\n|---|\n| 値 |"
    assert join_cjk_lines(table) == table
    # ASCII after the break: a space there is right
    assert join_cjk_lines("TLS の\nSMTP") == "TLS の\nSMTP"
    assert join_cjk_lines("段落。\n\n次の段落。") == "段落。\n\n次の段落。"


def test_every_help_topic_exists_in_both_languages_without_stray_spaces() -> None:
    for topic in TOPICS:
        en, ja = help_for(topic, "en"), help_for(topic, "ja")
        assert en.startswith("# ")
        assert ja.startswith("# ")
        assert en != ja
        assert "た\nレコード" not in ja  # the source had this break


def test_every_japanese_word_on_screen_has_an_english_original_with_the_same_fields() -> None:
    import string

    from tutor.ui.words import TABLES

    english, japanese = TABLES["en"], TABLES["ja"]

    fields = string.Formatter()
    for key, text in japanese.items():
        assert key in english or key.startswith(("goal.", "scenario.")), key
        if key in english:
            want = {f for _, f, _, _ in fields.parse(english[key]) if f}
            got = {f for _, f, _, _ in fields.parse(text) if f}
            # Japanese counts where English says "a quiz": the caller passes n to both
            assert got == want or (got == {"n"} and not want), key
