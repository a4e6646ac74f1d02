"""A transcript walk-through: an SMTP exchange shown up to each `?` line, where it pauses and asks
the learner to predict what comes next (the reply code or the command verb)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from tutor.model.lesson import LineKind, Transcript, TranscriptLine
from tutor.model.progress import Answer
from tutor.ui.lang import words
from tutor.ui.widgets.blocks import InteractiveBlock

_STYLE = {LineKind.CLIENT: "bold #5fafff", LineKind.SERVER: "bold #87d75f"}


def transcript_line(line: TranscriptLine) -> Text:
    """`C: EHLO client.test`, `S: 250 OK`, `<TLS handshake>` or `# narration`."""
    if line.kind is LineKind.ACTION:
        return Text(f"<{line.text}>", style="italic #d7af5f")
    if line.kind is LineKind.NOTE:
        return Text(f"# {line.text}", style="italic dim")
    return Text.assemble((line.marker, _STYLE[line.kind]), " ", line.text)


class TranscriptBlock(InteractiveBlock):
    """The answer box stays just below the last line revealed: each prediction reveals more lines
    and the block scrolls so the box (or, at the end, the last line) is still in view. Whether a
    prediction was right is said in the block, never in a toast that would cover it."""

    help_topic = "transcript"

    def __init__(self, transcript: Transcript, index: int) -> None:
        super().__init__(index, classes="transcript")
        self.transcript = transcript
        self.shown = 0  # lines revealed so far
        self.guesses: list[tuple[str, bool]] = []

    @property
    def waiting(self) -> TranscriptLine | None:
        """The line the learner is asked to predict, if the walk-through is paused."""
        lines = self.transcript.lines
        return lines[self.shown] if self.shown < len(lines) else None

    def compose(self) -> ComposeResult:
        yield Label(f"▶ {words(self, 'transcript.label')}", classes="block-label")
        yield Static("", classes="lines")
        feedback = Static("", classes="feedback", markup=False)
        feedback.display = False
        yield feedback
        yield Static(words(self, "transcript.predict"), classes="prompt", markup=False)
        yield Input(
            placeholder=words(self, "transcript.predict_placeholder"),
            classes="predict",
            compact=True,
        )

    def on_mount(self) -> None:
        self._advance()

    def answer_box(self) -> Widget | None:
        return self.query_one(".predict", Input) if self.waiting is not None else None

    def _advance(self) -> None:
        """Reveal lines up to the next prediction (or the end)."""
        lines = self.transcript.lines
        while self.shown < len(lines) and not lines[self.shown].predict:
            self.shown += 1
        self._render_lines()

    def _render_lines(self) -> None:
        text = Text()
        guesses = iter(self.guesses)
        for line in self.transcript.lines[: self.shown]:
            if line.predict:
                guess = next(guesses, None)  # None: revealed without a guess (an old save)
                if guess is not None:
                    text.append("✔ " if guess[1] else "✘ ", style="bold")
                    if not guess[1]:
                        text.append(f"({guess[0]}) ", style="strike dim")
            text.append_text(transcript_line(line))
            text.append("\n")
        paused = self.waiting is not None
        if paused:
            text.append("? …", style="bold reverse")
        else:
            text.append(words(self, "transcript.done"), style="dim")
        self.query_one(".lines", Static).update(text)
        self.query_one(".prompt").display = paused
        self.query_one(".predict").display = paused
        if not paused:
            self.complete()

    @on(Input.Submitted, ".predict")
    def _predicted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            event.input.clear()
            self.predict(event.value)

    def predict(self, guess: str, *, replay: bool = False) -> bool:
        """Check a prediction for the paused line, reveal it, and go on to the next pause
        (`replay`: an answer kept from an earlier visit, shown again, not recorded again)."""
        line = self.waiting
        if line is None:
            return False
        right = line.matches(guess)
        self.guesses.append((guess.strip(), right))
        feedback = self.query_one(".feedback", Static)
        feedback.update(
            words(self, "transcript.right" if right else "transcript.wrong", line=line.text)
        )
        feedback.set_class(right, "-right")
        feedback.set_class(not right, "-wrong")
        feedback.display = True
        self.shown += 1
        self._advance()
        if not replay:
            self.answered(guess.strip())
            self.call_after_refresh(self._keep_in_view)
        return right

    def _keep_in_view(self) -> None:
        """The answer box (or, once done, the last word of the walk-through) back in view."""
        box = self.answer_box()
        (box or self.query_one(".feedback")).scroll_visible(animate=False)

    def restore(self, answers: list[Answer], done: bool) -> None:
        for guess in answers:
            if isinstance(guess, str):
                self.predict(guess, replay=True)
        if done and self.waiting is not None:  # finished before answers were kept
            self.shown = len(self.transcript.lines)
            self._render_lines()
