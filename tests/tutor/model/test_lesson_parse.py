"""The lesson parser on inline lessons: every block kind, Q&A, prose chunks, line numbers."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from tutor.model.lessons import (
    QA,
    Lab,
    Lesson,
    LessonError,
    LineKind,
    Prose,
    Quiz,
    Transcript,
    block_kind,
    parse_lesson,
    parse_text,
)

FRONT = """\
---
id: starttls
title: "STARTTLS: upgrading a connection"
summary: Watch a session begin in plaintext and switch to TLS, byte by byte.
minutes: 12
scenario: starttls
---
"""


def lesson(body: str, front: str = FRONT) -> Lesson:
    return parse_lesson(front + textwrap.dedent(body), "t.md")


def test_front_matter_fields_and_quotes_removed() -> None:
    got = lesson("\n## One\n\nText.\n")
    assert (got.id, got.title, got.minutes, got.scenario) == (
        "starttls",
        "STARTTLS: upgrading a connection",
        12,
        "starttls",
    )
    assert got.summary == "Watch a session begin in plaintext and switch to TLS, byte by byte."
    assert got.file == "t.md"


def test_steps_are_numbered_from_one_with_their_heading_line() -> None:
    got = lesson("\n# Title\n\nIntro.\n\n## First\n\nA.\n\n## Second `code`\n\nB.\n")
    assert [(s.number, s.title, s.line) for s in got.steps] == [
        (1, "First", 13),
        (2, "Second `code`", 17),
    ]
    assert got.intro == (Prose("# Title\n\nIntro.", 9),)
    assert got.intro_markdown == "# Title\n\nIntro."
    assert got.steps[0].markdown == "A."
    assert got.step(2) is got.steps[1]
    assert got.step_key(2) == ("starttls", 2)
    with pytest.raises(IndexError):
        got.step(3)


def test_qa_pairs_group_question_and_answer_until_the_next_boundary() -> None:
    got = lesson(
        """
        ## Step

        **Q:** Does STARTTLS encrypt my message
        all the way?

        **A:** No. It protects one hop.

        - a list in the answer

        ```ini
        smtpd_tls_security_level = may
        ```

        **Q:** Next?

        And more of the question.

        **A:** Yes.

        ### A heading ends the answer

        Prose after it.
        """
    )
    blocks = got.steps[0].blocks
    assert [block_kind(b) for b in blocks] == ["qa", "qa", "prose"]
    first, second, prose = blocks
    assert isinstance(first, QA) and isinstance(second, QA) and isinstance(prose, Prose)
    assert first.question == "Does STARTTLS encrypt my message\nall the way?"
    assert first.answer == (
        "No. It protects one hop.\n\n- a list in the answer\n\n"
        "```ini\nsmtpd_tls_security_level = may\n```"
    )
    assert (first.line, first.answer_line) == (11, 14)
    assert second.question == "Next?\n\nAnd more of the question."
    assert second.answer == "Yes."
    assert prose.markdown == "### A heading ends the answer\n\nProse after it."


def test_full_width_colon_marks_questions_too() -> None:
    got = lesson("\n## 手順\n\n**Q：** 質問?\n\n**A：** 答え。\n")
    assert got.steps[0].blocks == (QA("質問?", "答え。", 11, 13),)


def test_interactive_block_ends_an_answer_and_prose_after_it_is_prose() -> None:
    got = lesson(
        """
        ## Step

        **Q:** Which?

        **A:** This one.

        ```transcript
        C: QUIT
        S: 221 Bye
        ```

        After the transcript.
        """
    )
    assert [block_kind(b) for b in got.steps[0].blocks] == ["qa", "transcript", "prose"]
    qa = got.steps[0].blocks[0]
    assert isinstance(qa, QA) and qa.answer == "This one."


def test_quiz_multiple_choice_with_why_and_continuation_lines() -> None:
    got = lesson(
        """
        ## Step

        ```quiz
        question: Which port does a mail client use for submission with implicit TLS?
        choices:
          - 25
          - 465
          - 587
        answer: 2
        hint: RFC 8314 calls this service "submissions".
        why:
          - 25 is where servers relay mail to each other.
          - Right: 465 starts TLS on the first byte (RFC 8314).
          - 587 is submission too, but starts in plaintext
            and upgrades with STARTTLS.
        explain: RFC 8314 recommends implicit TLS on 465 for submission; 587 with STARTTLS is
          still common.
        ```
        """
    )
    (quiz,) = got.steps[0].blocks
    assert isinstance(quiz, Quiz)
    assert quiz.line == 11
    assert quiz.is_choice and quiz.choices == ("25", "465", "587") and quiz.answer == 2
    assert quiz.hint == 'RFC 8314 calls this service "submissions".'
    assert (
        quiz.why[2] == "587 is submission too, but starts in plaintext and upgrades with STARTTLS."
    )
    assert quiz.explain.endswith("587 with STARTTLS is still common.")
    assert quiz.is_right(2) and not quiz.is_right(1) and not quiz.is_right("465")
    assert quiz.why_for(1) == "25 is where servers relay mail to each other."
    assert quiz.why_for(4) is None
    assert got.quizzes == (quiz,)
    assert got.steps[0].quizzes == (quiz,)


def test_quiz_free_text_compares_without_case_spaces_or_width() -> None:
    got = lesson(
        """
        ## Step

        ```quiz
        question: Which command upgrades the connection?
        accept:
          - STARTTLS
          - "465"
        hint: One word.
        explain: >-
          The client sends STARTTLS
          and the server answers 220.
        ```
        """
    )
    (quiz,) = got.steps[0].blocks
    assert isinstance(quiz, Quiz)
    assert not quiz.is_choice and quiz.answer is None and quiz.choices == ()
    assert quiz.accept == ("STARTTLS", "465")
    assert quiz.explain == "The client sends STARTTLS and the server answers 220."
    assert quiz.is_right("  starttls ")
    assert quiz.is_right("ＳＴＡＲＴＴＬＳ")  # full-width, as a Japanese input method types it
    assert quiz.is_right("４６５") and quiz.is_right(465)
    assert not quiz.is_right("STARTTLS please") and not quiz.is_right("")


def test_japanese_continuation_lines_join_without_a_space() -> None:
    got = lesson(
        """
        ## 手順

        ```quiz
        question: 質問
        accept:
          - STARTTLS
        hint: ヒント
        explain:
          クライアントが STARTTLS を送り、
          TLS ハンドシェイクが
          始まります。
        ```
        """
    )
    quiz = got.steps[0].blocks[0]
    assert isinstance(quiz, Quiz)
    assert quiz.explain == "クライアントが STARTTLS を送り、TLS ハンドシェイクが始まります。"


def test_transcript_lines_kinds_predictions_and_matching() -> None:
    got = lesson(
        """
        ## Step

        ```transcript
        S: 220 sandbox.test ESMTP
        C: EHLO client.test
        S: 250-sandbox.test
        S: 250 STARTTLS
        C: STARTTLS
        ? S: 220 2.0.0 Ready to start TLS
        <TLS handshake>
        # Everything from here on is encrypted. The client starts over:
        ? C: EHLO client.test
        ?S: 250-sandbox.test
        ```
        """
    )
    (tr,) = got.steps[0].blocks
    assert isinstance(tr, Transcript)
    assert tr.line == 11
    kinds = [t.kind for t in tr.lines]
    assert kinds[:2] == [LineKind.SERVER, LineKind.CLIENT]
    assert kinds[6:8] == [LineKind.ACTION, LineKind.NOTE]
    assert tr.lines[6].text == "TLS handshake"
    assert tr.lines[7].text == "Everything from here on is encrypted. The client starts over:"
    assert [(t.line, t.text) for t in tr.predictions] == [
        (17, "220 2.0.0 Ready to start TLS"),
        (20, "EHLO client.test"),
        (21, "250-sandbox.test"),
    ]
    ready, ehlo, multi = tr.predictions
    assert ready.matches("220") and ready.matches(" 220 go ahead") and not ready.matches("250")
    assert ehlo.matches("ehlo") and ehlo.matches("EHLO other.test") and not ehlo.matches("HELO")
    assert multi.matches("250") and multi.matches("250 OK")  # the code, not the whole word
    assert not multi.matches("251") and not multi.matches("2500")
    assert not ready.matches("") and (ready.marker, tr.lines[6].marker) == ("S:", "")


def test_lab_fields_and_defaults_from_front_matter() -> None:
    got = lesson(
        """
        ## Step

        ```lab
        do: Step through the session and watch the Eavesdropper pane.
        goal: tls-established
        hint: Press s.
        ```

        ```lab
        scenario: strip
        mode: type
        client-policy: encrypt
        do: Send a message anyway.
        goal: mail-withheld
        hint: The client should refuse.
        ```
        """
    )
    first, second = got.steps[0].blocks
    assert first == Lab("starttls", "step", first.do, "tls-established", "Press s.", 11)
    assert isinstance(second, Lab)
    assert (second.scenario, second.mode, second.client_policy, second.goal) == (
        "strip",
        "type",
        "encrypt",
        "mail-withheld",
    )
    assert got.labs == (first, second)
    assert got.steps[0].interactive == (first, second)


def test_unknown_fence_info_strings_stay_code_samples() -> None:
    got = lesson("\n## Step\n\n```ini\nquiz: no\n```\n\n```\nplain\n```\n")
    assert got.steps[0].blocks == (Prose("```ini\nquiz: no\n```\n\n```\nplain\n```", 11),)


def test_relative_links_are_collected_with_their_line() -> None:
    got = lesson(
        "\n## Step\n\nSee [one](01-a.md#x), [web](https://example.com), [top](#top)\n"
        "and ![pic](img/p.png).\n\n| a | b |\n|---|---|\n| [t](02-b.md) | 1 |\n"
    )
    assert got.links == (("01-a.md#x", 11), ("img/p.png", 12), ("02-b.md", 16))


def test_crlf_and_bom_keep_line_numbers() -> None:
    text = "\ufeff" + (FRONT + "\n## Step\n\n```quiz\nquestion: Q\n").replace("\n", "\r\n")
    errors = parse_text(text, "w.md").errors
    assert [str(e) for e in errors] == [
        "w.md:11: quiz: 'explain' is missing",
        "w.md:11: quiz: 'hint' is missing",
        "w.md:11: quiz: needs 'choices' and 'answer' (multiple choice) or 'accept' (free text)",
        "w.md:11: the '```quiz' fence is never closed",
    ]


def test_parse_lesson_raises_the_first_error_and_parse_text_keeps_all() -> None:
    text = FRONT.replace("minutes: 12", "minutes: x") + "\n## S\n\n**Q:** alone\n"
    with pytest.raises(LessonError) as exc:
        parse_lesson(text, "x.md")
    assert str(exc.value) == "x.md:5: front matter: 'minutes' must be a whole number, not 'x'"
    parsed = parse_text(text, "x.md")
    assert parsed.lesson is None and parsed.lesson_id == "starttls" and parsed.id_line == 2
    assert [e.line for e in parsed.errors] == [5, 11]


def test_lesson_error_fields_and_format() -> None:
    e = LessonError("lessons/en/03-starttls.md", 42, "quiz: 'answer' is 5 but there are 3 choices")
    assert (e.file, e.line, e.message) == ("lessons/en/03-starttls.md", 42, e.message)
    assert str(e) == "lessons/en/03-starttls.md:42: quiz: 'answer' is 5 but there are 3 choices"
    assert str(LessonError("lessons/ja", 0, "no lessons")) == "lessons/ja: no lessons"
    assert (
        e == LessonError(e.file, 42, e.message)
        and len({e, LessonError(e.file, 42, e.message)}) == 1
    )


def test_every_example_block_in_the_authoring_guide_parses() -> None:
    """lessons/README.md shows each block kind; each example must be a valid block."""
    guide = (Path(__file__).parents[3] / "lessons" / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"^```(quiz|transcript|lab)\n(.*?)^```$", guide, flags=re.S | re.M)
    assert sorted({kind for kind, _ in examples}) == ["lab", "quiz", "transcript"]
    for kind, body in examples:
        got = lesson(f"\n## Step\n\n```{kind}\n{body}```\n")
        assert [block_kind(b) for b in got.steps[0].blocks] == [kind]


def test_question_and_answer_without_a_blank_line_between_them() -> None:
    got = lesson(
        "\n## Step\n\n**Q:** Why?\n**A:** Because.\nStill the answer.\n**Q:** And?\n**A:** So.\n"
    )
    assert got.steps[0].blocks == (
        QA("Why?", "Because.\nStill the answer.", 11, 12),
        QA("And?", "So.", 14, 15),
    )
