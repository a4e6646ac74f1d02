"""The lesson model: what a parsed lesson file is, as frozen dataclasses the UI can read directly.

A `Lesson` is front matter plus `Step`s; a step is a sequence of blocks: `Prose` (ordinary Markdown,
kept as source text for Textual's Markdown widget), `QA` (a beginner's question and an expert's
answer, both Markdown), and the interactive `Quiz`, `Transcript` and `Lab`, or a kind registered
from outside (a `CustomBlock`). Which fence info string builds which block is the table in
`tutor.model.block_kinds`.

Progress is keyed by lesson id and step number (`StepKey`): `("starttls", 2)` is the second
`## heading` of the lesson whose front matter says `id: starttls`, in any language and whatever its
file is called. Every `line` is 1-based in the lesson file, for `file:line` messages.

Pure: no Textual, no I/O.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, TypeAlias, assert_never

from sandbox.client.policy import TlsPolicy

NO_SCENARIO = "none"
"""Front matter `scenario` value of a lesson without hands-on steps."""

LabMode = Literal["step", "play", "type"]
LAB_MODES: tuple[LabMode, ...] = ("step", "play", "type")

ClientPolicy: TypeAlias = TlsPolicy
CLIENT_POLICIES: tuple[str, ...] = tuple(p.value for p in TlsPolicy if not p.reads_dns)
"""The tutor client's TLS policies a lab block may name, as the sandbox defines them
(`smtp_tls_security_level`). `dane` and `mta-sts` are left out: they act on the domain's DNS
records, so a lab block names them only with its lab world (`world:`)."""

StepKey: TypeAlias = tuple[str, int]
"""(lesson id, step number): how progress names a step, stable across languages and file renames."""


class LessonError(Exception):
    """One problem in a lesson file, at `file:line` (line 0: the file or folder as a whole)."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(file, line, message)
        self.file = file
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line > 0 else self.file
        return f"{where}: {self.message}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LessonError):
            return NotImplemented
        return self.sort_key == other.sort_key

    def __hash__(self) -> int:
        return hash(self.sort_key)

    @property
    def sort_key(self) -> tuple[str, int, str]:
        return (self.file, self.line, self.message)


@dataclass(frozen=True, slots=True)
class FenceBody:
    """What a block builder gets: the body lines of one fenced block and where they are."""

    lines: tuple[str, ...]  # between the fences, without the last empty one
    first_line: int  # file line of lines[0]
    file: str  # as named in messages
    line: int  # file line of the opening fence (the block's own line)
    default_scenario: str | None = None  # the front matter's `scenario`; None when broken

    def error(self, line: int, message: str) -> LessonError:
        return LessonError(self.file, line, message)


def normalize_answer(text: str) -> str:
    """How free-text answers and predictions are compared: NFKC (full-width digits and letters
    typed with a Japanese input method count), no case, no surrounding spaces."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


# --- Blocks --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prose:
    """Ordinary Markdown, as written in the file (render it with a Markdown widget)."""

    markdown: str
    line: int


@dataclass(frozen=True, slots=True)
class QA:
    """A beginner's question and the expert's answer; both are Markdown without the `**Q:**` /
    `**A:**` markers, so the UI can show them as two sides of a conversation."""

    question: str
    answer: str
    line: int
    answer_line: int


@dataclass(frozen=True, slots=True)
class Quiz:
    """A multiple-choice quiz (`choices` + `answer`) or a free-text one (`accept`)."""

    question: str
    hint: str
    explain: str  # shown after any answer, right or wrong
    line: int
    choices: tuple[str, ...] = ()
    answer: int | None = None  # 1-based number of the right choice; None for free text
    why: tuple[str, ...] = ()  # empty, or one explanation per choice
    accept: tuple[str, ...] = ()  # free text: accepted answers

    @property
    def is_choice(self) -> bool:
        return bool(self.choices)

    def is_right(self, response: int | str) -> bool:
        """A choice number (1-based) for a multiple-choice quiz, a text for a free-text one."""
        if self.is_choice:
            return isinstance(response, int) and response == self.answer
        if isinstance(response, int):
            response = str(response)
        given = normalize_answer(response)
        return any(given == normalize_answer(a) for a in self.accept)

    def why_for(self, choice: int) -> str | None:
        """The explanation for picking choice number `choice` (1-based), when the quiz has them."""
        if 1 <= choice <= len(self.why):
            return self.why[choice - 1]
        return None


class LineKind(enum.Enum):
    CLIENT = "C"
    SERVER = "S"
    ACTION = "action"  # `<TLS handshake>`: `text` is what is inside the brackets
    NOTE = "note"  # `# narration`


_REPLY_CODE = re.compile(r"^(\d{3})(?:[ -]|$)")


def first_word(kind: LineKind, text: str) -> str:
    """What a prediction must match: a reply's 3-digit code, or a command's verb."""
    text = normalize_answer(text)
    if kind is LineKind.SERVER:
        m = _REPLY_CODE.match(text)
        if m:
            return m.group(1)
    words = text.split()
    return words[0] if words else ""


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    kind: LineKind
    text: str
    line: int
    predict: bool = False  # `?`: pause and ask the learner to predict this line

    @property
    def marker(self) -> str:
        """RFC notation for display: `C:`, `S:`, `<...>` or `#`."""
        return {LineKind.CLIENT: "C:", LineKind.SERVER: "S:"}.get(self.kind, "")

    def matches(self, guess: str) -> bool:
        """Whether a prediction is right: the first word (reply code or verb) matches, any case."""
        want = first_word(self.kind, self.text)
        return bool(want) and first_word(self.kind, guess) == want


@dataclass(frozen=True, slots=True)
class Transcript:
    """An SMTP exchange in RFC notation, walked through line by line."""

    lines: tuple[TranscriptLine, ...]
    line: int

    @property
    def predictions(self) -> tuple[TranscriptLine, ...]:
        return tuple(t for t in self.lines if t.predict)


@dataclass(frozen=True, slots=True)
class Lab:
    """A hands-on step in the sandbox, done when `goal` (a name in `tutor.model.goals.GOALS`) is
    met."""

    scenario: str  # a name in sandbox.lab.catalog.SCENARIOS (the lesson's scenario when not given)
    mode: LabMode
    do: str
    goal: str
    hint: str
    line: int
    client_policy: ClientPolicy | None = None  # None: the scenario's default
    # The server's side, as `demo --server-policy/--server-auth-only/--server-min-tls` set it
    # (None: the scenario's own): smtpd_tls_security_level, smtpd_tls_auth_only, the lowest TLS.
    server_policy: str | None = None
    server_auth_only: bool | None = None
    server_min_tls: str | None = None
    config: str | None = None  # a config lab's name: the server runs the learner's files
    world: str | None = None  # a lab world (sandbox/labdns/names.py): the session runs in it
    edit: str | None = None  # what the learner writes for the world (`mta-sts.txt`), if anything


class CustomBlock:
    """Base of a block kind registered from outside the built-in ones (a course's own kind, a
    test's): interactive (the step waits for its widget to complete it), compared across
    translations by kind only. Subclass it with a frozen dataclass that has a `line` field, and
    register it with `tutor.model.block_kinds.register_block_kind`."""

    __slots__ = ()
    line: int  # 1-based line of the opening fence


Block: TypeAlias = Prose | QA | Quiz | Transcript | Lab | CustomBlock
Interactive: TypeAlias = Quiz | Transcript | Lab | CustomBlock


def interactive_blocks(blocks: Iterable[Block]) -> tuple[Interactive, ...]:
    """The blocks a learner has to do something with, in order."""
    out: list[Interactive] = []
    for block in blocks:
        match block:
            case Prose() | QA():
                pass
            case Quiz() | Transcript() | Lab() | CustomBlock():
                out.append(block)
            case _:
                assert_never(block)
    return tuple(out)


# --- Steps and lessons ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One `## heading` and what follows it up to the next one."""

    number: int  # 1-based; with the lesson id, the progress key
    title: str  # the heading's inline Markdown
    line: int
    blocks: tuple[Block, ...]
    markdown: str = ""  # the whole step's source below the heading, for a plain rendering

    @property
    def quizzes(self) -> tuple[Quiz, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Quiz))

    @property
    def labs(self) -> tuple[Lab, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Lab))

    @property
    def interactive(self) -> tuple[Interactive, ...]:
        return interactive_blocks(self.blocks)


@dataclass(frozen=True, slots=True)
class Lesson:
    id: str
    title: str
    summary: str
    minutes: int
    scenario: str  # a scenario name, or NO_SCENARIO
    steps: tuple[Step, ...]
    intro: tuple[Block, ...] = ()  # Prose and QA between the front matter and the first step
    file: str = "<string>"
    lang: str = ""
    number: int = 0  # the NN file-name prefix: the lesson's place in the course
    intro_markdown: str = ""
    links: tuple[tuple[str, int], ...] = field(
        default=(), repr=False
    )  # (href, line), relative only

    def step(self, number: int) -> Step:
        """Step `number` (1-based); IndexError when there is none."""
        if not 1 <= number <= len(self.steps):
            raise IndexError(f"lesson {self.id!r} has no step {number}")
        return self.steps[number - 1]

    def step_key(self, number: int) -> StepKey:
        return (self.id, number)

    @property
    def quizzes(self) -> tuple[Quiz, ...]:
        return tuple(q for s in self.steps for q in s.quizzes)

    @property
    def labs(self) -> tuple[Lab, ...]:
        return tuple(lab for s in self.steps for lab in s.labs)
