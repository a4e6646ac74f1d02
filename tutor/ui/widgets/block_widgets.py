"""Which widget shows which lesson block: the UI side of a block kind, one entry per model class.

The model side is `tutor.model.block_kinds` (fence info string -> builder). A block whose model
has no widget here is a programming error, said plainly, never shown as some other block.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.widget import Widget

from tutor.model.config_lab import ConfigLab
from tutor.model.grading import Grade
from tutor.model.lesson import QA, Block, Lab, Prose, Quiz, Transcript
from tutor.model.session_quiz import SessionQuiz
from tutor.model.versions_lab import VersionsLab
from tutor.ui.widgets.blocks import QABlock, lesson_markdown
from tutor.ui.widgets.config_lab_block import ConfigLabBlock
from tutor.ui.widgets.grade import GradeBlock
from tutor.ui.widgets.lab_block import LabBlock
from tutor.ui.widgets.quiz import QuizBlock
from tutor.ui.widgets.session_quiz import SessionQuizBlock
from tutor.ui.widgets.transcript import TranscriptBlock
from tutor.ui.widgets.versions_lab import VersionsLabBlock

B = TypeVar("B")
WidgetFactory = Callable[[B, int], Widget]
"""(block, its index in the step; -1 in the intro) -> the widget that shows it."""


def _prose(block: Prose, index: int) -> Widget:
    return lesson_markdown(block.markdown, "prose")


def _qa(block: QA, index: int) -> Widget:
    return QABlock(block.question, block.answer)


# Values are typed per entry by register_block_widget; the table itself cannot say "a factory
# for this key's class", hence Any.
BLOCK_WIDGETS: dict[type[Any], WidgetFactory[Any]] = {
    Prose: _prose,
    QA: _qa,
    Quiz: QuizBlock,
    Transcript: TranscriptBlock,
    Lab: LabBlock,
    ConfigLab: ConfigLabBlock,
    Grade: GradeBlock,
    SessionQuiz: SessionQuizBlock,
    VersionsLab: VersionsLabBlock,
}
"""Model class -> widget factory: the one registration of each block kind in the UI."""


class NoBlockWidget(LookupError):
    """A lesson block whose model class has no widget registered."""


def register_block_widget(model: type[B], factory: WidgetFactory[B]) -> None:
    """Show blocks of class `model` with `factory` (a block kind registered from outside)."""
    if model in BLOCK_WIDGETS:
        raise ValueError(f"{model.__name__} blocks already have a widget")
    BLOCK_WIDGETS[model] = factory


def unregister_block_widget(model: type[Any]) -> None:
    del BLOCK_WIDGETS[model]


def block_widget(block: Block, index: int) -> Widget:
    """The widget that shows `block`, the `index`th block of its step."""
    factory = BLOCK_WIDGETS.get(type(block))
    if factory is None:
        name = type(block).__name__
        raise NoBlockWidget(
            f"no widget for {name} blocks: register one with "
            f"tutor.ui.widgets.block_widgets.register_block_widget({name}, ...)"
        )
    return factory(block, index)
