"""Every problem the parser reports, on inline lessons: the exact `line: message`, all of them."""

from __future__ import annotations

import pytest

from tutor.model.lessons import parse_text

FRONT = """\
---
id: t
title: T
summary: S
minutes: 1
scenario: starttls
---
"""
STEP = "\n## Step\n"  # lines 8-9; a block in a step starts on line 11 after a blank line 10
QUIZ = """question: Which port?
choices:
  - 25
  - 465
  - 587
answer: 2
hint: Think.
explain: Because.
"""
LAB = "do: Watch.\ngoal: tls-established\nhint: Press s.\n"


def fence(kind: str, body: str) -> str:
    return f"{STEP}\n```{kind}\n{body}```\n"


def problems(text: str) -> list[str]:
    return [f"{e.line}: {e.message}" for e in parse_text(text, "x.md").errors]


def test_a_valid_lesson_has_no_problem() -> None:
    assert problems(FRONT + fence("quiz", QUIZ) + fence("lab", LAB)) == []


CASES: dict[str, tuple[str, list[str]]] = {
    # front matter
    "no front matter": ("# Title\n" + STEP, ["1: a lesson starts with front matter: a '---' line"]),
    "unclosed front matter": ("---\nid: t\n" + STEP, ["1: front matter: no closing '---' line"]),
    "front matter unknown key": (
        FRONT.replace("minutes: 1", "minutes: 1\nauthor: me") + STEP,
        ["6: front matter: unknown key 'author' (known: id, title, summary, minutes, scenario)"],
    ),
    "front matter list": (
        FRONT.replace("title: T", "title:\n  - T") + STEP,
        ["3: front matter: 'title' takes one value, not a list"],
    ),
    "front matter empty": (
        FRONT.replace("summary: S", 'summary: ""') + STEP,
        ["4: front matter: 'summary' is empty"],
    ),
    "front matter missing keys": (
        FRONT.replace("minutes: 1\n", "").replace("title: T\n", "") + STEP,
        ["1: front matter: 'minutes' is missing", "1: front matter: 'title' is missing"],
    ),
    "front matter bad line": (
        FRONT.replace("title: T", "title: T\njust words") + STEP,
        ["4: front matter: expected 'key: value', got 'just words'"],
    ),
    "front matter duplicate key": (
        FRONT.replace("title: T", "title: T\ntitle: U") + STEP,
        ["4: front matter: 'title' given twice (first on line 3)"],
    ),
    "bad id": (
        FRONT.replace("id: t", "id: -Star TLS") + STEP,
        [
            "2: front matter: id '-Star TLS' must be lowercase letters and digits, "
            "joined by single '-'"
        ],
    ),
    "minutes not a number": (
        FRONT.replace("minutes: 1", "minutes: 0") + STEP,
        ["5: front matter: 'minutes' must be a whole number, not '0'"],
    ),
    "unknown lesson scenario": (
        FRONT.replace("scenario: starttls", "scenario: startls") + STEP,
        ["6: front matter: unknown scenario 'startls' (see 'smtp-tutor demo --list'), or 'none'"],
    ),
    # structure
    "no step": (FRONT + "\nJust text.\n", ["7: a lesson needs at least one step: a '## heading'"]),
    "empty step heading": (FRONT + "\n##\n\nText.\n", ["9: step heading is empty"]),
    "question without answer": (
        FRONT + STEP + "\n**Q:** Why?\n\n## Next\n",
        ["11: Q&A: this **Q:** has no **A:** after it"],
    ),
    "answer without question": (
        FRONT + STEP + "\nText.\n\n**A:** Because.\n",
        ["13: Q&A: this **A:** has no **Q:** before it"],
    ),
    "empty question and answer": (
        FRONT + STEP + "\n**Q:**\n\n**A:**\n",
        ["11: Q&A: the question is empty", "13: Q&A: the answer is empty"],
    ),
    "unclosed code fence": (
        FRONT + STEP + "\n```ini\nkey = value\n",
        ["11: the '```ini' fence is never closed"],
    ),
    "block nested in a list": (
        FRONT + STEP + "\n- item\n\n  ```lab\n  do: x\n  ```\n",
        ["13: lab: an interactive block starts at the left margin, not inside a list or a quote"],
    ),
    "block nested in a quote": (
        FRONT + STEP + "\n> ```quiz\n> question: x\n> ```\n",
        ["11: quiz: an interactive block starts at the left margin, not inside a list or a quote"],
    ),
    "block before the first step": (
        FRONT + "\n```lab\n" + LAB + "```\n" + STEP,
        ["9: lab: interactive blocks go in a step, after a '## heading'"],
    ),
    "empty block": (FRONT + fence("transcript", "\n"), ["11: transcript: the block is empty"]),
    "reference link": (
        FRONT + STEP + "\nSee [RFC][r].\n\n[r]: https://www.rfc-editor.org/rfc/rfc3207\n",
        [
            "13: reference-style link definition: write the link inline, [text](url), "
            "so every part of the lesson renders on its own"
        ],
    ),
    # the key/value format
    "item without key": (
        FRONT + fence("quiz", "- stray\n" + QUIZ),
        ["12: quiz: list item '- stray' has no bare 'key:' above it"],
    ),
    "list under a scalar": (
        FRONT + fence("quiz", QUIZ.replace("answer: 2", "answer: 2\n  - 3")),
        ["18: quiz: 'answer' already has a value; a list goes under a bare 'answer:'"],
    ),
    "continues nothing": (
        FRONT + fence("lab", "  floating\n" + LAB),
        ["12: lab: indented line 'floating' continues nothing"],
    ),
    "not key value": (
        FRONT + fence("lab", LAB + "just words\n"),
        ["15: lab: expected 'key: value', got 'just words'"],
    ),
    "key twice": (
        FRONT + fence("lab", LAB + "hint: Again.\n"),
        ["15: lab: 'hint' given twice (first on line 14)"],
    ),
    # quiz
    "quiz unknown key": (
        FRONT + fence("quiz", QUIZ + "points: 3\n"),
        [
            "20: quiz: unknown key 'points' "
            "(known: question, answer, hint, explain, choices, accept, why)"
        ],
    ),
    "quiz missing keys": (
        FRONT + fence("quiz", "choices:\n  - a\n  - b\nanswer: 1\n"),
        [
            "11: quiz: 'explain' is missing",
            "11: quiz: 'hint' is missing",
            "11: quiz: 'question' is missing",
        ],
    ),
    "quiz scalar given as list": (
        FRONT + fence("quiz", QUIZ.replace("hint: Think.", "hint:\n  - Think.")),
        ["18: quiz: 'hint' takes one value, not a list"],
    ),
    "quiz empty scalar": (
        FRONT + fence("quiz", QUIZ.replace("hint: Think.", "hint:")),
        ["18: quiz: 'hint' is empty"],
    ),
    "quiz list given as scalar": (
        FRONT + fence("quiz", QUIZ + "why: one for all\n"),
        ["20: quiz: 'why' takes a list of '- item' lines under a bare 'why:'"],
    ),
    "quiz empty list": (
        FRONT + fence("quiz", QUIZ + "why:\n"),
        ["20: quiz: 'why' is empty"],
    ),
    "quiz empty item": (
        FRONT + fence("quiz", QUIZ.replace("  - 587", "  - 587\n  -")),
        ["17: quiz: 'choices' has an empty item"],
    ),
    "quiz choices and accept": (
        FRONT + fence("quiz", QUIZ + "accept:\n  - 465\n"),
        ["20: quiz: give either 'choices' and 'answer' or 'accept', not both"],
    ),
    "quiz neither choices nor accept": (
        FRONT + fence("quiz", "question: Q\nhint: H\nexplain: E\n"),
        ["11: quiz: needs 'choices' and 'answer' (multiple choice) or 'accept' (free text)"],
    ),
    "quiz choices without answer": (
        FRONT + fence("quiz", QUIZ.replace("answer: 2\n", "")),
        ["11: quiz: 'answer' is missing"],
    ),
    "quiz one choice": (
        FRONT
        + fence("quiz", QUIZ.replace("  - 25\n  - 465\n", "").replace("answer: 2", "answer: 1")),
        ["13: quiz: 'choices' has 1 item; a quiz needs 2 or more"],
    ),
    "quiz repeated choice": (
        FRONT + fence("quiz", QUIZ.replace("  - 587", "  - 25")),
        ["13: quiz: choice 3 repeats choice 1"],
    ),
    "quiz answer not a number": (
        FRONT + fence("quiz", QUIZ.replace("answer: 2", "answer: b")),
        ["17: quiz: 'answer' must be the number of the right choice, not 'b'"],
    ),
    "quiz answer out of range": (
        FRONT + fence("quiz", QUIZ.replace("answer: 2", "answer: 5")),
        ["17: quiz: 'answer' is 5 but there are 3 choices"],
    ),
    "quiz answer zero": (
        FRONT + fence("quiz", QUIZ.replace("answer: 2", "answer: 0")),
        ["17: quiz: 'answer' is 0 but there are 3 choices"],
    ),
    "quiz why count": (
        FRONT + fence("quiz", QUIZ + "why:\n  - No.\n  - Yes.\n"),
        ["20: quiz: 'why' has 2 items but there are 3 choices"],
    ),
    "quiz answer and why with accept": (
        FRONT
        + fence(
            "quiz", "question: Q\naccept:\n  - x\nanswer: 1\nwhy:\n  - w\nhint: H\nexplain: E\n"
        ),
        [
            "15: quiz: 'answer' goes with 'choices', not with 'accept'",
            "16: quiz: 'why' goes with 'choices', not with 'accept'",
        ],
    ),
    # lab
    "lab unknown scenario": (
        FRONT + fence("lab", "scenario: starttsl\n" + LAB),
        ["12: lab: unknown scenario 'starttsl' (see 'smtp-tutor demo --list')"],
    ),
    "lab without scenario in a lesson without one": (
        FRONT.replace("scenario: starttls", "scenario: none") + fence("lab", LAB),
        ["11: lab: no 'scenario' here, and the lesson's front matter says 'scenario: none'"],
    ),
    "lab bad mode": (
        FRONT + fence("lab", "mode: fast\n" + LAB),
        ["12: lab: 'mode' is 'fast'; use step, play or type"],
    ),
    "lab unknown goal": (
        FRONT + fence("lab", LAB.replace("tls-established", "tls-done")),
        ["13: lab: unknown goal 'tls-done' (see lessons/README.md for the list)"],
    ),
    "lab bad client policy": (
        FRONT + fence("lab", LAB + "client-policy: always\n"),
        ["15: lab: 'client-policy' is 'always'; use none, may, encrypt, verify or secure"],
    ),
    # dane and mta-sts need a lab world's DNS: without `world` refused, not quietly "may"
    "lab dane client policy": (
        FRONT + fence("lab", LAB + "client-policy: dane\n"),
        [
            "15: lab: 'client-policy' is 'dane': it reads the domain's DNS records; "
            "name a lab world with 'world: dane-signed or dane-unsigned'"
        ],
    ),
    "lab missing keys": (
        FRONT + fence("lab", "mode: play\n"),
        ["11: lab: 'do' is missing", "11: lab: 'goal' is missing", "11: lab: 'hint' is missing"],
    ),
    "lab unknown key": (
        FRONT + fence("lab", LAB + "policy: may\n"),
        [
            "15: lab: unknown key 'policy' (known: scenario, mode, do, goal, hint, client-policy, "
            "server-policy, server-auth-only, server-min-tls, config, world, edit)"
        ],
    ),
    # transcript
    "transcript bad line": (
        FRONT + fence("transcript", "S: 220 ok\nEHLO client.test\n"),
        [
            "13: transcript: expected 'C:', 'S:', '<action>' or '# note' (or '? C:', '? S:'), "
            "got 'EHLO client.test'"
        ],
    ),
    "transcript predicts a note": (
        FRONT + fence("transcript", "S: 220 ok\n? # guess\n? <TLS handshake>\n"),
        [
            "13: transcript: '?' asks to predict a 'C:' or 'S:' line, not an action or a note",
            "14: transcript: '?' asks to predict a 'C:' or 'S:' line, not an action or a note",
        ],
    ),
    "transcript empty line": (
        FRONT + fence("transcript", "S: 220 ok\nC:\n<>\n"),
        ["13: transcript: 'C:' has nothing to say", "14: transcript: '<>' has nothing to say"],
    ),
    "transcript without C or S": (
        FRONT + fence("transcript", "# a note\n<TLS handshake>\n"),
        ["11: transcript: needs at least one 'C:' or 'S:' line"],
    ),
}


@pytest.mark.parametrize(("text", "expected"), list(CASES.values()), ids=list(CASES))
def test_error_message(text: str, expected: list[str]) -> None:
    assert problems(text) == expected


def test_every_problem_is_reported_not_just_the_first() -> None:
    text = (
        FRONT.replace("minutes: 1", "minutes: soon")
        + fence("quiz", QUIZ.replace("answer: 2", "answer: 5"))
        + fence("lab", LAB.replace("tls-established", "nope"))
        + "\n**A:** orphan\n"
    )
    assert problems(text) == [
        "5: front matter: 'minutes' must be a whole number, not 'soon'",
        "17: quiz: 'answer' is 5 but there are 3 choices",
        "26: lab: unknown goal 'nope' (see lessons/README.md for the list)",
        "30: Q&A: this **A:** has no **Q:** before it",
    ]
