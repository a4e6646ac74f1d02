"""A transcript walk-through: an SMTP exchange shown up to each `?` line, where it pauses and asks
the learner to predict what comes next (the reply code or the command verb)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, Static

from tutor.model.lesson import LineKind, Transcript, TranscriptLine
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
        yield Static(words(self, "transcript.predict"), classes="prompt", markup=False)
        yield Input(
            placeholder=words(self, "transcript.predict_placeholder"),
            classes="predict",
            compact=True,
        )

    def on_mount(self) -> None:
        self._advance()

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
                guess, right = next(guesses, ("", True))
                mark = "✔" if right else "✘"
                text.append(f"{mark} ", style="bold")
                if not right:
                    text.append(f"({guess}) ", style="strike dim")
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

    def predict(self, guess: str) -> bool:
        """Check a prediction for the paused line, reveal it, and go on to the next pause."""
        line = self.waiting
        if line is None:
            return False
        right = line.matches(guess)
        self.guesses.append((guess.strip(), right))
        key = "transcript.right" if right else "transcript.wrong"
        self.notify(
            words(self, key, line=line.text),
            severity="information" if right else "warning",
            markup=False,
        )
        self.shown += 1
        self._advance()
        if self.waiting is not None:
            self.query_one(".predict", Input).focus()
        return right
