"""The labs a lesson opens: the task a lab block or a config lab block gives its lab screen, and a
met goal kept in the progress (tutor/ui/screens/lesson.py posts or pushes the screens)."""

from __future__ import annotations

from collections.abc import Iterable

from tutor.model.goals import GOALS
from tutor.model.lesson import Lesson
from tutor.model.progress import Progress
from tutor.ui.config_link import lab_factory
from tutor.ui.screens.lab_task import LabTask
from tutor.ui.widgets.config_lab_block import GOAL_MET, ConfigLabBlock
from tutor.ui.widgets.lab_block import LabBlock


def lab_task(block: LabBlock, lesson_id: str, step: int, lessons: Iterable[Lesson]) -> LabTask:
    """What a lab block asks of its lab, checked on the lab session's facts."""
    lab = block.lab
    return LabTask(
        do=lab.do,
        goal_label=block.goal,
        check=GOALS[lab.goal].check,
        hint=lab.hint,
        mode=lab.mode,
        lesson_id=lesson_id,
        step=step,
        block=block.index,
        session=lab_factory(lab, lessons),
    )


def config_lab_task(block: ConfigLabBlock, step: int) -> LabTask:
    """What a config lab block asks of its lab: its probes decide, never a session's facts."""
    return LabTask(
        do=block.lab.do,
        goal_label=block.goal,
        check=lambda facts: False,  # the probes decide, never the lab session's facts
        hint=block.lab.hint,
        mode="",
        step=step,
        block=block.index,
    )  # no lesson_id: the block keeps its own "goal-met" when the lab is left (lab_closed)


def keep_goal_met(progress: Progress, lesson_id: str, task: LabTask) -> bool:
    """Keep a met lab goal as the block's answer, unless it has one; True when it was kept."""
    if progress.answers(lesson_id, task.step, task.block):
        return False
    progress.record_answer(lesson_id, task.step, task.block, GOAL_MET)
    return True
